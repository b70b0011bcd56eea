import { ConnSet } from '../model/connset';
import { InventoryBuilder } from '../parse/inventory';
import { WORLD_YAML } from '../__fixtures__/world';
import { EngineOptions, PolicyEngine } from './engine';

function engine(policies: string, opts: EngineOptions = {}): PolicyEngine {
  const b = new InventoryBuilder();
  b.addText(WORLD_YAML, 'world.yaml');
  b.addText(policies, 'policies.yaml');
  const inv = b.build();
  const refused = inv.diagnostics.filter(d => d.severity === 'error');
  if (refused.length)
    throw new Error(
      `unexpected diagnostics: ${refused.map(d => d.message).join('; ')}`,
    );
  return new PolicyEngine(inv, opts);
}

function refusedMessages(policies: string): string[] {
  const b = new InventoryBuilder();
  b.addText(policies, 'p.yaml');
  return b
    .build()
    .diagnostics.filter(d => d.code === 'invalid-policy')
    .map(d => d.message);
}

const FE = 'shop/frontend[Deployment]';
const CO = 'shop/checkout[Deployment]';
const DB = 'shop/db[StatefulSet]';
const PAY = 'pay/payments[Deployment]';
const AGENT = 'dev/agent[DaemonSet]';

const cnp = (ns: string, name: string, spec: string) => `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: ${name}, namespace: ${ns} }
spec:
${spec
  .split('\n')
  .map(l => `  ${l}`)
  .join('\n')}
---`;

const ccnp = (name: string, spec: string) => `
apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata: { name: ${name} }
spec:
${spec
  .split('\n')
  .map(l => `  ${l}`)
  .join('\n')}
---`;

