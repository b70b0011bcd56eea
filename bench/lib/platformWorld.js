/* eslint-disable */
// A second generated world for the policy engine and the cilium-connect CLI,
// built differently from policy-engine.bench.js's (issue 15): the way a large
// platform's GitOps repository looks. Seeded and deterministic: the same
// options give the same files, byte for byte.
//
// At scale s (s = 1 and 10 in the benchmarks):
//   - 40·s namespaces of 50 workloads (Deployments, some StatefulSets) plus
//     kube-dns: 2,000·s + 1 workloads. Namespaces carry team (4 namespaces a
//     team), env (prod/staging/dev) and, for ns-0000, purpose=monitoring.
//     Pods carry app, component, version, team and sometimes canary/legacy.
//   - exactly 3,000·s policies:
//       isolation per namespace: a CNP default deny with a DNS-proxy rule
//         (even namespaces) or a KNP default deny plus a KNP DNS egress (odd),
//         both with egress open inside the namespace;
//       a KNP per namespace admitting the monitoring namespace's two
//         scrapers (namespaceSelector + podSelector with matchExpressions),
//         whose own CNP lets them reach every namespace's metrics port;
//       one ingress policy per workload: CNPs with matchExpressions
//         (In/NotIn/Exists/DoesNotExist), cross-namespace peers by namespace
//         name or team label, some HTTP L7; every third a KNP with a
//         namespaceSelector on the team and named ports;
//       cross-namespace egress CNPs (by namespace name, by team label, port
//         ranges, CIDR sets with except);
//       ingress deny CNPs (from dev namespaces of the team, from world);
//       clusterwide policies (CCNP): entities (kube-apiserver, host,
//         remote-node, health, world), toFQDNs with their DNS rule, ingress
//         deny; KNP egress with namespace selectors and ipBlocks.
// Peers are chosen inside a namespace, a team or a named namespace, so the
// number of allowed edges grows about linearly with the scale.
//
// Usage: writePlatformWorld(dir, { scale }) → { namespaces, workloads,
// policies, files, bytes }; `cilium-connect list --dir <dir>` reads it.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '../..');
require(require.resolve('sucrase/register/ts', { paths: [root] }));
const {
  seededRandom,
} = require('../../packages/hubble-relay-sim/src/random.ts');
const YAML = require(require.resolve('yaml', {
  paths: [path.join(root, 'packages/policy-engine')],
}));

const NAMESPACES_PER_SCALE = 40;
const WORKLOADS_PER_NAMESPACE = 50;
const POLICIES_PER_SCALE = 3000;
const NAMESPACES_PER_TEAM = 4;
const COMPONENTS = ['frontend', 'backend', 'cache', 'db', 'queue', 'batch'];
const VERSIONS = ['v1', 'v2', 'v3'];
const ENVS = ['prod', 'staging', 'dev'];
const NS_KEY = 'k8s:io.kubernetes.pod.namespace';
const NS_LABEL = 'io.cilium.k8s.namespace.labels';
const KUBE_DNS = { [NS_KEY]: 'kube-system', 'k8s-app': 'kube-dns' };

const nsName = n => `ns-${String(n).padStart(4, '0')}`;
const teamOf = n => `team-${Math.floor(n / NAMESPACES_PER_TEAM)}`;
const envOf = n => ENVS[n % ENVS.length];
const app = w => `svc-${String(w).padStart(2, '0')}`;
const component = w => COMPONENTS[w % COMPONENTS.length];

