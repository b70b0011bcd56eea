import { SERIES_LENGTH } from './MinuteCounters';

/** Series per chunk: 256 × 480 bytes = 120 KiB allocated at a time. */
const CHUNK_SERIES = 256;

/**
 * Storage for many {@link MinuteCounters} series in a few large typed arrays
 * instead of one small array each: a small ArrayBuffer costs V8 a separate
 * native allocation and bookkeeping of about its own size again (measured in
 * `bench/traffic-history.bench.js`). Chunks are added as series are taken and
 * kept; released series are reused, so the pool never holds more than the
 * most series alive at once.
 */
export class CounterPool {
  private readonly chunks: Uint32Array[] = [];
  private readonly free: number[] = [];
  private next = 0;

  /** A series id to pass to `array`/`base`, and to `release` when done. */
  take(): number {
    const id = this.free.length > 0 ? this.free.pop()! : this.next++;
    const chunk = Math.floor(id / CHUNK_SERIES);
    if (chunk === this.chunks.length)
      this.chunks.push(new Uint32Array(CHUNK_SERIES * SERIES_LENGTH));
    return id;
  }

  /** The array that holds series `id`. */
  array(id: number): Uint32Array {
    return this.chunks[Math.floor(id / CHUNK_SERIES)];
  }

  /** Where series `id` starts in its array. */
  base(id: number): number {
    return (id % CHUNK_SERIES) * SERIES_LENGTH;
  }

  /** Gives series `id` back for reuse. */
  release(id: number): void {
    this.free.push(id);
  }

  /** Series taken and not released. */
  get inUse(): number {
    return this.next - this.free.length;
  }

  /** Bytes of counters allocated (chunks never shrink). */
  get bytes(): number {
    return this.chunks.length * CHUNK_SERIES * SERIES_LENGTH * 4;
  }
}