describe('tricky cases table (semantics reference §12)', () => {
  it('CNP fromEndpoints [{}] = all pods of the policy namespace only', () => {
    const e = engine(
      cnp(
        'shop',
        'p',
        'endpointSelector: { matchLabels: { app: db } }\ningress: [{ fromEndpoints: [{}] }]',
      ),
    );
    expect(e.evaluate(CO, DB, 5432).allowed).toBe(true);
    expect(e.evaluate(FE, DB, 5432).allowed).toBe(true);
    expect(e.evaluate(PAY, DB, 5432).allowed).toBe(false);
    expect(e.evaluate({ ip: '8.8.8.8' }, DB, 5432).allowed).toBe(false);
    expect(e.evaluate({ entity: 'host' }, DB, 5432).allowed).toBe(true); // allow-localhost
    expect(e.evaluate({ entity: 'remote-node' }, DB, 5432).allowed).toBe(false);
  });

  it('CCNP fromEndpoints [{}] = all pods in all namespaces, not world/host', () => {
    const e = engine(
      ccnp(
        'p',
        'endpointSelector: { matchLabels: { app: db } }\ningress: [{ fromEndpoints: [{}] }]',
      ),
      { allowLocalhost: false },
    );
    expect(e.evaluate(PAY, DB, 5432).allowed).toBe(true);
    expect(e.evaluate(AGENT, DB, 5432).allowed).toBe(true);
    expect(e.evaluate({ ip: '8.8.8.8' }, DB, 5432).allowed).toBe(false);
    expect(e.evaluate({ entity: 'host' }, DB, 5432).allowed).toBe(false);
  });

  it('fromEntities [all] allows everything', () => {
    const e = engine(
      cnp(
        'shop',
        'p',
        'endpointSelector: { matchLabels: { app: db } }\ningress: [{ fromEntities: [all] }]',
      ),
    );
    for (const src of [
      PAY,
      { ip: '1.2.3.4' },
      { entity: 'remote-node' as const },
    ])
      expect(e.evaluate(src, DB, 1).allowed).toBe(true);
    expect(e.evaluate(PAY, DB, 0, 'ICMP').allowed).toBe(true);
  });

  it('ingress [{}] / egress [{}] = default deny that allows nothing', () => {
    const e = engine(
      cnp(
        'shop',
        'p',
        'endpointSelector: { matchLabels: { app: db } }\ningress: [{}]\negress: [{}]',
      ),
    );
    expect(e.evaluate(CO, DB, 5432).allowed).toBe(false);
    expect(e.evaluate(DB, CO, 5050).allowed).toBe(false);
    expect(e.evaluate(DB, { ip: '1.1.1.1' }, 443).allowed).toBe(false);
    expect(e.coverage().find(c => c.workload.id === DB)!.ingress.isolated).toBe(
      true,
    );
  });

  it('toPorts without peers = anyone (incl. world) on TCP/UDP/SCTP 80, not ICMP', () => {
    const e = engine(
      cnp(
        'shop',
        'p',
        'endpointSelector: { matchLabels: { app: db } }\ningress: [{ toPorts: [{ ports: [{ port: "80" }] }] }]',
      ),
    );
    expect(e.evaluate({ ip: '8.8.8.8' }, DB, 80).allowed).toBe(true);
    expect(e.evaluate(PAY, DB, 80, 'UDP').allowed).toBe(true);
    expect(e.evaluate(PAY, DB, 80, 'SCTP').allowed).toBe(true);
    expect(e.evaluate(PAY, DB, 81).allowed).toBe(false);
    expect(e.evaluate(PAY, DB, 8, 'ICMP').allowed).toBe(false);
  });

  it('toEndpoints app=db in ns a = only pods labelled app=db in namespace a', () => {
    const e = engine(
      cnp(
        'pay',
        'p',
        'endpointSelector: { matchLabels: { app: payments } }\negress: [{ toEndpoints: [{ matchLabels: { app: db } }] }]',
      ),
    );
    expect(e.evaluate(PAY, DB, 5432).allowed).toBe(false);
  });

  it('toEndpoints with k8s:io.kubernetes.pod.namespace reaches another namespace', () => {
    const e = engine(
      cnp(
        'pay',
        'p',
        'endpointSelector: { matchLabels: { app: payments } }\negress: [{ toEndpoints: [{ matchLabels: { "k8s:io.kubernetes.pod.namespace": shop, app: db } }] }]',
      ),
    );
    expect(e.evaluate(PAY, DB, 5432).allowed).toBe(true);
    expect(e.evaluate(PAY, CO, 5050).allowed).toBe(false);
  });

  it('matchExpressions namespace Exists = app=db in any namespace', () => {
    const e = engine(
      cnp(
        'pay',
        'p',
        'endpointSelector: {}\negress: [{ toEndpoints: [{ matchLabels: { app: db }, matchExpressions: [{ key: "k8s:io.kubernetes.pod.namespace", operator: Exists }] }] }]',
      ),
    );
    expect(e.evaluate(PAY, DB, 5432).allowed).toBe(true);
    expect(e.evaluate(PAY, AGENT, 1).allowed).toBe(false);
  });

  it('egressDeny world beats any allow to world', () => {
    const e = engine(
      cnp(
        'shop',
        'p',
        'endpointSelector: { matchLabels: { app: checkout } }\negress: [{ toEntities: [world] }, { toCIDR: [0.0.0.0/0] }]\negressDeny: [{ toEntities: [world] }]',
      ),
    );
    const v = e.evaluate(CO, { ip: '1.2.3.4' }, 443);
    expect(v.allowed).toBe(false);
    expect(v.reason).toBe('denied');
    expect(v.decidedBy.map(r => r.name)).toEqual(['p']);
    const edge = e.connection(CO, { ip: '1.2.3.4' })!;
    expect(edge.conn.isEmpty()).toBe(true);
    expect(edge.denied.isAll()).toBe(true);
    expect(edge.egress!.deniedBy[0].rule.section).toBe('egressDeny');
  });

  it('toFQDNs without a DNS-proxy rule learns nothing: traffic dropped', () => {
    const e = engine(
      cnp(
        'shop',
        'p',
        'endpointSelector: { matchLabels: { app: checkout } }\negress: [{ toFQDNs: [{ matchName: api.stripe.com }], toPorts: [{ ports: [{ port: "443" }] }] }]',
      ),
    );
    expect(e.evaluate(CO, { fqdn: 'api.stripe.com' }, 443).allowed).toBe(false);
    const edge = e.connection(CO, { fqdn: 'api.stripe.com' });
    expect(edge).toBeUndefined();
    const view = e.workloadView(CO)!;
    expect(
      view.egress.edges.some(x => x.dst.id === 'api.stripe.com[FQDN]'),
    ).toBe(false);
  });

  it('KNP ingress [{}] allows everyone (opposite of CNP)', () => {
    const e = engine(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: k, namespace: shop }
spec:
  podSelector: { matchLabels: { app: db } }
  ingress: [{}]
`);
    expect(e.evaluate({ ip: '8.8.8.8' }, DB, 5432).allowed).toBe(true);
    expect(e.evaluate(PAY, DB, 1, 'UDP').allowed).toBe(true);
  });

  it('KNP policyTypes [Egress] without egress rules: egress default deny, ingress unaffected', () => {
    const e = engine(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: k, namespace: shop }
spec:
  podSelector: { matchLabels: { app: db } }
  policyTypes: [Egress]
`);
    expect(e.evaluate(DB, PAY, 8443).allowed).toBe(false);
    expect(e.evaluate(PAY, DB, 5432).allowed).toBe(true);
  });

  it('KNP without policyTypes and rules: ingress default deny', () => {
    const e = engine(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: k, namespace: shop }
spec:
  podSelector: { matchLabels: { app: db } }
`);
    expect(e.evaluate(PAY, DB, 5432).allowed).toBe(false);
    expect(e.evaluate(DB, PAY, 8443).allowed).toBe(true);
  });
});

describe('entities', () => {
  it('world = outside the cluster, not pods', () => {
    const e = engine(
      cnp(
        'shop',
        'p',
        'endpointSelector: { matchLabels: { app: frontend } }\ningress: [{ fromEntities: [world] }]',
      ),
    );
    expect(e.evaluate({ ip: '203.0.113.9' }, FE, 8080).allowed).toBe(true);
    expect(e.evaluate({ ip: '2001:db8::1' }, FE, 8080).allowed).toBe(true);
    expect(e.evaluate(CO, FE, 8080).allowed).toBe(false);
  });

  it('cluster = every pod of the cluster plus node entities, not world', () => {
    const e = engine(
      cnp(
        'shop',
        'p',
        'endpointSelector: { matchLabels: { app: db } }\ningress: [{ fromEntities: [cluster] }]',
      ),
    );
    expect(e.evaluate(AGENT, DB, 5432).allowed).toBe(true);
    expect(e.evaluate({ entity: 'remote-node' }, DB, 5432).allowed).toBe(true);
    expect(e.evaluate({ entity: 'kube-apiserver' }, DB, 5432).allowed).toBe(
      true,
    );
    expect(e.evaluate({ ip: '8.8.8.8' }, DB, 5432).allowed).toBe(false);
    const peers = e.peers().map(p => p.id);
    expect(peers).toContain('remote-node[Entity]');
  });

  it('kube-apiserver and host are distinct peers; allow-localhost lets the host in', () => {
    const e = engine(
      cnp(
        'shop',
        'p',
        'endpointSelector: { matchLabels: { app: checkout } }\negress: [{ toEntities: [kube-apiserver] }]\ningress: [{}]',
      ),
    );
    expect(e.evaluate(CO, { entity: 'kube-apiserver' }, 443).allowed).toBe(
      true,
    );
    expect(e.evaluate(CO, { entity: 'host' }, 10250).allowed).toBe(false);
    expect(e.evaluate({ entity: 'host' }, CO, 5050).allowed).toBe(true);
    expect(e.evaluate({ entity: 'host' }, CO, 5050).ingress.defaultAllow).toBe(
      'allow-localhost',
    );
    const strict = engine(
      cnp(
        'shop',
        'p',
        'endpointSelector: { matchLabels: { app: checkout } }\ningress: [{}]',
      ),
      { allowLocalhost: false },
    );
    expect(strict.evaluate({ entity: 'host' }, CO, 5050).allowed).toBe(false);
  });

  it('reserved: label selectors match entities, not pods', () => {
    const e = engine(
      cnp(
        'shop',
        'p',
        'endpointSelector: { matchLabels: { app: db } }\ningress: [{ fromEndpoints: [{ matchLabels: { "reserved:remote-node": "" } }] }]',
      ),
    );
    expect(e.evaluate({ entity: 'remote-node' }, DB, 5432).allowed).toBe(true);
    expect(e.evaluate(CO, DB, 5432).allowed).toBe(false);
  });
});

describe('deny precedence', () => {
  it('ingressDeny from a CNP wins over a KNP allow', () => {
    const e = engine(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: allow-all, namespace: shop }
spec:
  podSelector: { matchLabels: { app: db } }
  ingress: [{ from: [{ namespaceSelector: {} }] }]
---
${cnp(
  'shop',
  'deny-pay',
  'endpointSelector: { matchLabels: { app: db } }\ningressDeny: [{ fromEndpoints: [{ matchLabels: { "k8s:io.kubernetes.pod.namespace": pay } }], toPorts: [{ ports: [{ port: "5432", protocol: TCP }] }] }]',
)}`);
    expect(e.evaluate(CO, DB, 5432).allowed).toBe(true);
    const v = e.evaluate(PAY, DB, 5432);
    expect(v.allowed).toBe(false);
    expect(v.reason).toBe('denied');
    expect(v.ingress.allowedBy.map(r => r.name)).toEqual(['allow-all']);
    expect(v.ingress.deniedBy.map(r => r.name)).toEqual(['deny-pay']);
    expect(e.evaluate(PAY, DB, 5433).allowed).toBe(true);
    const edge = e.connection(PAY, DB)!;
    expect(edge.denied.equals(ConnSet.of('TCP', 5432))).toBe(true);
    expect(edge.conn.has('TCP', 5432)).toBe(false);
  });

  it('a deny-only policy also isolates the direction', () => {
    const e = engine(
      cnp(
        'shop',
        'p',
        'endpointSelector: { matchLabels: { app: db } }\ningressDeny: [{ fromEntities: [world] }]',
      ),
    );
    expect(e.evaluate(CO, DB, 5432).allowed).toBe(false);
    expect(e.evaluate(CO, DB, 5432).reason).toBe('default-deny');
  });
});

