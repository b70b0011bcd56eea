import { backoffDelay } from './backoff';

describe('backoffDelay', () => {
  it('grows exponentially up to the cap', () => {
    const mid = () => 0.5; // no jitter effect
    const opts = { initialMs: 100, maxMs: 1000, multiplier: 2, jitter: 0.2 };
    expect([1, 2, 3, 4, 5, 6].map(a => backoffDelay(a, opts, mid))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });

  it('spreads each delay by ±jitter', () => {
    const opts = { initialMs: 1000, maxMs: 60000, jitter: 0.25 };
    expect(backoffDelay(1, opts, () => 0)).toBe(750);
    expect(backoffDelay(1, opts, () => 0.999999)).toBe(1250);
    expect(backoffDelay(3, opts, () => 0)).toBe(3000);
  });
});
