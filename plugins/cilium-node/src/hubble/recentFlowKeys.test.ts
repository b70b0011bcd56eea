import { randomUUID } from 'node:crypto';
import { RecentFlowKeys } from './recentFlowKeys';

describe('RecentFlowKeys', () => {
  it('remembers the newest keys up to its capacity and forgets the oldest', () => {
    const keys = new RecentFlowKeys(1000, 1e12);
    const uuids = Array.from({ length: 5000 }, () => randomUUID());
    uuids.forEach((u, i) => keys.add(u, i, i));
    expect(keys.count).toBe(1000);
    for (let i = 0; i < 4000; i++) expect(keys.has(uuids[i])).toBe(false);
    for (let i = 4000; i < 5000; i++) expect(keys.has(uuids[i])).toBe(true);
    expect(keys.has(randomUUID())).toBe(false);
  });

  it('forgets keys older than its window behind the newest flow time', () => {
    const keys = new RecentFlowKeys(100, 1000);
    keys.add('a', 0, 0);
    keys.add('b', 500, 500);
    keys.add('c', 1200, 1200); // window starts at 200: `a` goes
    expect([keys.has('a'), keys.has('b'), keys.has('c')]).toEqual([
      false,
      true,
      true,
    ]);
    expect(keys.count).toBe(2);
  });

  it('stays correct through many evictions (keys that collide in its index included)', () => {
    const keys = new RecentFlowKeys(64, 1e12);
    const all: string[] = [];
    const wrong: string[] = [];
    for (let i = 0; i < 20000; i++) {
      const k = `flow-${i % 7 === 0 ? 'x' : ''}${i}`;
      all.push(k);
      keys.add(k, i, i);
      for (let j = Math.max(0, i - 100); j <= i && i % 97 === 0; j++) {
        if (keys.has(all[j]) !== j > i - 64)
          wrong.push(`after ${i}: ${all[j]}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