/** The objects of the world, grouped by the file they go to. */
function platformWorld(options = {}) {
  const scale = options.scale ?? 1;
  const seed = options.seed ?? 15;
  const r = seededRandom(seed);
  const pick = n => Math.floor(r() * n);
  const NS = Math.max(2, Math.round(NAMESPACES_PER_SCALE * scale));
  const POLICIES = Math.round(POLICIES_PER_SCALE * scale);
  const teams = Math.ceil(NS / NAMESPACES_PER_TEAM);
  const files = new Map();
  const put = (file, obj) => {
    if (!files.has(file)) files.set(file, []);
    files.get(file).push(obj);
  };
  let policies = 0;
  const policy = (file, obj) => {
    if (policies >= POLICIES) return;
    policies++;
    put(file, obj);
  };
  // another namespace of the same team (or the next one when the team is alone)
  const teammate = n => {
    const first = Math.floor(n / NAMESPACES_PER_TEAM) * NAMESPACES_PER_TEAM;
    const size = Math.min(NAMESPACES_PER_TEAM, NS - first);
    return size > 1
      ? first + ((n - first + 1 + pick(size - 1)) % size)
      : (n + 1) % NS;
  };

  // ---- kube-system and the workloads
  put('kube-system.yaml', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'kube-system' },
  });
  put('kube-system.yaml', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'coredns', namespace: 'kube-system' },
    spec: {
      template: {
        metadata: { labels: { 'k8s-app': 'kube-dns' } },
        spec: {
          containers: [
            {
              name: 'coredns',
              ports: [
                { name: 'dns', containerPort: 53, protocol: 'UDP' },
                { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
              ],
            },
          ],
        },
      },
    },
  });
  let workloads = 1;
  for (let n = 0; n < NS; n++) {
    const file = `${nsName(n)}.yaml`;
    put(file, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: nsName(n),
        labels: {
          team: teamOf(n),
          env: envOf(n),
          ...(n === 0 ? { purpose: 'monitoring' } : {}),
        },
      },
    });
    for (let w = 0; w < WORKLOADS_PER_NAMESPACE; w++) {
      const labels = {
        app: n === 0 && w < 2 ? `scraper-${w}` : app(w),
        component: n === 0 && w < 2 ? 'scraper' : component(w),
        version: VERSIONS[pick(3)],
        team: teamOf(n),
      };
      if (r() < 0.1) labels.canary = 'true';
      if (r() < 0.15) labels.legacy = 'true';
      const stateful = component(w) === 'db' || component(w) === 'queue';
      put(file, {
        apiVersion: 'apps/v1',
        kind: stateful ? 'StatefulSet' : 'Deployment',
        metadata: {
          name: labels.app,
          namespace: nsName(n),
          labels: { app: labels.app },
        },
        spec: {
          selector: { matchLabels: { app: labels.app } },
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: `${labels.app}-sa`,
              containers: [
                {
                  name: 'main',
                  ports: [
                    { name: 'http', containerPort: 8080 + (w % 3) },
                    { name: 'grpc', containerPort: 9000 },
                    { name: 'metrics', containerPort: 9102 },
                  ],
                },
              ],
            },
          },
        },
      });
      workloads++;
    }
  }

  // ---- per namespace: isolation, monitoring, one ingress policy per workload, egress, deny
  for (let n = 0; n < NS; n++) {
    const ns = nsName(n);
    const file = `${ns}.yaml`;
    if (n % 2 === 0) {
      policy(file, {
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumNetworkPolicy',
        metadata: { name: 'default-deny', namespace: ns },
        spec: {
          endpointSelector: {},
          ingress: [{}],
          egress: [
            {
              toEndpoints: [{ matchLabels: KUBE_DNS }],
              toPorts: [
                {
                  ports: [{ port: '53', protocol: 'ANY' }],
                  rules: { dns: [{ matchPattern: '*' }] },
                },
              ],
            },
            // anything in the own namespace (ingress policies decide)
            { toEndpoints: [{}] },
          ],
        },
      });
    } else {
      policy(file, {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'default-deny-all', namespace: ns },
        spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
      });
      policy(file, {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'allow-dns', namespace: ns },
        spec: {
          podSelector: {},
          policyTypes: ['Egress'],
          egress: [
            {
              to: [
                {
                  namespaceSelector: {
                    matchLabels: {
                      'kubernetes.io/metadata.name': 'kube-system',
                    },
                  },
                  podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
                },
              ],
              ports: [
                { port: 53, protocol: 'UDP' },
                { port: 53, protocol: 'TCP' },
              ],
            },
            { to: [{ podSelector: {} }] },
          ],
        },
      });
    }
    if (n === 0)
      policy(file, {
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumNetworkPolicy',
        metadata: { name: 'scrapers-egress', namespace: ns },
        spec: {
          endpointSelector: { matchLabels: { component: 'scraper' } },
          egress: [
            {
              toEndpoints: [
                { matchExpressions: [{ key: NS_KEY, operator: 'Exists' }] },
              ],
              toPorts: [{ ports: [{ port: '9102', protocol: 'TCP' }] }],
            },
          ],
        },
      });
    policy(file, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'allow-monitoring', namespace: ns },
      spec: {
        podSelector: {
          matchExpressions: [
            { key: 'component', operator: 'NotIn', values: ['batch'] },
          ],
        },
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [
              {
                namespaceSelector: { matchLabels: { purpose: 'monitoring' } },
                podSelector: {
                  matchExpressions: [
                    { key: 'component', operator: 'In', values: ['scraper'] },
                  ],
                },
              },
            ],
            ports: [{ port: 'metrics' }],
          },
        ],
      },
    });
    for (let w = 0; w < WORKLOADS_PER_NAMESPACE; w++) {
      const name = n === 0 && w < 2 ? `scraper-${w}` : app(w);
      if (w % 3 === 2) {
        policy(file, {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: { name: `${name}-ingress`, namespace: ns },
          spec: {
            podSelector: { matchLabels: { app: name } },
            policyTypes: ['Ingress'],
            ingress: [
              {
                from: [
                  {
                    podSelector: {
                      matchExpressions: [
                        {
                          key: 'version',
                          operator: 'In',
                          values: ['v1', 'v2'],
                        },
                        {
                          key: 'component',
                          operator: 'In',
                          values: [component(w + 5)],
                        },
                      ],
                    },
                  },
                  {
                    namespaceSelector: {
                      matchLabels: { team: teamOf(n) },
                      matchExpressions: [
                        { key: 'env', operator: 'NotIn', values: ['dev'] },
                      ],
                    },
                    podSelector: { matchLabels: { component: 'frontend' } },
                  },
                ],
                ports: [
                  { port: 'http' },
                  { port: 9000, endPort: 9010, protocol: 'TCP' },
                ],
              },
            ],
          },
        });
        continue;
      }
      const other = pick(NS);
      policy(file, {
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumNetworkPolicy',
        metadata: { name: `${name}-ingress`, namespace: ns },
        spec: {
          endpointSelector: { matchLabels: { app: name } },
          ingress: [
            {
              fromEndpoints: [
                {
                  matchExpressions: [
                    {
                      key: 'component',
                      operator: 'In',
                      values: [component(w + 1)],
                    },
                    { key: 'canary', operator: 'DoesNotExist' },
                  ],
                },
                { matchLabels: { app: app(pick(WORKLOADS_PER_NAMESPACE)) } },
              ],
              toPorts: [
                {
                  ports: [{ port: 'http', protocol: 'TCP' }],
                  rules:
                    w % 7 === 0
                      ? {
                          http: [
                            { method: 'GET', path: '/api/v[0-9]+/.*' },
                            {
                              method: 'POST',
                              path: '/api/v1/orders',
                              headers: ['X-Tenant: t1'],
                            },
                          ],
                        }
                      : undefined,
                },
              ],
            },
            {
              fromEndpoints: [
                {
                  matchLabels: { [NS_KEY]: nsName(other) },
                  matchExpressions: [
                    {
                      key: 'component',
                      operator: 'NotIn',
                      values: ['db', 'cache'],
                    },
                    { key: 'legacy', operator: 'DoesNotExist' },
                  ],
                },
                {
                  matchLabels: { [`${NS_LABEL}.team`]: teamOf(n) },
                  matchExpressions: [{ key: 'canary', operator: 'Exists' }],
                },
              ],
              toPorts: [{ ports: [{ port: 'grpc', protocol: 'TCP' }] }],
            },
          ],
        },
      });
    }
    // cross-namespace egress
    for (let k = 0; k < 8; k++) {
      const name = app(pick(WORKLOADS_PER_NAMESPACE));
      const target = k % 2 ? teammate(n) : pick(NS);
      policy(file, {
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumNetworkPolicy',
        metadata: { name: `egress-${k}`, namespace: ns },
        spec: {
          endpointSelector: {
            matchExpressions: [
              {
                key: 'app',
                operator: 'In',
                values: [name, app(pick(WORKLOADS_PER_NAMESPACE))],
              },
              { key: 'legacy', operator: 'DoesNotExist' },
            ],
          },
          egress: [
            {
              toEndpoints: [
                {
                  matchLabels: { [NS_KEY]: nsName(target) },
                  matchExpressions: [
                    {
                      key: 'component',
                      operator: 'In',
                      values: [COMPONENTS[pick(6)], COMPONENTS[pick(6)]],
                    },
                  ],
                },
              ],
              toPorts: [
                { ports: [{ port: '9000', endPort: 9010, protocol: 'TCP' }] },
              ],
            },
            k % 4 === 0
              ? {
                  toCIDRSet: [
                    {
                      cidr: `10.${(n * 8 + k) % 250}.0.0/16`,
                      except: [`10.${(n * 8 + k) % 250}.${k}.0/24`],
                    },
                  ],
                  toPorts: [{ ports: [{ port: '5432', protocol: 'TCP' }] }],
                }
              : {
                  toEndpoints: [
                    {
                      matchLabels: {
                        [`${NS_LABEL}.team`]: teamOf(n),
                        component: 'cache',
                      },
                    },
                  ],
                  toPorts: [{ ports: [{ port: '6379', protocol: 'TCP' }] }],
                },
          ],
        },
      });
    }
    // ingress deny
    policy(file, {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumNetworkPolicy',
      metadata: { name: 'deny-dev-to-db', namespace: ns },
      spec: {
        endpointSelector: { matchLabels: { component: 'db' } },
        ingressDeny: [
          {
            fromEndpoints: [
              {
                matchLabels: {
                  [`${NS_LABEL}.team`]: teamOf(n),
                  [`${NS_LABEL}.env`]: 'dev',
                },
              },
            ],
          },
        ],
      },
    });
    policy(file, {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumNetworkPolicy',
      metadata: { name: 'deny-world-metrics', namespace: ns },
      spec: {
        endpointSelector: {
          matchExpressions: [
            {
              key: 'component',
              operator: 'In',
              values: ['frontend', 'backend'],
            },
          ],
        },
        ingressDeny: [
          {
            fromEntities: ['world'],
            toPorts: [{ ports: [{ port: '9102', protocol: 'TCP' }] }],
          },
        ],
      },
    });
  }

  // ---- clusterwide policies and namespace-selector KNPs up to the policy count
  for (let i = 0; policies < POLICIES; i++) {
    const t = `team-${(i >> 2) % teams}`;
    const n = pick(NS);
    const kind = i % 4;
    if (kind === 0) {
      const svc = `svc${(i >> 2) % 97}`;
      policy('clusterwide.yaml', {
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumClusterwideNetworkPolicy',
        metadata: { name: `fqdn-${i}` },
        spec: {
          endpointSelector: {
            matchLabels: { team: t, component: 'batch' },
            matchExpressions: [
              { key: 'version', operator: 'In', values: [VERSIONS[i % 3]] },
            ],
          },
          egress: [
            {
              toEndpoints: [{ matchLabels: KUBE_DNS }],
              toPorts: [
                {
                  ports: [{ port: '53', protocol: 'ANY' }],
                  rules: { dns: [{ matchPattern: `*.${svc}.example.com` }] },
                },
              ],
            },
            {
              toFQDNs: [
                { matchName: `api.${svc}.example.com` },
                { matchPattern: `*.${svc}.example.com` },
              ],
              toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }],
            },
          ],
        },
      });
    } else if (kind === 1) {
      policy('clusterwide.yaml', {
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumClusterwideNetworkPolicy',
        metadata: { name: `entities-${i}` },
        spec: {
          endpointSelector: {
            matchLabels: { team: t, component: COMPONENTS[(i >> 2) % 6] },
            matchExpressions: [{ key: 'legacy', operator: 'Exists' }],
          },
          ingress: [{ fromEntities: ['host', 'remote-node', 'health'] }],
          egress: [
            { toEntities: ['kube-apiserver'] },
            // world reaches every external range and FQDN peer: rare
            ...((i >> 2) % 10 === 0
              ? [
                  {
                    toEntities: ['world'],
                    toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }],
                  },
                ]
              : []),
          ],
          ingressDeny: [
            {
              fromEndpoints: [
                {
                  matchLabels: { [`${NS_LABEL}.team`]: t },
                  matchExpressions: [{ key: 'canary', operator: 'Exists' }],
                },
              ],
              toPorts: [{ ports: [{ port: '9000', protocol: 'TCP' }] }],
            },
          ],
        },
      });
    } else if (kind === 2) {
      policy(`${nsName(n)}.yaml`, {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: `egress-team-${i}`, namespace: nsName(n) },
        spec: {
          podSelector: {
            matchExpressions: [
              {
                key: 'component',
                operator: 'In',
                values: [COMPONENTS[pick(6)]],
              },
              { key: 'canary', operator: 'DoesNotExist' },
            ],
          },
          policyTypes: ['Egress'],
          egress: [
            {
              to: [
                {
                  namespaceSelector: {
                    matchLabels: { team: teamOf(n) },
                    matchExpressions: [
                      {
                        key: 'env',
                        operator: 'In',
                        values: ['prod', 'staging'],
                      },
                    ],
                  },
                  podSelector: { matchLabels: { component: 'queue' } },
                },
                {
                  ipBlock: {
                    cidr: '172.16.0.0/12',
                    except: [`172.${16 + (i % 2)}.0.0/16`],
                  },
                },
              ],
              ports: [{ port: 5672, protocol: 'TCP' }],
            },
          ],
        },
      });
    } else {
      policy('clusterwide.yaml', {
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumClusterwideNetworkPolicy',
        metadata: { name: `platform-${i}` },
        spec: {
          endpointSelector: {
            matchLabels: { [`${NS_LABEL}.team`]: t, component: 'frontend' },
          },
          ingress: [
            {
              fromEntities: ['world'],
              toPorts: [{ ports: [{ port: 'http', protocol: 'TCP' }] }],
            },
            {
              fromEndpoints: [
                {
                  matchLabels: { [NS_KEY]: nsName(n) },
                  matchExpressions: [
                    { key: 'component', operator: 'In', values: ['frontend'] },
                  ],
                },
              ],
              toPorts: [
                { ports: [{ port: '8080', endPort: 8082, protocol: 'TCP' }] },
              ],
            },
          ],
        },
      });
    }
  }
  return { namespaces: NS, workloads, policies, files };
}

/**
 * Writes the world into `dir` (created if needed): one file per namespace,
 * kube-system and clusterwide. `options.format` `yaml` (default): multi-document
 * YAML files (`ns-0000.yaml`); `json`: one `kind: List` per file, indented like
 * `kubectl get -o json` (`ns-0000.json`).
 */
function writePlatformWorld(dir, options = {}) {
  const world = platformWorld(options);
  const json = options.format === 'json';
  fs.mkdirSync(dir, { recursive: true });
  let bytes = 0;
  for (const [file, objs] of world.files) {
    const text = json
      ? `${JSON.stringify(
          { apiVersion: 'v1', kind: 'List', items: objs },
          null,
          4,
        )}\n`
      : objs
          .map(o =>
            YAML.stringify(o, { lineWidth: 0, aliasDuplicateObjects: false }),
          )
          .join('---\n');
    fs.writeFileSync(
      path.join(dir, json ? file.replace(/\.yaml$/, '.json') : file),
      text,
    );
    bytes += Buffer.byteLength(text);
  }
  return {
    namespaces: world.namespaces,
    workloads: world.workloads,
    policies: world.policies,
    files: world.files.size,
    bytes,
  };
}

module.exports = { platformWorld, writePlatformWorld };
