/**
 * Remembers the keys (uuid) of the most recent flows so that a resumed stream
 * (`since` = last flow time) does not deliver a flow twice. Keys are kept in
 * arrival order and evicted when older than the window behind the newest flow
 * time, or when the capacity is reached.
 */
export class RecentFlowKeys {
  private readonly keys = new Set<string>();
  private readonly ringKeys: string[];
  private readonly ringMicros: Float64Array;
  private head = 0;
  private size = 0;

  constructor(
    private readonly capacity: number,
    private readonly windowMicros: number,
  ) {
    this.ringKeys = new Array(capacity);
    this.ringMicros = new Float64Array(capacity);
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }

  /** Records a key; `micros` is the flow time in epoch microseconds. */
  add(key: string, micros: number, newestMicros: number): void {
    const cap = this.capacity;
    const limit = newestMicros - this.windowMicros;
    // Evict by age, then by capacity.
    while (this.size > 0 && this.ringMicros[this.head] < limit) {
      this.evictHead();
    }
    if (this.size === cap) {
      this.evictHead();
    }
    const slot = (this.head + this.size) % cap;
    this.ringKeys[slot] = key;
    this.ringMicros[slot] = micros;
    this.size++;
    this.keys.add(key);
  }

  get count(): number {
    return this.size;
  }

  private evictHead(): void {
    const key = this.ringKeys[this.head];
    this.keys.delete(key);
    this.ringKeys[this.head] = '';
    this.head = (this.head + 1) % this.capacity;
    this.size--;
  }
}
