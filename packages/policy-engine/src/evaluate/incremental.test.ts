import {
  edgeText,
  graphText,
  inventoryOf,
  policyOf,
  randomPolicy,
  randomWorldObjects,
  Random,
  seededRandom,
} from '../__testUtils__/randomWorld';
import type { Policy } from '../model/policy';
import { diffEngines, diffGraphs } from './diff';
import { EngineOptions, PolicyEngine } from './engine';

/** Everything a caller can read from an engine, as text. */
function answers(e: PolicyEngine, r: Random): string[] {
  const ids = e.workloads.map(w => w.id);
  const out = graphText(e.graph());
  out.push(
    JSON.stringify(e.coverage().map(c => [c.workload.id, c.ingress, c.egress])),
  );
  out.push(JSON.stringify(e.warnings));
  for (let k = 0; k < 6; k++) {
    const id = r.pick(ids);
    const v = e.workloadView(id)!;
    out.push(
      `view ${id}`,
      ...v.ingress.edges.map(edgeText),
      ...v.egress.edges.map(edgeText),
    );
    const p = e.profile(id)!;
    out.push(
      JSON.stringify([
        p.ingress.isolatedBy,
        p.egress.selectedBy,
        p.egress.dns.length,
        p.ingress.allows.map(a => a.el.ref),
        p.egress.denies.map(a => a.el.ref),
      ]),
    );
    const peer = r.pick([
      r.pick(ids),
      '10.1.2.3',
      'api.example.com',
      'kube-apiserver',
      'world',
    ]);
    out.push(JSON.stringify(e.evaluate(id, peer, r.pick([80, 8001, 53]))));
    out.push(JSON.stringify(e.evaluate(peer, id, r.pick([80, 9090]))));
  }
  return out;
}

function sameAnswers(incremental: PolicyEngine, seed: number) {
  const fresh = new PolicyEngine(incremental.inventory, incremental.options);
  expect(answers(incremental, seededRandom(seed))).toEqual(
    answers(fresh, seededRandom(seed)),
  );
}

/**
 * Runs a random sequence of policy changes from `base`, each step applied
 * incrementally, and checks every step against a fresh build.
 */
function run(seed: number, options: EngineOptions, steps: number): number {
  const r = seededRandom(seed);
  const world = randomWorldObjects(r);
  const pool: Policy[] = [];
  for (let i = 0; pool.length < 40; i++) {
    const p = policyOf(randomPolicy(r, `p${i % 30}`));
    if (p) pool.push(p);
  }
  const initial = pool.filter(() => r.chance(0.4));
  const base = new PolicyEngine(
    { ...inventoryOf(world), policies: initial },
    options,
  );
  let engine = base;
  const baseText = answers(base, seededRandom(seed));
  for (let step = 0; step < steps; step++) {
    const present = engine.inventory.policies;
    const add: Policy[] = [];
    const remove: Policy['ref'][] = [];
    const n = 1 + r.int(3);
    for (let k = 0; k < n; k++) {
      if (present.length && r.chance(0.4)) remove.push(r.pick(present).ref);
      else add.push(r.pick(pool));
    }
    const before = engine;
    engine = engine.withChanges({ add, remove });
    if (r.chance(0.3)) {
      // a second change before anyone asks the first engine anything
      const again = r.pick(pool);
      engine = engine.withChanges(
        r.chance(0.5) ? { add: [again] } : { remove: [again.ref] },
      );
    }
    sameAnswers(engine, seed * 1000 + step);
    // the one-policy diff of the incremental engines equals the diff of the
    // same workloads' views in fresh engines
    const fast = diffEngines(before, engine).map(d =>
      [d.type, d.src, d.dst, d.ref1, d.ref2].join(' '),
    );
    const rebuilt = diffEngines(
      new PolicyEngine(before.inventory, options),
      new PolicyEngine(engine.inventory, options),
    ).map(d => [d.type, d.src, d.dst, d.ref1, d.ref2].join(' '));
    expect(fast).toEqual(rebuilt);
  }
  // the engine every change started from still answers as it did
  expect(answers(base, seededRandom(seed))).toEqual(baseText);
  return engine.inventory.policies.length;
}

