/* Benchmark of packages/policy-engine on a generated world:
 * 2,000 workloads in 50 namespaces and 3,000 policies (CNP, CCNP, KNP).
 * Figures: full graph, one workload's view, one-policy diff, single-flow verdicts, memory.
 */
'use strict';
const path = require('path');
const pkg = path.resolve(__dirname, '../packages/policy-engine');
require(require.resolve('sucrase/register/ts', { paths: [pkg] }));
const { InventoryBuilder, PolicyEngine, diffEngines } = require(path.join(
  pkg,
  'src/index.ts',
));

const NS = 50;
const PER_NS = 40;
const WORKLOADS = NS * PER_NS;
const POLICIES = 3000;

// Deterministic PRNG
let seed = 42;
const rnd = () =>
  (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const pick = n => Math.floor(rnd() * n);

function world(variant) {
  const objs = [];
  for (let n = 0; n < NS; n++) {
    objs.push({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: `ns${n}`,
        labels: { team: `t${n % 10}`, env: n % 3 ? 'prod' : 'dev' },
      },
    });
    for (let w = 0; w < PER_NS; w++) {
      objs.push({
        apiVersion: 'apps/v1',
        kind: w % 10 === 9 ? 'StatefulSet' : 'Deployment',
        metadata: { name: `app${w}`, namespace: `ns${n}` },
        spec: {
          template: {
            metadata: {
              labels: {
                app: `app${w}`,
                tier: ['web', 'api', 'db', 'worker'][w % 4],
                part: `p${w % 5}`,
              },
            },
            spec: {
              containers: [
                {
                  ports: [
                    { name: 'http', containerPort: 8080 },
                    { name: 'metrics', containerPort: 9090 },
                  ],
                },
              ],
            },
          },
        },
      });
    }
  }
  objs.push({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'coredns', namespace: 'kube-system' },
    spec: { template: { metadata: { labels: { 'k8s-app': 'kube-dns' } } } },
  });
  let count = 0;
  const add = p => {
    if (count < POLICIES) {
      objs.push(p);
      count++;
    }
  };
  seed = 42;
  for (let n = 0; n < NS; n++) {
    add({
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumNetworkPolicy',
      metadata: { name: 'default-deny', namespace: `ns${n}` },
      spec: {
        endpointSelector: {},
        ingress: [{}],
        egress: [
          {
            toEndpoints: [
              {
                matchLabels: {
                  'k8s:io.kubernetes.pod.namespace': 'kube-system',
                  'k8s-app': 'kube-dns',
                },
              },
            ],
            toPorts: [
              {
                ports: [{ port: '53', protocol: 'ANY' }],
                rules: { dns: [{ matchPattern: '*' }] },
              },
            ],
          },
        ],
      },
    });
  }
  // one ingress CNP per workload: from 2 peers of the namespace and one cross-namespace peer
  for (let n = 0; n < NS; n++) {
    for (let w = 0; w < PER_NS; w++) {
      const other = pick(NS);
      add({
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumNetworkPolicy',
        metadata: { name: `app${w}-ingress`, namespace: `ns${n}` },
        spec: {
          endpointSelector: { matchLabels: { app: `app${w}` } },
          ingress: [
            {
              fromEndpoints: [
                { matchLabels: { app: `app${pick(PER_NS)}` } },
                { matchLabels: { app: `app${pick(PER_NS)}` } },
              ],
              toPorts: [
                {
                  ports: [{ port: 'http', protocol: 'TCP' }],
                  rules:
                    w % 7 === 0
                      ? { http: [{ method: 'GET', path: '/api/.*' }] }
                      : undefined,
                },
              ],
            },
            {
              fromEndpoints: [
                {
                  matchLabels: {
                    'k8s:io.kubernetes.pod.namespace': `ns${other}`,
                    tier: 'api',
                  },
                },
              ],
              toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }],
            },
          ],
        },
      });
    }
  }
  // egress grants, CIDR, FQDN, KNP, CCNP and deny policies up to 3,000
  let i = 0;
  while (count < POLICIES) {
    const n = i % NS;
    const w = pick(PER_NS);
    const kind = i % 6;
    if (kind === 0) {
      add({
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumNetworkPolicy',
        metadata: { name: `egress-${i}`, namespace: `ns${n}` },
        spec: {
          endpointSelector: { matchLabels: { app: `app${w}` } },
          egress: [
            {
              toEndpoints: [
                {
                  matchLabels: {
                    tier: ['web', 'api', 'db', 'worker'][pick(4)],
                  },
                },
              ],
              toPorts: [
                { ports: [{ port: '8080', endPort: 8090, protocol: 'TCP' }] },
              ],
            },
          ],
        },
      });
    } else if (kind === 1) {
      add({
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumNetworkPolicy',
        metadata: { name: `cidr-${i}`, namespace: `ns${n}` },
        spec: {
          endpointSelector: { matchLabels: { part: `p${pick(5)}` } },
          egress: [
            {
              toCIDRSet: [
                {
                  cidr: `10.${i % 256}.0.0/16`,
                  except: [`10.${i % 256}.1.0/24`],
                },
              ],
              toPorts: [{ ports: [{ port: '443' }] }],
            },
          ],
        },
      });
    } else if (kind === 2) {
      add({
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumNetworkPolicy',
        metadata: { name: `fqdn-${i}`, namespace: `ns${n}` },
        spec: {
          endpointSelector: { matchLabels: { app: `app${w}` } },
          egress: [
            {
              toFQDNs: [{ matchName: `api${pick(40)}.example.com` }],
              toPorts: [{ ports: [{ port: '443' }] }],
            },
          ],
        },
      });
    } else if (kind === 3) {
      add({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: `knp-${i}`, namespace: `ns${n}` },
        spec: {
          podSelector: { matchLabels: { app: `app${w}` } },
          policyTypes: ['Ingress'],
          ingress: [
            {
              from: [
                {
                  namespaceSelector: { matchLabels: { team: `t${pick(10)}` } },
                  podSelector: {
                    matchExpressions: [
                      { key: 'tier', operator: 'In', values: ['web', 'api'] },
                    ],
                  },
                },
              ],
              ports: [{ port: 9090 }],
            },
          ],
        },
      });
    } else if (kind === 4) {
      add({
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumNetworkPolicy',
        metadata: { name: `deny-${i}`, namespace: `ns${n}` },
        spec: {
          endpointSelector: { matchLabels: { tier: 'db' } },
          ingressDeny: [
            {
              fromEndpoints: [
                {
                  matchLabels: {
                    'k8s:io.kubernetes.pod.namespace': `ns${pick(NS)}`,
                  },
                },
              ],
            },
          ],
        },
      });
    } else {
      add({
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumClusterwideNetworkPolicy',
        metadata: { name: `ccnp-${i}` },
        spec: {
          endpointSelector: {
            matchLabels: { tier: 'worker', part: `p${pick(5)}` },
          },
          egress: [
            { toEntities: ['kube-apiserver'] },
            {
              toEndpoints: [{ matchLabels: { tier: 'db' } }],
              toPorts: [{ ports: [{ port: '5432' }] }],
            },
          ],
        },
      });
    }
    i++;
  }
  if (variant) {
    // the one-policy change: ns7/app3 additionally admits world on 9090
    const p = objs.find(
      o =>
        o.kind === 'CiliumNetworkPolicy' &&
        o.metadata.name === 'app3-ingress' &&
        o.metadata.namespace === 'ns7',
    );
    p.spec.ingress.push({
      fromEntities: ['world'],
      toPorts: [{ ports: [{ port: '9090', protocol: 'TCP' }] }],
    });
  }
  const b = new InventoryBuilder();
  for (const o of objs) b.addObject(JSON.parse(JSON.stringify(o)));
  return b.build();
}

