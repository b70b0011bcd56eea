/**
 * Remembers the keys (uuid) of the most recent flows so that a resumed stream
 * (`since` = last flow time) does not deliver a flow twice. Keys are kept in
 * arrival order and evicted when older than the window behind the newest flow
 * time, or when the capacity is reached.
 *
 * This runs for every flow of a follow stream (tens of thousands a second),
 * and its keys live for seconds: kept as strings in a Set they would all be
 * promoted to V8's old generation and churn it. So each key is kept as a
 * 64-bit hash in typed arrays (a FIFO ring plus an open-addressing index into
 * it): fixed memory, no per-flow heap objects. Two different keys share a
 * hash with probability ~2⁻⁶⁴ per pair; at 50,000 keys that is ~10⁻¹⁰.
 */
export class RecentFlowKeys {
  private readonly ringHi: Int32Array;
  private readonly ringLo: Int32Array;
  private readonly ringMicros: Float64Array;
  /** Open addressing (linear probing): ring slot + 1, 0 = empty. */
  private readonly table: Int32Array;
  private readonly mask: number;
  private head = 0;
  private size = 0;
  private hi = 0;
  private lo = 0;

  constructor(
    private readonly capacity: number,
    private readonly windowMicros: number,
  ) {
    this.ringHi = new Int32Array(capacity);
    this.ringLo = new Int32Array(capacity);
    this.ringMicros = new Float64Array(capacity);
    let tableSize = 16;
    while (tableSize < capacity * 2) tableSize *= 2;
    this.table = new Int32Array(tableSize);
    this.mask = tableSize - 1;
  }

  /** Sets `hi`/`lo` to two independent 32-bit hashes of the key. */
  private hash(key: string): void {
    let a = 0x811c9dc5 | 0;
    let b = 0x9747b28c | 0;
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
    }
    // final avalanche (murmur3 fmix32) so the low bits index the table well
    a ^= a >>> 16;
    a = Math.imul(a, 0x85ebca6b);
    a ^= a >>> 13;
    a = Math.imul(a, 0xc2b2ae35);
    a ^= a >>> 16;
    this.hi = b | 0;
    this.lo = a | 0;
  }

  has(key: string): boolean {
    if (this.size === 0) return false;
    this.hash(key);
    const { hi, lo, table, mask } = this;
    for (let i = lo & mask; ; i = (i + 1) & mask) {
      const s = table[i];
      if (s === 0) return false;
      if (this.ringLo[s - 1] === lo && this.ringHi[s - 1] === hi) return true;
    }
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
    this.hash(key);
    const slot = (this.head + this.size) % cap;
    this.ringHi[slot] = this.hi;
    this.ringLo[slot] = this.lo;
    this.ringMicros[slot] = micros;
    this.size++;
    const { table, mask } = this;
    let i = this.lo & mask;
    while (table[i] !== 0) i = (i + 1) & mask;
    table[i] = slot + 1;
  }

  get count(): number {
    return this.size;
  }

  private evictHead(): void {
    const slot = this.head;
    const { table, mask } = this;
    // Find the slot's index entry, then delete it by shifting back the
    // entries of its probe run (Knuth's algorithm R; no tombstones).
    let i = this.ringLo[slot] & mask;
    while (table[i] !== slot + 1) i = (i + 1) & mask;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const s = table[j];
      if (s === 0) break;
      const home = this.ringLo[s - 1] & mask;
      // Entry at j may stay when its home lies cyclically in (i, j].
      const stays = i <= j ? i < home && home <= j : i < home || home <= j;
      if (stays) continue;
      table[i] = s;
      i = j;
    }
    table[i] = 0;
    this.head = (this.head + 1) % this.capacity;
    this.size--;
  }
}