describe('PolicyEngine.withChanges (incremental) = a fresh build', () => {
  it.each([1, 2, 3, 4, 5, 6])('random policy changes, seed %i', seed => {
    expect(run(seed, { entityPeers: 'referenced' }, 25)).toBeGreaterThan(0);
  });

  it.each([
    ['always', 'all'],
    ['never', 'none'],
  ] as const)(
    'with enforcement %s and entity peers %s',
    (enforcement, entityPeers) => {
      expect(run(11, { enforcement, entityPeers }, 15)).toBeGreaterThan(0);
    },
  );

  it('a chain of changes to an engine nobody has queried yet', () => {
    const r = seededRandom(31);
    const world = inventoryOf(randomWorldObjects(r));
    const pool: Policy[] = [];
    for (let i = 0; pool.length < 20; i++) {
      const p = policyOf(randomPolicy(r, `c${i % 12}`));
      if (p) pool.push(p);
    }
    const base = new PolicyEngine({ ...world, policies: pool.slice(0, 8) });
    let engine = base;
    for (let k = 0; k < 6; k++)
      engine = engine.withChanges(
        k % 2 ? { remove: [r.pick(pool).ref] } : { add: [r.pick(pool)] },
      );
    sameAnswers(engine, 31);
    sameAnswers(base, 32);
    expect(engine.inventory.policies).not.toEqual(base.inventory.policies);
  });

  it('replaces a policy in its place and leaves the original engine as it was', () => {
    const r = seededRandom(7);
    const world = inventoryOf(randomWorldObjects(r));
    const policies: Policy[] = [];
    for (let i = 0; policies.length < 5; i++) {
      const p = policyOf(randomPolicy(r, `q${i}`));
      if (p) policies.push(p);
    }
    const a = new PolicyEngine({ ...world, policies });
    const before = graphText(a.graph());
    let changed: Policy | undefined;
    while (!changed) changed = policyOf(randomPolicy(r, 'q2'));
    const kept = { ...changed, ref: policies[2].ref };
    const b = a.withChanges({ add: [kept] });
    expect(b.inventory.policies.map(p => p.ref)).toEqual(
      policies.map((p, i) => (i === 2 ? kept.ref : p.ref)),
    );
    expect(b.inventory.policies[2]).toBe(kept);
    expect(graphText(a.graph())).toEqual(before);
    expect(a.withChanges({ remove: [{ ...kept.ref, name: 'none' }] })).toBe(a);
    expect(b.withChanges({ add: [kept] })).toBe(b);
  });

  it('the diff of a derived engine equals the full-graph diff when no peer appears or disappears', () => {
    const r = seededRandom(21);
    const world = inventoryOf(randomWorldObjects(r));
    const ingress = (name: string, port: string) =>
      policyOf({
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumNetworkPolicy',
        metadata: { name, namespace: 'shop' },
        spec: {
          endpointSelector: {},
          ingress: [
            {
              fromEndpoints: [{}],
              toPorts: [{ ports: [{ port }] }],
            },
          ],
        },
      })!;
    const a = new PolicyEngine({ ...world, policies: [ingress('x', '80')] });
    const b = a.withChanges({ add: [ingress('x', '81')] });
    const text = (d: ReturnType<typeof diffGraphs>) =>
      d.map(x => [x.type, x.src, x.dst, x.ref1, x.ref2].join(' ')).sort();
    expect(text(diffEngines(a, b))).toEqual(
      text(diffGraphs(a.graph(), b.graph())),
    );
    expect(diffEngines(a, b).length).toBeGreaterThan(0);
  });
});
