import { FlowRing } from './FlowRing';

/** A fake flow of `size` bytes whose content identifies it. */
function bytes(n: number, size = 100): Buffer {
  const b = Buffer.alloc(size, n % 251);
  b.writeUInt32BE(n, 0);
  return b;
}
const id = (raw: Buffer) => raw.readUInt32BE(0);
const meta = (n: number) => ({
  timeMs: 1_000_000 + n,
  source: `component:default/s${n}`,
  destination: undefined,
});

describe('FlowRing', () => {
  it('keeps the newest flows up to its flow count, oldest first, and counts the evicted', () => {
    const ring = new FlowRing(5, 1 << 20);
    for (let i = 0; i < 12; i++) ring.push(bytes(i), meta(i));
    expect(ring.length).toBe(5);
    expect(ring.evicted).toBe(7);
    expect(ring.entries().map(e => id(e.raw))).toEqual([7, 8, 9, 10, 11]);
    expect(ring.entries().map(e => e.timeMs)).toEqual(
      [7, 8, 9, 10, 11].map(n => 1_000_000 + n),
    );
    expect(ring.entries()[0].source).toBe('component:default/s7');
    expect(ring.oldestTimeMs()).toBe(1_000_007);
  });

  it('keeps the newest flows within its byte budget, with their exact bytes', () => {
    const ring = new FlowRing(1000, 1000);
    // 3 flows of 300 bytes fit in 1,000 bytes; the 4th wraps around and
    // replaces the oldest.
    for (let i = 0; i < 10; i++) {
      ring.push(bytes(i, 300), meta(i));
      expect(ring.bytes).toBeLessThanOrEqual(1000);
      const kept = ring.entries().map(e => id(e.raw));
      expect(kept[kept.length - 1]).toBe(i);
      // always contiguous: the newest ones, none skipped
      expect(kept).toEqual(
        Array.from({ length: kept.length }, (_, k) => i - kept.length + 1 + k),
      );
    }
    expect(ring.entries().map(e => id(e.raw))).toEqual([7, 8, 9]);
    expect(ring.evicted).toBe(7);
    for (const e of ring.entries())
      expect(e.raw.equals(bytes(id(e.raw), 300))).toBe(true);
  });

  it('keeps flows of mixed sizes intact across many laps of the arena', () => {
    const ring = new FlowRing(50, 4096);
    const sizes = (n: number) => 64 + ((n * 37) % 900);
    for (let i = 0; i < 2000; i++) {
      ring.push(bytes(i, sizes(i)), meta(i));
      expect(ring.bytes).toBeLessThanOrEqual(4096);
    }
    const kept = ring.entries();
    expect(kept.length).toBeGreaterThan(3);
    expect(kept.map(e => id(e.raw))).toEqual(
      Array.from({ length: kept.length }, (_, k) => 2000 - kept.length + k),
    );
    for (const e of kept)
      expect(e.raw.equals(bytes(id(e.raw), sizes(id(e.raw))))).toBe(true);
    expect(ring.evicted + ring.length).toBe(2000);
  });

  it('returns the newest `limit` flows, oldest first', () => {
    const ring = new FlowRing(10, 1 << 16);
    for (let i = 0; i < 6; i++) ring.push(bytes(i), meta(i));
    expect(ring.entries(2).map(e => id(e.raw))).toEqual([4, 5]);
    expect(ring.entries(100).map(e => id(e.raw))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(ring.entries(0)).toEqual([]);
  });

  it('does not keep a flow larger than the whole budget, and counts it', () => {
    const ring = new FlowRing(10, 500);
    ring.push(bytes(1, 200), meta(1));
    ring.push(bytes(2, 600), meta(2));
    expect(ring.entries().map(e => id(e.raw))).toEqual([1]);
    expect(ring.evicted).toBe(1);
  });

  it('is empty until the first flow', () => {
    const ring = new FlowRing(10, 500);
    expect(ring.length).toBe(0);
    expect(ring.entries()).toEqual([]);
    expect(ring.oldestTimeMs()).toBeUndefined();
    expect(ring.evicted).toBe(0);
  });
});