function time(fn) {
  const t0 = process.hrtime.bigint();
  const r = fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, r };
}

const invA = world(false);
const invB = world(true);
if (invA.workloads.length < WORKLOADS || invA.policies.length !== POLICIES) {
  console.error(invA.diagnostics.slice(0, 5));
  throw new Error(
    `generated ${invA.workloads.length} workloads, ${invA.policies.length} policies`,
  );
}
if (global.gc) global.gc();
const heap0 = process.memoryUsage().heapUsed;

const build = time(() => new PolicyEngine(invA));
const engine = build.r;
const graph = time(() => engine.graph());
const full = build.ms + graph.ms;
const allowedEdges = graph.r.edges.filter(e => !e.conn.isEmpty()).length;
const heapAfter = process.memoryUsage().heapUsed;

// one workload's view: average over 50 workloads (fresh engine state each time is not needed: views are not cached)
const ids = invA.workloads.map(w => w.id);
let viewTotal = 0;
let viewMax = 0;
for (let k = 0; k < 50; k++) {
  const t = time(() => engine.workloadView(ids[(k * 37) % ids.length]));
  viewTotal += t.ms;
  viewMax = Math.max(viewMax, t.ms);
}

// one-policy diff: build the changed engine and diff (incremental path)
const diff = time(() => diffEngines(engine, new PolicyEngine(invB)));
if (!diff.r.some(d => d.type === 'added' || d.type === 'changed'))
  throw new Error('diff found nothing');