describe('enableDefaultDeny', () => {
  it('false: adds allows (and L7) without isolating', () => {
    const e = engine(
      cnp(
        'shop',
        'p',
        'endpointSelector: { matchLabels: { app: db } }\nenableDefaultDeny: { ingress: false }\ningress: [{ fromEndpoints: [{ matchLabels: { app: checkout } }], toPorts: [{ ports: [{ port: "5432" }], rules: { http: [{}] } }] }]',
      ),
    );
    expect(e.evaluate(FE, DB, 5432).allowed).toBe(true);
    expect(e.evaluate(PAY, DB, 1234).allowed).toBe(true);
    const v = e.evaluate(CO, DB, 5432);
    expect(v.ingress.allowedBy.map(r => r.name)).toEqual(['p']);
    expect(v.ingress.l7.length).toBe(1);
    expect(e.coverage().find(c => c.workload.id === DB)!.ingress.isolated).toBe(
      false,
    );
  });

  it('any other selecting rule that asks for default deny wins', () => {
    const e = engine(
      `${cnp(
        'shop',
        'p',
        'endpointSelector: { matchLabels: { app: db } }\nenableDefaultDeny: { ingress: false }\ningress: [{ fromEndpoints: [{ matchLabels: { app: checkout } }] }]',
      )}
${cnp(
  'shop',
  'q',
  'endpointSelector: {}\ningress: [{ fromEndpoints: [{ matchLabels: { app: frontend } }] }]',
)}`,
    );
    expect(e.evaluate(CO, DB, 5432).allowed).toBe(true);
    expect(e.evaluate(PAY, DB, 5432).allowed).toBe(false);
  });
});

