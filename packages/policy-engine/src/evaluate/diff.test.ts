import { InventoryBuilder } from '../parse/inventory';
import { WORLD_YAML } from '../__fixtures__/world';
import { diffEngines, diffGraphs } from './diff';
import { PolicyEngine } from './engine';

const BASE = `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: db, namespace: shop }
spec:
  endpointSelector: { matchLabels: { app: db } }
  ingress: [{ fromEndpoints: [{ matchLabels: { app: checkout } }], toPorts: [{ ports: [{ port: "5432" }] }] }]
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: fe, namespace: shop }
spec:
  endpointSelector: { matchLabels: { app: frontend } }
  ingress: [{ fromCIDR: [10.0.0.0/8] }]
`;

function engine(extra: string, base = BASE) {
  const b = new InventoryBuilder();
  b.addText(WORLD_YAML, 'w.yaml');
  b.addText(base + extra, 'p.yaml');
  return new PolicyEngine(b.build());
}

const key = (d: {
  type: string;
  src: string;
  dst: string;
  ref1: { toString(): string };
  ref2: { toString(): string };
}) => `${d.type} ${d.src} => ${d.dst} ${d.ref1} -> ${d.ref2}`;

describe('diff', () => {
  it('one-policy diff (incremental) equals the full-graph diff', () => {
    const a = engine('');
    const b = engine(
      '',
      BASE.replace('port: "5432"', 'port: "5433"').replace(
        '10.0.0.0/8',
        '10.0.0.0/9',
      ),
    );
    const fast = diffEngines(a, b).map(key).sort();
    const full = diffGraphs(a.graph(), b.graph()).map(key).sort();
    expect(fast).toEqual(full);
    expect(fast).toContain(
      'changed shop/checkout[Deployment] => shop/db[StatefulSet] SCTP 5432,TCP 5432,UDP 5432 -> SCTP 5433,TCP 5433,UDP 5433',
    );
    expect(
      fast.some(l =>
        l.startsWith(
          'removed 10.128.0.0-10.255.255.255[External] => shop/frontend[Deployment]',
        ),
      ),
    ).toBe(true);
  });

  it('no change, no entries', () => {
    expect(diffEngines(engine(''), engine(''))).toEqual([]);
  });
});
