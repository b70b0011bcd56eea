import { EdgeTable, EdgeObservation } from './EdgeTable';

const obs = (o: Partial<EdgeObservation>): EdgeObservation => ({
  direction: 'egress',
  peer: { type: 'entity', id: 'component:default/payments' },
  protocol: 'TCP',
  port: 8443,
  verdict: 'FORWARDED',
  timeMs: 1_000,
  policies: [],
  dropReason: '',
  l7Summary: '',
  ...o,
});

describe('EdgeTable', () => {
  it('folds flows into one row per direction, peer, protocol and port', () => {
    const t = new EdgeTable();
    t.add(
      obs({ verdict: 'DROPPED', dropReason: 'POLICY_DENIED', timeMs: 1000 }),
    );
    t.add(
      obs({
        verdict: 'FORWARDED',
        policies: ['CiliumNetworkPolicy/shop/a'],
        timeMs: 3000,
      }),
    );
    t.add(obs({ port: 9090 }));
    t.add(obs({ direction: 'ingress' }));
    const rows = t.snapshot();
    expect(rows).toHaveLength(3);
    const main = rows.find(r => r.direction === 'egress' && r.port === 8443)!;
    expect(main.verdicts).toEqual({ DROPPED: 1, FORWARDED: 1 });
    expect(main.dropReasons).toEqual(['POLICY_DENIED']);
    expect(main.policies).toEqual(['CiliumNetworkPolicy/shop/a']);
    expect(main.firstSeen).toBe(new Date(1000).toISOString());
    expect(main.lastSeen).toBe(new Date(3000).toISOString());
  });

  it('stays bounded, forgetting the least recently seen rows', () => {
    const t = new EdgeTable(3);
    for (let i = 0; i < 5; i++)
      t.add(obs({ port: 1000 + i, timeMs: 1000 + i }));
    expect(t.size).toBe(3);
    expect(t.snapshot().map(r => r.port)).toEqual([1004, 1003, 1002]);
  });
});