// single flows (Hubble simulator): cold and cached
const flows = [];
for (let k = 0; k < 20000; k++)
  flows.push([
    ids[pick(ids.length)],
    ids[pick(ids.length)],
    [8080, 9090, 5432, 53][k % 4],
  ]);
const cold = time(() =>
  flows.forEach(([s, d, p]) => engine.evaluate(s, d, p, 'TCP')),
);
const warm = time(() =>
  flows.forEach(([s, d, p]) => engine.evaluate(s, d, p, 'TCP')),
);

const figures = [
  {
    name: 'policy-engine: full graph (build + all edges), 2000 workloads / 3000 policies',
    value: round(full),
    unit: 'ms',
    goal: '<= 2000',
  },
  {
    name: 'policy-engine: engine build (selector resolution)',
    value: round(build.ms),
    unit: 'ms',
    goal: '',
  },
  {
    name: 'policy-engine: graph enumeration',
    value: round(graph.ms),
    unit: 'ms',
    goal: '',
  },
  {
    name: 'policy-engine: graph allowed edges',
    value: allowedEdges,
    unit: 'edges',
    goal: '',
  },
  {
    name: 'policy-engine: one workload view (mean of 50)',
    value: round(viewTotal / 50),
    unit: 'ms',
    goal: '<= 50',
  },
  {
    name: 'policy-engine: one workload view (max of 50)',
    value: round(viewMax),
    unit: 'ms',
    goal: '<= 50',
  },
  {
    name: 'policy-engine: one-policy diff (build changed engine + diff)',
    value: round(diff.ms),
    unit: 'ms',
    goal: '<= 500',
  },
  {
    name: 'policy-engine: evaluate() cold flow',
    value: round((cold.ms * 1000) / flows.length),
    unit: 'us/flow',
    goal: '',
  },
  {
    name: 'policy-engine: evaluate() cached flow',
    value: round((warm.ms * 1000) / flows.length),
    unit: 'us/flow',
    goal: '',
  },
  {
    name: 'policy-engine: heap used by engine + graph',
    value: round((heapAfter - heap0) / 1048576),
    unit: 'MB',
    goal: 'reported',
  },
];
for (const f of figures) console.log(`BENCH_RESULT ${JSON.stringify(f)}`);

function round(x) {
  return Math.round(x * 100) / 100;
}