describe('FQDN egress', () => {
  const dns =
    'toEndpoints: [{ matchLabels: { "k8s:io.kubernetes.pod.namespace": kube-system, k8s-app: kube-dns } }]';
  it('works with a DNS rule that covers the name, recorded per edge', () => {
    const e = engine(
      cnp(
        'shop',
        'p',
        `endpointSelector: { matchLabels: { app: checkout } }\negress:\n  - ${dns}\n    toPorts: [{ ports: [{ port: "53", protocol: ANY }], rules: { dns: [{ matchPattern: "*.stripe.com" }] } }]\n  - toFQDNs: [{ matchName: api.stripe.com }, { matchPattern: "*.paypal.com" }]\n    toPorts: [{ ports: [{ port: "443" }] }]`,
      ),
    );
    expect(e.evaluate(CO, { fqdn: 'api.stripe.com' }, 443).allowed).toBe(true);
    expect(e.evaluate(CO, { fqdn: 'api.stripe.com' }, 80).allowed).toBe(false);
    // *.paypal.com is granted but the DNS rule only covers *.stripe.com
    expect(e.evaluate(CO, { fqdn: 'www.paypal.com' }, 443).allowed).toBe(false);
    const g = e.workloadView(CO)!;
    const fq = g.egress.edges
      .filter(x => x.dst.type === 'fqdn')
      .map(x => `${x.dst.id} ${x.conn}`);
    expect(fq).toEqual(['api.stripe.com[FQDN] SCTP 443,TCP 443,UDP 443']); // no protocol = ANY
    const ineff = e.connection(CO, { fqdn: 'www.paypal.com' });
    expect(ineff).toBeUndefined();
  });

  it('matchPattern * matches one label only', () => {
    const e = engine(
      cnp(
        'shop',
        'p',
        `endpointSelector: { matchLabels: { app: checkout } }\negress:\n  - toEndpoints: [{}]\n    toPorts: [{ ports: [{ port: "53", protocol: UDP }], rules: { dns: [{ matchPattern: "*" }] } }]\n  - toFQDNs: [{ matchPattern: "*.cilium.io" }]`,
      ),
    );
    expect(e.evaluate(CO, { fqdn: 'docs.cilium.io' }, 443).allowed).toBe(true);
    expect(e.evaluate(CO, { fqdn: 'cilium.io' }, 443).allowed).toBe(false);
    expect(e.evaluate(CO, { fqdn: 'a.b.cilium.io' }, 443).allowed).toBe(false);
  });
});

