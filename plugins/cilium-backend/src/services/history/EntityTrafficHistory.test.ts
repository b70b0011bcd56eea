import { EntityTrafficHistory } from './EntityTrafficHistory';
import { DROPPED, FORWARDED, MinuteCounters } from './MinuteCounters';

const MINUTE = 60_000;
/** 10:00:00 UTC, a whole minute. */
const T0 = Date.parse('2026-11-26T10:00:00Z');
const CHECKOUT = 'component:default/checkout';
const PAYMENTS = 'component:default/payments';
const CART = 'component:default/cart';

const all = { minutes: 60, peers: 30 };

function totals(h: EntityTrafficHistory, ref: string, now: number) {
  return h
    .read(ref, now, all)
    .buckets.filter(b => b.forwarded + b.dropped > 0)
    .map(b => ({ start: b.start, f: b.forwarded, d: b.dropped }));
}

describe('MinuteCounters', () => {
  it('keeps an hour: a minute comes round again cleared, not added to', () => {
    const c = new MinuteCounters();
    const m = Math.floor(T0 / MINUTE);
    c.add(m, FORWARDED, 5);
    c.add(m, DROPPED, 2);
    expect(c.get(m, FORWARDED)).toBe(5);
    expect(c.get(m, DROPPED)).toBe(2);
    // 59 minutes later the first minute is still in the window.
    c.add(m + 59, FORWARDED);
    expect(c.get(m, FORWARDED)).toBe(5);
    // 60 minutes later its slot is reused: the old count is gone.
    c.add(m + 60, DROPPED);
    expect(c.get(m, FORWARDED)).toBe(0);
    expect(c.get(m + 60, FORWARDED)).toBe(0);
    expect(c.get(m + 60, DROPPED)).toBe(1);
    expect(c.get(m + 59, FORWARDED)).toBe(1);
  });

  it('clears every skipped minute after a quiet spell longer than the window', () => {
    const c = new MinuteCounters();
    const m = Math.floor(T0 / MINUTE);
    for (let i = 0; i < 60; i++) c.add(m + i, FORWARDED, 10);
    c.add(m + 200, DROPPED);
    for (let i = 141; i < 200; i++) expect(c.get(m + i, FORWARDED)).toBe(0);
    expect(c.get(m + 200, DROPPED)).toBe(1);
  });

  it('counts a late flow in its own minute and ignores one older than the window', () => {
    const c = new MinuteCounters();
    const m = Math.floor(T0 / MINUTE);
    c.add(m + 10, FORWARDED);
    c.add(m + 5, FORWARDED);
    c.add(m - 50, DROPPED); // 60 minutes before the newest: outside
    expect(c.get(m + 5, FORWARDED)).toBe(1);
    expect(c.get(m - 50, DROPPED)).toBe(0);
    expect(c.get(m - 49, DROPPED)).toBe(0);
  });
});

