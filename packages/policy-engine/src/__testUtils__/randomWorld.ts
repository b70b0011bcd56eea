import type { Edge, Graph } from '../evaluate/types';
import { InventoryBuilder } from '../parse/inventory';
import type { Inventory } from '../model/inventory';
import type { Policy } from '../model/policy';

/** A small seeded generator (mulberry32), so a failing seed can be replayed. */
export function seededRandom(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const chance = (p: number) => next() < p;
  return { next, int, pick, chance };
}

export type Random = ReturnType<typeof seededRandom>;

const NAMESPACES = ['shop', 'pay', 'data', 'ops'];
const APPS = ['web', 'api', 'db', 'cache', 'worker'];
const TIERS = ['front', 'back', 'store'];
const ENTITIES = [
  'world',
  'cluster',
  'host',
  'remote-node',
  'kube-apiserver',
  'all',
];

/**
 * Namespaces (with labels) and workloads: several workloads share a label set
 * (one identity), one carries a pod label with a namespace-label key.
 */
export function randomWorldObjects(r: Random): unknown[] {
  const out: unknown[] = [];
  for (const ns of NAMESPACES) {
    out.push({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: ns,
        labels: { team: r.pick(['a', 'b']), env: r.pick(['prod', 'dev']) },
      },
    });
    const n = 2 + r.int(4);
    for (let i = 0; i < n; i++) {
      const app = r.pick(APPS);
      const labels: Record<string, string> = { app, tier: r.pick(TIERS) };
      if (r.chance(0.4)) labels.version = r.pick(['v1', 'v2']);
      if (r.chance(0.05))
        labels['io.cilium.k8s.namespace.labels.team'] = r.pick(['a', 'b']);
      out.push({
        apiVersion: 'apps/v1',
        kind: r.chance(0.2) ? 'StatefulSet' : 'Deployment',
        metadata: { name: `${app}-${i}`, namespace: ns },
        spec: {
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: r.chance(0.3) ? 'robot' : undefined,
              containers: [
                {
                  ports: [
                    { name: 'http', containerPort: 8000 + r.int(3) },
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
  out.push({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'coredns', namespace: 'kube-system' },
    spec: { template: { metadata: { labels: { 'k8s-app': 'kube-dns' } } } },
  });
  return out;
}

function randomSelector(r: Random): Record<string, unknown> {
  const sel: Record<string, unknown> = {};
  if (r.chance(0.7)) {
    const ml: Record<string, string> = {};
    if (r.chance(0.8)) ml.app = r.pick(APPS);
    if (r.chance(0.3)) ml.tier = r.pick(TIERS);
    if (r.chance(0.15))
      ml['k8s:io.kubernetes.pod.namespace'] = r.pick(NAMESPACES);
    sel.matchLabels = ml;
  }
  if (r.chance(0.35)) {
    const op = r.pick(['In', 'NotIn', 'Exists', 'DoesNotExist']);
    const key = r.pick(['tier', 'version', 'app']);
    sel.matchExpressions = [
      op === 'In' || op === 'NotIn'
        ? {
            key,
            operator: op,
            values: [r.pick(TIERS), r.pick(['v1', 'v2', 'db'])],
          }
        : { key, operator: op },
    ];
  }
  return sel;
}

function randomPorts(r: Random): unknown[] | undefined {
  if (r.chance(0.25)) return undefined;
  const port = r.pick([
    { port: '80', protocol: 'TCP' },
    { port: '8000', endPort: 8002, protocol: 'TCP' },
    { port: 'http', protocol: 'TCP' },
    { port: '53', protocol: 'ANY' },
    { port: '9090' },
  ]);
  const rule: Record<string, unknown> = { ports: [port] };
  if (port.port === '53' && r.chance(0.7))
    rule.rules = { dns: [{ matchPattern: r.pick(['*', '*.example.com']) }] };
  else if (port.port === '80' && r.chance(0.3))
    rule.rules = { http: [{ method: 'GET', path: '/api/.*' }] };
  return [rule];
}

function randomPeer(
  r: Random,
  dir: 'ingress' | 'egress',
): Record<string, unknown> {
  const prefix = dir === 'ingress' ? 'from' : 'to';
  const kind = r.int(7);
  if (kind <= 2) {
    const peers = [randomSelector(r)];
    if (r.chance(0.3)) peers.push(randomSelector(r));
    return { [`${prefix}Endpoints`]: peers };
  }
  if (kind === 3) return { [`${prefix}Entities`]: [r.pick(ENTITIES)] };
  if (kind === 4) {
    const a = r.int(4);
    const cidr = r.chance(0.1) ? `fd00:${a}::/64` : `10.${a}.0.0/16`;
    return {
      [`${prefix}CIDRSet`]: [
        cidr.includes(':')
          ? { cidr }
          : { cidr, except: r.chance(0.5) ? [`10.${a}.${r.int(4)}.0/24`] : [] },
      ],
    };
  }
  if (kind === 5 && dir === 'egress')
    return { toFQDNs: [{ matchName: `${r.pick(['api', 'db'])}.example.com` }] };
  return {};
}

/** One random policy object (CNP, CCNP or KNP) named `name`. */
export function randomPolicy(r: Random, name: string): unknown {
  const kind = r.int(10);
  if (kind < 2) {
    const ns = r.pick(NAMESPACES);
    const peer: Record<string, unknown> = {};
    if (r.chance(0.5)) peer.podSelector = randomSelector(r);
    if (r.chance(0.5))
      peer.namespaceSelector = { matchLabels: { team: r.pick(['a', 'b']) } };
    const types = r.pick([['Ingress'], ['Egress'], ['Ingress', 'Egress']]);
    const spec: Record<string, unknown> = {
      podSelector: randomSelector(r),
      policyTypes: types,
    };
    for (const t of types) {
      if (r.chance(0.2)) continue; // default deny for that direction
      spec[t.toLowerCase()] = [
        {
          [t === 'Ingress' ? 'from' : 'to']: r.chance(0.8) ? [peer] : undefined,
          ports: r.chance(0.5)
            ? [{ port: r.pick([80, 8000, 9090]) }]
            : undefined,
        },
      ];
    }
    return {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name, namespace: ns },
      spec,
    };
  }
  const rule = (): Record<string, unknown> => {
    const spec: Record<string, unknown> = {
      endpointSelector: r.chance(0.15) ? {} : randomSelector(r),
    };
    for (const section of ['ingress', 'egress', 'ingressDeny', 'egressDeny']) {
      const deny = section.endsWith('Deny');
      if (!r.chance(deny ? 0.15 : 0.5)) continue;
      const dir = section.startsWith('ingress') ? 'ingress' : 'egress';
      const n = 1 + r.int(2);
      const els: unknown[] = [];
      for (let i = 0; i < n; i++) {
        const el = randomPeer(r, dir);
        const ports = randomPorts(r);
        if (ports) el.toPorts = ports;
        els.push(el);
      }
      spec[section] = els;
    }
    return spec;
  };
  const ccnp = kind === 9;
  const multi = r.chance(0.15);
  return {
    apiVersion: 'cilium.io/v2',
    kind: ccnp ? 'CiliumClusterwideNetworkPolicy' : 'CiliumNetworkPolicy',
    metadata: ccnp ? { name } : { name, namespace: r.pick(NAMESPACES) },
    ...(multi ? { specs: [rule(), rule()] } : { spec: rule() }),
  };
}

/** Parses objects into an inventory (refused documents are dropped). */
export function inventoryOf(objects: unknown[]): Inventory {
  const b = new InventoryBuilder();
  for (const o of objects) b.addObject(JSON.parse(JSON.stringify(o)));
  return b.build();
}

/** Parses one policy object; undefined when the engine refuses it. */
export function policyOf(object: unknown): Policy | undefined {
  return inventoryOf([object]).policies[0];
}

/** A graph as text: every edge with its connections and full provenance, in order. */
export function graphText(g: Graph): string[] {
  return [
    `peers ${g.peers.map(p => p.id).join(' ')}`,
    ...g.edges.map(edgeText),
  ];
}

/** One edge with its provenance as text. */
export function edgeText(e: Edge): string {
  const side = (s: Edge['egress']) =>
    s
      ? JSON.stringify({
          isolated: s.isolated,
          isolatedBy: s.isolatedBy.map(
            p => `${p.kind}/${p.namespace}/${p.name}`,
          ),
          conn: s.conn.toString(),
          granted: s.granted.toString(),
          defaultAllow: s.defaultAllow,
          allowedBy: s.allowedBy.map(g => ({
            conn: g.conn.toString(),
            rule: g.rule,
            l7: g.l7?.map(x => [x.conn.toString(), x.rules]),
            ineffective: g.ineffective,
          })),
          deniedBy: s.deniedBy.map(g => [g.conn.toString(), g.rule]),
        })
      : '-';
  return `${e.src.id} -> ${e.dst.id} ${e.conn} denied ${e.denied} eg ${side(
    e.egress,
  )} in ${side(e.ingress)}`;
}