describe('CIDR and CIDRSet', () => {
  it('except carves holes (IPv4 and IPv6) and splits the external peers', () => {
    const e = engine(
      cnp(
        'shop',
        'p',
        'endpointSelector: { matchLabels: { app: checkout } }\negress: [{ toCIDRSet: [{ cidr: 10.0.0.0/8, except: [10.1.0.0/16] }, { cidr: "2001:db8::/32", except: ["2001:db8:1::/48"] }] }]',
      ),
    );
    expect(e.evaluate(CO, { ip: '10.2.3.4' }, 22).allowed).toBe(true);
    expect(e.evaluate(CO, { ip: '10.1.3.4' }, 22).allowed).toBe(false);
    expect(e.evaluate(CO, { ip: '11.0.0.1' }, 22).allowed).toBe(false);
    expect(e.evaluate(CO, { ip: '2001:db8:2::1' }, 22).allowed).toBe(true);
    expect(e.evaluate(CO, { ip: '2001:db8:1::1' }, 22).allowed).toBe(false);
    const ext = e
      .workloadView(CO)!
      .egress.edges.filter(x => x.dst.type === 'external')
      .map(x => x.dst.id)
      .sort();
    expect(ext).toEqual(
      [
        '10.0.0.0-10.0.255.255[External]',
        '10.2.0.0-10.255.255.255[External]',
        '2001:db8::-2001:db8:0:ffff:ffff:ffff:ffff:ffff[External]',
        '2001:db8:2::-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff[External]',
      ].sort(),
    );
  });

  it('CIDR rules never match pods', () => {
    const e = engine(
      cnp(
        'shop',
        'p',
        'endpointSelector: { matchLabels: { app: db } }\ningress: [{ fromCIDR: [0.0.0.0/0] }]',
      ),
    );
    expect(e.evaluate(CO, DB, 5432).allowed).toBe(false);
    expect(e.evaluate({ ip: '10.0.0.1' }, DB, 5432).allowed).toBe(true);
  });

  it('an except outside its cidr refuses the policy', () => {
    expect(
      refusedMessages(
        cnp(
          'shop',
          'p',
          'endpointSelector: {}\negress: [{ toCIDRSet: [{ cidr: 10.0.0.0/8, except: [11.0.0.0/8] }] }]',
        ),
      )[0],
    ).toMatch(/not contained/);
  });
});

