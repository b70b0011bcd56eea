import { mockServices } from '@backstage/backend-test-utils';
import type {
  ManifestSnapshot,
  ManifestSource,
} from '@cilium-zero-trust/plugin-cilium-node';
import { ClusterModel, ClusterReload, ClusterSnapshot } from './ClusterModel';

/** A source held in memory: files by path, a version bumped on every edit. */
class MemorySource implements ManifestSource {
  readonly description = 'memory';
  readonly files = new Map<string, string>();
  private edits = 0;

  set(path: string, text: string | undefined): void {
    if (text === undefined) this.files.delete(path);
    else this.files.set(path, text);
    this.edits++;
  }

  async version(): Promise<string> {
    return String(this.edits);
  }

  async read(): Promise<ManifestSnapshot> {
    return {
      version: String(this.edits),
      problems: [],
      files: [...this.files].map(([path, text]) => ({ path, text })),
    };
  }
}

const WORKLOADS = `
apiVersion: v1
kind: Namespace
metadata: { name: shop, labels: { team: web } }
---
apiVersion: v1
kind: Namespace
metadata: { name: data, labels: { team: db } }
${[
  ['shop', 'web', 8080],
  ['shop', 'api', 8080],
  ['shop', 'worker', 9000],
  ['data', 'db', 5432],
  ['data', 'cache', 6379],
]
  .map(
    ([ns, app, port]) => `---
apiVersion: apps/v1
kind: Deployment
metadata: { name: ${app}, namespace: ${ns} }
spec:
  template:
    metadata: { labels: { app: ${app} } }
    spec: { containers: [{ name: c, ports: [{ containerPort: ${port} }] }] }`,
  )
  .join('\n')}
`;

const APPS = ['web', 'api', 'worker', 'db', 'cache'];
const NAMESPACE_OF: Record<string, string> = {
  web: 'shop',
  api: 'shop',
  worker: 'shop',
  db: 'data',
  cache: 'data',
};

/** A deterministic pseudo-random sequence (a test must replay the same way). */
function random(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  return {
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)],
    chance: (p: number) => next() < p,
  };
}

function randomPolicy(r: ReturnType<typeof random>, name: string): string {
  const app = r.pick(APPS);
  const peer = r.pick(APPS);
  const port = r.pick([8080, 9000, 5432, 6379, 443]);
  const section = r.pick([
    'ingress',
    'egress',
    'ingressDeny',
    'egressDeny',
  ] as const);
  const peerKey = section.startsWith('ingress')
    ? 'fromEndpoints'
    : 'toEndpoints';
  const peerSelector = `{ matchLabels: { app: ${peer}, k8s:io.kubernetes.pod.namespace: ${NAMESPACE_OF[peer]} } }`;
  const rule = r.chance(0.15)
    ? `[{}]`
    : `[{ ${peerKey}: [${peerSelector}], toPorts: [{ ports: [{ port: "${port}", protocol: TCP }] }] }]`;
  return `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: ${name}, namespace: ${NAMESPACE_OF[app]} }
spec:
  endpointSelector: { matchLabels: { app: ${app} } }
  ${section}: ${rule}
`;
}

const bigints = (_: string, v: unknown) =>
  typeof v === 'bigint' ? v.toString() : v;

/** Sorts every array (by its JSON), so answers compare regardless of order. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value))
    return value
      .map(canonical)
      .map(v => [JSON.stringify(v, bigints), v] as const)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([, v]) => v);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => k !== 'position' && k !== 'raw')
        .map(([k, v]) => [k, canonical(v)]),
    );
  return value;
}

/** What the Network tab and the request planner read from a snapshot. */
function answers(s: ClusterSnapshot, parseErrors: unknown) {
  const e = s.engine;
  const verdicts: string[] = [];
  for (const a of e.workloads)
    for (const b of e.workloads)
      for (const port of [8080, 5432])
        verdicts.push(
          `${a.id} ${b.id} ${port} ${e.evaluate(a.id, b.id, port).allowed}`,
        );
  return canonical({
    graph: e.graph({ detail: true }).edges,
    views: e.workloads.map(w => e.workloadView(w.id)),
    verdicts,
    policies: e.inventory.policies.map(p => p.ref),
    diagnostics: s.diagnostics,
    policyFiles: [...s.policyFiles],
    parseErrors,
  });
}

function model(policies: ManifestSource, workloads: ManifestSource) {
  const reloads: ClusterReload[] = [];
  const m = new ClusterModel({
    cluster: 'dev',
    policies,
    workloads,
    logger: mockServices.logger.mock(),
    minCheckIntervalMs: 0,
    onReload: r => reloads.push(r),
  });
  return { model: m, reloads };
}

async function freshAnswers(policies: MemorySource, workloads: MemorySource) {
  const fresh = model(policies, workloads).model;
  return answers(await fresh.current(), fresh.parseErrors());
}