describe('EntityTrafficHistory', () => {
  it('counts forwarded and dropped flows per minute and per peer, oldest minute first', () => {
    const h = new EntityTrafficHistory();
    h.count(CHECKOUT, CART, 'entity', FORWARDED, T0 + 1000, T0 + 1000);
    h.count(CHECKOUT, CART, 'entity', FORWARDED, T0 + 2000, T0 + 2000);
    h.count(CHECKOUT, PAYMENTS, 'entity', DROPPED, T0 + 3000, T0 + 3000);
    h.count(
      CHECKOUT,
      PAYMENTS,
      'entity',
      DROPPED,
      T0 + MINUTE + 5,
      T0 + MINUTE + 5,
    );

    const now = T0 + 2 * MINUTE + 1;
    const r = h.read(CHECKOUT, now, all);
    expect(r.bucketSeconds).toBe(60);
    expect(r.buckets).toHaveLength(60);
    expect(r.buckets[59].start).toBe('2026-11-26T10:02:00.000Z');
    expect(r.buckets[57]).toEqual({
      start: '2026-11-26T10:00:00.000Z',
      forwarded: 2,
      dropped: 1,
      peers: [
        { peer: { type: 'entity', id: CART }, forwarded: 2, dropped: 0 },
        { peer: { type: 'entity', id: PAYMENTS }, forwarded: 0, dropped: 1 },
      ],
      otherPeers: { forwarded: 0, dropped: 0 },
    });
    expect(r.buckets[58]).toMatchObject({ forwarded: 0, dropped: 1 });
    expect(r.buckets[59]).toMatchObject({ forwarded: 0, dropped: 0 });
    expect(r.since).toBe('2026-11-26T10:00:01.000Z');
    expect(r.peersEvicted).toBe(0);
  });

  it('rolls over: after an hour a minute leaves the answer, and the buckets follow the clock', () => {
    const h = new EntityTrafficHistory();
    h.count(CHECKOUT, CART, 'entity', FORWARDED, T0, T0);
    expect(totals(h, CHECKOUT, T0 + 59 * MINUTE)).toEqual([
      { start: '2026-11-26T10:00:00.000Z', f: 1, d: 0 },
    ]);
    expect(totals(h, CHECKOUT, T0 + 60 * MINUTE)).toEqual([]);

    // A flow an hour later lands in the reused slot without the old count.
    h.count(
      CHECKOUT,
      CART,
      'entity',
      DROPPED,
      T0 + 60 * MINUTE,
      T0 + 60 * MINUTE,
    );
    expect(totals(h, CHECKOUT, T0 + 60 * MINUTE)).toEqual([
      { start: '2026-11-26T11:00:00.000Z', f: 0, d: 1 },
    ]);
  });

  it('counts a flow in its own minute; ignores one older than an hour and counts one from the future now', () => {
    const h = new EntityTrafficHistory();
    const now = T0 + 30 * MINUTE;
    h.count(CHECKOUT, CART, 'entity', FORWARDED, T0 + 10 * MINUTE, now);
    h.count(CHECKOUT, CART, 'entity', FORWARDED, now - 61 * MINUTE, now);
    h.count(CHECKOUT, CART, 'entity', DROPPED, now + 5 * MINUTE, now);
    h.count(CHECKOUT, CART, 'entity', DROPPED, 0, now); // no time: now
    expect(totals(h, CHECKOUT, now)).toEqual([
      { start: '2026-11-26T10:10:00.000Z', f: 1, d: 0 },
      { start: '2026-11-26T10:30:00.000Z', f: 0, d: 2 },
    ]);
  });

  it('keeps at most peersPerEntity peers: a newcomer replaces a peer idle for a minute, else counts in the totals only', () => {
    const h = new EntityTrafficHistory({ peersPerEntity: 2 });
    const at = (minutes: number) => T0 + minutes * MINUTE;
    h.count(CHECKOUT, 'reserved:world', 'reserved', DROPPED, at(0), at(0));
    h.count(CHECKOUT, CART, 'entity', FORWARDED, at(1), at(1));
    h.count(CHECKOUT, 'reserved:world', 'reserved', DROPPED, at(2), at(2));
    // Both tracked peers had flows within the last minute: payments is not
    // tracked yet, its flow counts in the totals.
    h.count(CHECKOUT, PAYMENTS, 'entity', DROPPED, at(2), at(2));
    // A minute later CART has been idle for a whole minute: payments takes its place.
    h.count(CHECKOUT, PAYMENTS, 'entity', DROPPED, at(3), at(3));

    const r = h.read(CHECKOUT, at(3), all);
    expect(r.peersEvicted).toBe(1);
    const [m0, m1, m2, m3] = r.buckets.slice(-4);
    expect(m0.peers).toEqual([
      {
        peer: { type: 'reserved', id: 'reserved:world' },
        forwarded: 0,
        dropped: 1,
      },
    ]);
    // CART's minute: the total is kept, its peer is gone (in otherPeers).
    expect(m1).toMatchObject({
      forwarded: 1,
      peers: [],
      otherPeers: { forwarded: 1, dropped: 0 },
    });
    expect(m2).toMatchObject({
      dropped: 2,
      peers: [{ peer: { id: 'reserved:world' }, dropped: 1 }],
      otherPeers: { forwarded: 0, dropped: 1 },
    });
    expect(m3.peers).toEqual([
      { peer: { type: 'entity', id: PAYMENTS }, forwarded: 0, dropped: 1 },
    ]);
  });

  it('keeps at most maxEntities entities, forgetting the one whose last flow is oldest', () => {
    const h = new EntityTrafficHistory({ maxEntities: 2 });
    h.count(CHECKOUT, CART, 'entity', FORWARDED, T0, T0);
    h.count(PAYMENTS, CART, 'entity', FORWARDED, T0, T0);
    // checkout is seen again a minute later, so payments is now the oldest.
    h.count(CHECKOUT, CART, 'entity', FORWARDED, T0 + MINUTE, T0 + MINUTE);
    h.count(CART, CHECKOUT, 'entity', DROPPED, T0 + MINUTE, T0 + MINUTE);

    expect(h.size).toBe(2);
    expect(h.entitiesEvicted).toBe(1);
    const now = T0 + MINUTE;
    expect(totals(h, PAYMENTS, now)).toEqual([]);
    expect(h.read(PAYMENTS, now, all).since).toBeUndefined();
    expect(totals(h, CHECKOUT, now)).toHaveLength(2);
    expect(totals(h, CART, now)).toEqual([
      { start: '2026-11-26T10:01:00.000Z', f: 0, d: 1 },
    ]);
  });

  it("reuses an evicted series' counters without its counts, so memory stays at the cap", () => {
    const h = new EntityTrafficHistory({ maxEntities: 2, peersPerEntity: 1 });
    for (let i = 0; i < 5; i++)
      h.count(CHECKOUT, CART, 'entity', FORWARDED, T0, T0);
    // Two minutes later PAYMENTS takes the place (and the storage) of CART.
    const later = T0 + 2 * MINUTE;
    h.count(CHECKOUT, PAYMENTS, 'entity', DROPPED, later, later);
    const buckets = h.read(CHECKOUT, later, all).buckets;
    expect(buckets[57]).toMatchObject({
      forwarded: 5,
      peers: [],
      otherPeers: { forwarded: 5, dropped: 0 },
    });
    expect(buckets[59]).toMatchObject({
      forwarded: 0,
      dropped: 1,
      peers: [
        { peer: { type: 'entity', id: PAYMENTS }, forwarded: 0, dropped: 1 },
      ],
    });
    for (let e = 0; e < 50; e++) {
      const t = T0 + e * MINUTE;
      h.count(`component:default/s${e}`, CART, 'entity', DROPPED, t, t);
      h.count(`component:default/s${e}`, PAYMENTS, 'entity', DROPPED, t, t);
    }
    // Two entities, each with its totals and one peer.
    expect(h.size).toBe(2);
    expect(h.series).toBe(4);
    const last = h.read('component:default/s49', T0 + 49 * MINUTE, all);
    expect(last.buckets[59]).toMatchObject({
      forwarded: 0,
      dropped: 2,
      peers: [{ peer: { id: CART }, dropped: 1 }],
      otherPeers: { dropped: 1 },
    });
  });

  it('lists the busiest peers up to the limit and sums the rest', () => {
    const h = new EntityTrafficHistory();
    const peers = ['a', 'b', 'c', 'd'].map(p => `component:default/${p}`);
    peers.forEach((p, i) => {
      for (let n = 0; n <= i; n++)
        h.count(CHECKOUT, p, 'entity', n % 2 ? DROPPED : FORWARDED, T0, T0);
    });
    const minute = h.read(CHECKOUT, T0, { minutes: 1, peers: 2 }).buckets;
    expect(minute).toHaveLength(1);
    expect(minute[0]).toMatchObject({
      forwarded: 6,
      dropped: 4,
      otherPeers: { forwarded: 2, dropped: 1 },
    });
    expect(
      minute[0].peers.map(p => [p.peer.id, p.forwarded, p.dropped]),
    ).toEqual([
      ['component:default/d', 2, 2],
      ['component:default/c', 2, 1],
    ]);
  });

  it('shows DNS names without their trailing dot and answers an unknown entity with empty minutes', () => {
    const h = new EntityTrafficHistory();
    h.count(CHECKOUT, 'api.stripe.com.', 'fqdn', FORWARDED, T0, T0);
    expect(h.read(CHECKOUT, T0, all).buckets[59].peers[0].peer).toEqual({
      type: 'fqdn',
      id: 'api.stripe.com',
    });
    const none = h.read('component:default/nobody', T0, {
      minutes: 5,
      peers: 3,
    });
    expect(none.buckets).toHaveLength(5);
    expect(none.buckets.every(b => b.forwarded + b.dropped === 0)).toBe(true);
    expect(none.since).toBeUndefined();
  });
});