describe('toServices, ports, named ports, endPort, L7', () => {
  it('toServices uses the service selector in its namespace, backend ports apply', () => {
    const e = engine(
      cnp(
        'shop',
        'p',
        'endpointSelector: { matchLabels: { app: checkout } }\negress: [{ toServices: [{ k8sService: { serviceName: payments, namespace: pay } }], toPorts: [{ ports: [{ port: "8443" }] }] }]',
      ),
    );
    expect(e.evaluate(CO, PAY, 8443).allowed).toBe(true);
    expect(e.evaluate(CO, PAY, 443).allowed).toBe(false);
    expect(e.evaluate(CO, DB, 8443).allowed).toBe(false);
    const sel = engine(
      cnp(
        'shop',
        'p',
        'endpointSelector: { matchLabels: { app: checkout } }\negress: [{ toServices: [{ k8sServiceSelector: { selector: { matchLabels: { expose: "true" } }, namespace: pay } }] }]',
      ),
    );
    expect(sel.evaluate(CO, PAY, 1).allowed).toBe(true);
  });

  it('named ports resolve against the destination container ports and protocol', () => {
    const e = engine(
      cnp(
        'shop',
        'p',
        'endpointSelector: {}\ningress: [{ fromEndpoints: [{}], toPorts: [{ ports: [{ port: GRPC }, { port: pg, protocol: UDP }] }] }]',
      ),
    );
    expect(e.evaluate(FE, CO, 5050).allowed).toBe(true);
    expect(e.evaluate(FE, CO, 9090).allowed).toBe(false);
    expect(e.evaluate(FE, DB, 5432).allowed).toBe(false); // pg is TCP, rule asks UDP
    expect(e.connection(FE, CO)!.conn.toString()).toBe('TCP 5050');
  });

  it('endPort gives a range; ports out of range refuse the policy', () => {
    const e = engine(
      cnp(
        'shop',
        'p',
        'endpointSelector: { matchLabels: { app: db } }\ningress: [{ toPorts: [{ ports: [{ port: "5000", endPort: 5010, protocol: TCP }] }] }]',
      ),
    );
    expect(e.evaluate(CO, DB, 5010).allowed).toBe(true);
    expect(e.evaluate(CO, DB, 5011).allowed).toBe(false);
    expect(e.connection(CO, DB)!.conn.toString()).toBe('TCP 5000-5010');
    expect(
      refusedMessages(
        cnp(
          'shop',
          'p',
          'endpointSelector: {}\ningress: [{ toPorts: [{ ports: [{ port: "65536" }] }] }]',
        ),
      )[0],
    ).toMatch(/out of range/);
  });

  it('ICMP via icmps', () => {
    const e = engine(
      cnp(
        'shop',
        'p',
        'endpointSelector: { matchLabels: { app: db } }\ningress: [{ fromEndpoints: [{}], icmps: [{ fields: [{ type: EchoRequest }] }] }]',
      ),
    );
    expect(e.evaluate(CO, DB, 8, 'ICMP').allowed).toBe(true);
    expect(e.evaluate(CO, DB, 0, 'ICMP').allowed).toBe(false);
    expect(e.evaluate(CO, DB, 5432).allowed).toBe(false);
  });

  it('L7 HTTP rules are kept on the edge', () => {
    const e = engine(
      cnp(
        'shop',
        'p',
        'endpointSelector: { matchLabels: { app: checkout } }\ningress: [{ fromEndpoints: [{ matchLabels: { app: frontend } }], toPorts: [{ ports: [{ port: "5050", protocol: TCP }], rules: { http: [{ method: GET, path: "/api/.*" }] } }] }]',
      ),
    );
    const edge = e.connection(FE, CO)!;
    const g = edge.ingress!.allowedBy[0];
    expect(g.l7![0].rules.type).toBe('http');
    expect(g.l7![0].rules.rules).toEqual([{ method: 'GET', path: '/api/.*' }]);
    expect(e.evaluate(FE, CO, 5050).ingress.l7[0].rules).toMatchObject({
      type: 'http',
    });
  });
});

