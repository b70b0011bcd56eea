import { PolicyEngine } from '../evaluate/engine';
import { InventoryBuilder } from '../parse/inventory';
import { WORLD_YAML } from '../__fixtures__/world';
import { lint } from './lint';

function findings(policies: string) {
  const b = new InventoryBuilder();
  b.addText(WORLD_YAML, 'w.yaml');
  b.addText(policies, 'p.yaml');
  return lint(new PolicyEngine(b.build())).map(f => f.code);
}

const cnp = (spec: string) => `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: p, namespace: shop }
spec:
  endpointSelector: { matchLabels: { app: checkout } }
${spec}`;

describe('lint', () => {
  it('flags broad grants', () => {
    expect(findings(cnp('  egress: [{ toEntities: [world] }]'))).toContain(
      'broad-peer',
    );
    expect(findings(cnp('  egress: [{ toCIDR: [0.0.0.0/0] }]'))).toContain(
      'broad-peer',
    );
    expect(findings(cnp('  ingress: [{ fromEntities: [all] }]'))).toContain(
      'broad-peer',
    );
    expect(findings(cnp('  egress: [{ toEndpoints: [{}] }]'))).not.toContain(
      'broad-peer',
    );
  });
  it('flags empty sections, FQDN without DNS, unresolved named ports, deny-only, out-of-range ports', () => {
    expect(findings(cnp('  ingress: []\n  egress: [{}]'))).toContain(
      'empty-section',
    );
    expect(
      findings(cnp('  egress: [{ toFQDNs: [{ matchName: a.example.com }] }]')),
    ).toContain('fqdn-without-dns');
    expect(
      findings(
        cnp(
          '  egress:\n    - toEndpoints: [{}]\n      toPorts: [{ ports: [{ port: "53" }], rules: { dns: [{ matchPattern: "*.example.com" }] } }]\n    - toFQDNs: [{ matchName: a.example.com }]',
        ),
      ),
    ).not.toContain('fqdn-without-dns');
    expect(
      findings(cnp('  ingress: [{ toPorts: [{ ports: [{ port: grpc }] }] }]')),
    ).not.toContain('named-port-unresolved');
    expect(
      findings(cnp('  ingress: [{ toPorts: [{ ports: [{ port: nope }] }] }]')),
    ).toContain('named-port-unresolved');
    expect(
      findings(cnp('  ingressDeny: [{ fromEntities: [world] }]')),
    ).toContain('deny-only');
    expect(
      findings(
        cnp('  ingress: [{ toPorts: [{ ports: [{ port: "70000" }] }] }]'),
      ),
    ).toContain('port-out-of-range');
    expect(findings(cnp('  ingress: [{ fromEndpoints: [{}] }]'))).toEqual([]);
  });

  it('flags subjects and endpoint peers that select no workload, when the cluster is described', () => {
    const nothing = `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: p, namespace: shop }
spec:
  endpointSelector: { matchLabels: { app: chekout } }
  ingress: [{ fromEndpoints: [{ matchLabels: { app: frontend } }] }]`;
    expect(findings(nothing)).toEqual(['selects-nothing']);
    expect(
      findings(
        cnp('  egress: [{ toEndpoints: [{ matchLabels: { app: pay } }] }]'),
      ),
    ).toEqual(['peer-selects-nothing']);
    // a peer in another namespace is found there; entities are not workloads
    expect(
      findings(
        cnp(
          '  egress:\n    - toEndpoints: [{ matchLabels: { app: payments, k8s:io.kubernetes.pod.namespace: pay } }]\n    - toEndpoints: [{ matchLabels: { reserved:host: "" } }]',
        ),
      ),
    ).toEqual([]);
    // without workloads in the inventory nothing can be said
    const b = new InventoryBuilder();
    b.addText(nothing, 'p.yaml');
    expect(lint(new PolicyEngine(b.build())).map(f => f.code)).toEqual([]);
  });
});
