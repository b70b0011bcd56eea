/** A fixed-size buffer that keeps the newest items; older ones are evicted. */
export class RingBuffer<T> {
  private readonly items: Array<T | undefined>;
  private start = 0;
  private size = 0;
  /** How many items were evicted since creation. */
  evicted = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new Error(
        `RingBuffer capacity must be a positive integer, got ${capacity}`,
      );
    }
    this.items = new Array(capacity);
  }

  get length(): number {
    return this.size;
  }

  /** Adds an item; returns the evicted one when the buffer was full. */
  push(item: T): T | undefined {
    if (this.size < this.capacity) {
      this.items[(this.start + this.size) % this.capacity] = item;
      this.size++;
      return undefined;
    }
    const old = this.items[this.start];
    this.items[this.start] = item;
    this.start = (this.start + 1) % this.capacity;
    this.evicted++;
    return old;
  }

  /** Removes and returns the oldest item. */
  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.items[this.start];
    this.items[this.start] = undefined;
    this.start = (this.start + 1) % this.capacity;
    this.size--;
    return item;
  }

  /** The oldest item, without removing it. */
  oldest(): T | undefined {
    return this.size === 0 ? undefined : this.items[this.start];
  }

  /** Oldest first. */
  toArray(): T[] {
    const out: T[] = new Array(this.size);
    for (let i = 0; i < this.size; i++)
      out[i] = this.items[(this.start + i) % this.capacity] as T;
    return out;
  }

  clear(): void {
    this.items.fill(undefined);
    this.start = 0;
    this.size = 0;
  }
}