describe('ClusterModel', () => {
  it.each([1, 2, 3, 4])(
    'policy-file edits applied incrementally answer as a full reload does (seed %i)',
    async seed => {
      const r = random(seed);
      const policies = new MemorySource();
      const workloads = new MemorySource();
      workloads.set('cluster.yaml', WORKLOADS);
      for (let i = 0; i < 6; i++)
        policies.set(`p${i}.yaml`, randomPolicy(r, `policy-${i}`));
      const { model: m, reloads } = model(policies, workloads);
      await m.current();

      for (let step = 0; step < 30; step++) {
        const path = `p${r.int(9)}.yaml`;
        const kind = r.int(10);
        if (kind < 5) policies.set(path, randomPolicy(r, `policy-${r.int(9)}`));
        else if (kind < 7) policies.set(path, undefined);
        else if (kind < 8)
          policies.set(path, `${randomPolicy(r, 'x')}---\nkind: [broken`);
        else
          policies.set(
            path,
            `${randomPolicy(r, `two-a-${step}`)}---\n${randomPolicy(
              r,
              `two-b-${step}`,
            )}`,
          );
        const snapshot = await m.current();
        expect(answers(snapshot, m.parseErrors())).toEqual(
          await freshAnswers(policies, workloads),
        );
      }
      // Most edits touch one file's policies only: the engine was updated,
      // not rebuilt (a name already used by another file forces a rebuild).
      const incremental = reloads.filter(x => x.mode === 'incremental');
      expect(incremental.length).toBeGreaterThan(10);
      expect(reloads.every(x => x.ok)).toBe(true);
      expect(reloads[0].mode).toBe('full');
    },
  );

  it('rebuilds when a changed file holds more than policies, or the workloads changed', async () => {
    const policies = new MemorySource();
    const workloads = new MemorySource();
    workloads.set('cluster.yaml', WORKLOADS);
    const r = random(9);
    policies.set('a.yaml', randomPolicy(r, 'a'));
    const { model: m, reloads } = model(policies, workloads);
    await m.current();

    policies.set('b.yaml', randomPolicy(r, 'b'));
    await m.current();
    expect(reloads.map(x => x.mode)).toEqual(['full', 'incremental']);

    // A Namespace next to the policies: selectors resolve against it.
    policies.set(
      'b.yaml',
      `${randomPolicy(
        r,
        'b',
      )}---\napiVersion: v1\nkind: Namespace\nmetadata: { name: extra, labels: { team: x } }\n`,
    );
    await m.current();
    expect(reloads[2].mode).toBe('full');
    expect(
      (await m.current()).engine.inventory.namespaces.map(n => n.name),
    ).toContain('extra');

    // The same policy name in a second file.
    policies.set('c.yaml', policies.files.get('a.yaml')!);
    await m.current();
    expect(reloads[3].mode).toBe('full');

    workloads.set('more.yaml', WORKLOADS.replace(/shop/g, 'shop2'));
    policies.set('d.yaml', randomPolicy(r, 'd'));
    const snapshot = await m.current();
    expect(reloads[4].mode).toBe('full');
    expect(snapshot.engine.workloads.map(w => w.namespace)).toContain('shop2');
    expect(answers(snapshot, m.parseErrors())).toEqual(
      await freshAnswers(policies, workloads),
    );
  });

  it('reports a broken file by name after an incremental update, and forgets it once fixed', async () => {
    const policies = new MemorySource();
    const workloads = new MemorySource();
    workloads.set('cluster.yaml', WORKLOADS);
    const r = random(5);
    policies.set('ok.yaml', randomPolicy(r, 'ok'));
    const { model: m, reloads } = model(policies, workloads);
    await m.current();

    policies.set('broken.yaml', 'kind: [unclosed');
    let snapshot = await m.current();
    expect(reloads[1].mode).toBe('incremental');
    expect(snapshot.diagnostics.map(d => d.file)).toEqual(['broken.yaml']);
    expect(m.parseErrors()).toEqual({ policies: 1, workloads: 0 });
    expect([...snapshot.policyFiles.keys()]).toEqual(['ok.yaml']);

    policies.set('broken.yaml', randomPolicy(r, 'fixed'));
    snapshot = await m.current();
    expect(reloads[2].mode).toBe('incremental');
    expect(snapshot.diagnostics).toEqual([]);
    expect(m.parseErrors()).toEqual({ policies: 0, workloads: 0 });
    expect([...snapshot.policyFiles.keys()].sort()).toEqual([
      'broken.yaml',
      'ok.yaml',
    ]);
    expect(
      snapshot.engine.inventory.policies.map(p => p.ref.name).sort(),
    ).toEqual(['fixed', 'ok']);
  });
});
