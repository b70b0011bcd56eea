/** What is kept next to a flow's bytes: the few fields the routes need without a decode. */
export interface FlowRingMeta {
  /** flow.time in epoch milliseconds. */
  timeMs: number;
  /** The catalog entity the flow's source maps to. */
  source?: string;
  /** The catalog entity the flow's destination maps to. */
  destination?: string;
}

/** One buffered flow: its bytes (a view into the ring's memory) and its metadata. */
export interface FlowRingEntry extends FlowRingMeta {
  raw: Buffer;
}

/**
 * The newest flows of one entity, as encoded `flow.Flow` bytes in one
 * preallocated byte arena used as a ring: a new flow is copied behind the
 * newest one and the oldest flows are evicted when either the flow count or
 * the byte budget runs out. Memory is fixed (the arena plus a few typed
 * arrays) and no per-flow objects stay on the JavaScript heap, whatever the
 * ingest rate.
 *
 * A flow's bytes are never split: when a flow does not fit behind the newest
 * one, writing continues at the start of the arena and the unused tail is
 * left empty. Entries read from the ring are views into the arena, valid
 * until the next `push`; copy them to keep them longer.
 */
export class FlowRing {
  private arena: Buffer | undefined;
  private readonly offsets: Int32Array;
  private readonly lengths: Int32Array;
  private readonly times: Float64Array;
  private readonly sources: Array<string | undefined>;
  private readonly destinations: Array<string | undefined>;
  /** Slot of the oldest flow. */
  private start = 0;
  private size = 0;
  /** Where the next flow's bytes go. */
  private writeOffset = 0;
  /** How many flows were evicted (or were too large to keep) since creation. */
  evicted = 0;

  /**
   * @param capacity - most flows kept
   * @param byteBudget - bytes of flow data kept (the arena's size)
   */
  constructor(readonly capacity: number, readonly byteBudget: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new Error(
        `FlowRing capacity must be a positive integer, got ${capacity}`,
      );
    }
    if (!Number.isInteger(byteBudget) || byteBudget < 1) {
      throw new Error(
        `FlowRing byte budget must be a positive integer, got ${byteBudget}`,
      );
    }
    this.offsets = new Int32Array(capacity);
    this.lengths = new Int32Array(capacity);
    this.times = new Float64Array(capacity);
    this.sources = new Array(capacity).fill(undefined);
    this.destinations = new Array(capacity).fill(undefined);
  }

  /** Flows buffered. */
  get length(): number {
    return this.size;
  }

  /** Bytes of flow data buffered (without the unused tail of a wrapped arena). */
  get bytes(): number {
    let n = 0;
    for (let i = 0; i < this.size; i++)
      n += this.lengths[(this.start + i) % this.capacity];
    return n;
  }

  /** Copies a flow's bytes into the ring, evicting the oldest flows as needed. */
  push(raw: Uint8Array, meta: FlowRingMeta): void {
    const len = raw.length;
    if (len > this.byteBudget) {
      // Larger than the whole arena: it cannot be kept.
      this.evicted++;
      return;
    }
    // Slow, unpooled, not zero-filled: pages become resident only as the
    // ring first fills them, so a quiet entity costs little.
    const arena = (this.arena ??= Buffer.allocUnsafeSlow(this.byteBudget));
    if (this.size === this.capacity) this.evictOldest();
    // Invariant: the flows of the previous lap of the arena (the oldest ones)
    // all lie at or after writeOffset, in order.
    if (this.writeOffset + len > this.byteBudget) {
      // Wrap: the previous lap's flows behind the write offset go first.
      while (this.size > 0 && this.offsets[this.start] >= this.writeOffset)
        this.evictOldest();
      this.writeOffset = 0;
    }
    const end = this.writeOffset + len;
    while (
      this.size > 0 &&
      this.offsets[this.start] >= this.writeOffset &&
      this.offsets[this.start] < end
    ) {
      this.evictOldest();
    }
    arena.set(raw, this.writeOffset);
    const slot = (this.start + this.size) % this.capacity;
    this.offsets[slot] = this.writeOffset;
    this.lengths[slot] = len;
    this.times[slot] = meta.timeMs;
    this.sources[slot] = meta.source;
    this.destinations[slot] = meta.destination;
    this.size++;
    this.writeOffset = end;
  }

  private evictOldest(): void {
    const slot = this.start;
    this.sources[slot] = undefined;
    this.destinations[slot] = undefined;
    this.start = (this.start + 1) % this.capacity;
    this.size--;
    this.evicted++;
    if (this.size === 0) this.writeOffset = 0;
  }

  /** The i-th buffered flow, oldest first (0 = oldest). */
  at(i: number): FlowRingEntry | undefined {
    if (i < 0 || i >= this.size) return undefined;
    const slot = (this.start + i) % this.capacity;
    const offset = this.offsets[slot];
    return {
      raw: this.arena!.subarray(offset, offset + this.lengths[slot]),
      timeMs: this.times[slot],
      source: this.sources[slot],
      destination: this.destinations[slot],
    };
  }

  /** The oldest flow's time (epoch ms), without reading its bytes. */
  oldestTimeMs(): number | undefined {
    return this.size === 0 ? undefined : this.times[this.start];
  }

  /** The newest `limit` flows (all when undefined), oldest first. */
  entries(limit?: number): FlowRingEntry[] {
    const n =
      limit === undefined ? this.size : Math.max(0, Math.min(limit, this.size));
    const out: FlowRingEntry[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = this.at(this.size - n + i)!;
    return out;
  }
}