describe('selection', () => {
  it('CCNP selects across namespaces; CNP subject is confined to its namespace', () => {
    const c = engine(
      ccnp(
        'all-api',
        'endpointSelector: { matchLabels: { tier: api } }\ningress: [{}]',
      ),
    );
    expect(c.evaluate(FE, CO, 5050).allowed).toBe(false);
    expect(c.evaluate(FE, PAY, 8443).allowed).toBe(false);
    expect(c.evaluate(CO, FE, 8080).allowed).toBe(true);
    const n = engine(
      cnp(
        'shop',
        'p',
        'endpointSelector: { matchLabels: { tier: api, "k8s:io.kubernetes.pod.namespace": pay } }\ningress: [{}]',
      ),
    );
    expect(n.evaluate(FE, PAY, 8443).allowed).toBe(true); // user namespace overridden by policy namespace
    expect(n.evaluate(FE, CO, 5050).allowed).toBe(false);
  });

  it('namespace-label keys are not scoped to the policy namespace', () => {
    const e = engine(
      cnp(
        'shop',
        'p',
        'endpointSelector: { matchLabels: { app: db } }\ningress: [{ fromEndpoints: [{ matchLabels: { "io.cilium.k8s.namespace.labels.env": prod } }] }]',
      ),
    );
    expect(e.evaluate(PAY, DB, 5432).allowed).toBe(true);
    expect(e.evaluate(AGENT, DB, 5432).allowed).toBe(false);
  });

  it('matchExpressions NotIn / DoesNotExist and label sources', () => {
    const e = engine(
      cnp(
        'shop',
        'p',
        'endpointSelector: { matchLabels: { "k8s:app": db } }\ningress: [{ fromEndpoints: [{ matchExpressions: [{ key: tier, operator: NotIn, values: [web] }, { key: "any:zone", operator: DoesNotExist }] }] }]',
      ),
    );
    expect(e.evaluate(CO, DB, 5432).allowed).toBe(true);
    expect(e.evaluate(FE, DB, 5432).allowed).toBe(false);
  });

  it('an explicit empty peer list selects nothing; ingress: [] does not isolate', () => {
    const e = engine(
      cnp(
        'shop',
        'p',
        'endpointSelector: { matchLabels: { app: db } }\ningress: [{ fromEndpoints: [], toPorts: [{ ports: [{ port: "5432" }] }] }]',
      ),
    );
    expect(e.evaluate(CO, DB, 5432).allowed).toBe(false);
    const f = engine(
      cnp(
        'shop',
        'p',
        'endpointSelector: { matchLabels: { app: db } }\ningress: []\negress: [{}]',
      ),
    );
    expect(f.evaluate(CO, DB, 5432).allowed).toBe(true);
    expect(f.evaluate(DB, CO, 5050).allowed).toBe(false);
  });

  it('service account label selects', () => {
    const e = engine(
      cnp(
        'shop',
        'p',
        'endpointSelector: { matchLabels: { app: db } }\ningress: [{ fromEndpoints: [{ matchLabels: { "io.cilium.k8s.policy.serviceaccount": checkout-sa } }] }]',
      ),
    );
    expect(e.evaluate(CO, DB, 5432).allowed).toBe(true);
    expect(e.evaluate(FE, DB, 5432).allowed).toBe(false);
  });
});

describe('sanitiser and host policies', () => {
  it('refuses mixed L3 peers, CNP nodeSelector, unknown entities, DNS on ingress', () => {
    expect(
      refusedMessages(
        cnp(
          'shop',
          'p',
          'endpointSelector: {}\ningress: [{ fromEndpoints: [{}], fromCIDR: [1.2.3.4/32] }]',
        ),
      )[0],
    ).toMatch(/combining/);
    expect(
      refusedMessages(cnp('shop', 'p', 'nodeSelector: {}\ningress: [{}]'))[0],
    ).toMatch(/NodeSelector/);
    expect(
      refusedMessages(
        cnp(
          'shop',
          'p',
          'endpointSelector: {}\ningress: [{ fromEntities: [moon] }]',
        ),
      )[0],
    ).toMatch(/unknown entity/);
    expect(
      refusedMessages(
        cnp(
          'shop',
          'p',
          'endpointSelector: {}\ningress: [{ toPorts: [{ ports: [{ port: "53" }], rules: { dns: [{ matchName: a.b }] } }] }]',
        ),
      )[0],
    ).toMatch(/DNS rules are not allowed on ingress/);
    expect(
      refusedMessages(cnp('shop', 'p', 'endpointSelector: {}'))[0],
    ).toMatch(/at least one of/);
  });

  it('host policies are parsed and reported, not applied to pods', () => {
    const e = engine(
      ccnp('host', 'nodeSelector: {}\ningress: [{ fromEntities: [cluster] }]'),
    );
    expect(e.hostRules.length).toBe(1);
    expect(e.evaluate(PAY, DB, 5432).allowed).toBe(true);
  });
});
