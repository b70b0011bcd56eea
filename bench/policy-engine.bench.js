/* Benchmark of packages/policy-engine on a generated world at several sizes (issue 15).
 *
 * Scale s: 50·s namespaces × 40 workloads (+ kube-dns) and 3,000·s policies (CNP, CCNP, KNP), one seeded
 * generator (bench/lib/policyEngineWorld.js). Figures per scale: engine build, graph enumeration, full
 * graph, one workload's view (mean / max of 50), one-policy diff, evaluate() cold / cached, heap; then the
 * growth exponent log(t2/t1) / log(n2/n1) between consecutive sizes (n = workloads + policies).
 *
 * Env: POLICY_ENGINE_SCALES (default "1,3,10"), POLICY_ENGINE_RUNS (runs per scale ≤ 3; default 3, and
 * 1 at scales above 3). Each run is a child process (`--child <scale>`), so heaps do not mix; a figure is
 * the median of the runs.
 */
'use strict';
const path = require('path');
const { spawnSync } = require('child_process');

function parent() {
  const scales = (process.env.POLICY_ENGINE_SCALES ?? '1,3,10')
    .split(',')
    .map(Number)
    .filter(x => x > 0);
  const perScale = [];
  for (const scale of scales) {
    const runs = Number(process.env.POLICY_ENGINE_RUNS) || (scale > 3 ? 1 : 3);
    const results = [];
    for (let r = 0; r < runs; r++) {
      const t0 = Date.now();
      const out = spawnSync(
        process.execPath,
        [
          '--expose-gc',
          '--max-old-space-size=8192',
          __filename,
          '--child',
          String(scale),
        ],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const line = (out.stdout ?? '')
        .split('\n')
        .find(l => l.startsWith('FIGURES '));
      if (out.status !== 0 || !line)
        throw new Error(`scale ${scale}: child failed (${out.status})`);
      const f = JSON.parse(line.slice('FIGURES '.length));
      console.error(
        `scale ${scale} run ${r + 1}/${runs} (${Math.round(
          (Date.now() - t0) / 1000,
        )} s): ${JSON.stringify(f)}`,
      );
      results.push(f);
    }
    const med = {};
    for (const k of Object.keys(results[0]))
      med[k] = median(results.map(x => x[k]));
    perScale.push({ scale, f: med, runs });
  }
  for (const { scale, f, runs } of perScale) report(scale, f, runs);
  for (let k = 1; k < perScale.length; k++)
    growth(perScale[k - 1], perScale[k]);
}

const FIGURES = [
  // key, label, unit, goal at 10× (issue 15)
  ['build', 'engine build (selector resolution, profiles)', 'ms', '<= 2000'],
  ['graph', 'graph enumeration (all edges, with provenance)', 'ms', ''],
  ['full', 'full graph (build + enumeration)', 'ms', '<= 5000'],
  ['edges', 'graph allowed edges', 'edges', ''],
  [
    'grants',
    'provenance entries in the graph (allowedBy + deniedBy of every edge side)',
    'grants',
    '',
  ],
  ['viewMean', 'one workload view, mean of 50', 'ms', ''],
  ['viewMax', 'one workload view, max of 50', 'ms', '<= 20'],
  ['diff', 'one-policy diff (withChanges + diffEngines)', 'ms', '<= 200'],
  [
    'diffRebuild',
    'one-policy diff by rebuilding (new PolicyEngine + diffEngines)',
    'ms',
    '',
  ],
  ['cold', 'evaluate() cold flow', 'us/flow', '<= 10'],
  ['warm', 'evaluate() cached flow', 'us/flow', ''],
  ['heap', 'heap retained by engine + graph (after GC)', 'MB', '<= 600'],
  ['rss', 'peak RSS of the run', 'MB', ''],
];
const GROWTH = [
  'build',
  'graph',
  'full',
  'edges',
  'grants',
  'viewMax',
  'diff',
  'cold',
  'heap',
];

function report(scale, f, runs) {
  for (const [key, label, unit, goal10] of FIGURES) {
    if (f[key] === undefined || f[key] === null) continue;
    const name = `policy-engine ${scale}× (${f.workloads} workloads / ${f.policies} policies): ${label}`;
    console.log(
      `BENCH_RESULT ${JSON.stringify({
        name,
        value: round(f[key]),
        unit,
        goal:
          scale === 10
            ? goal10
            : scale === 1 && unit !== 'edges' && unit !== 'grants'
            ? `no slower than before (median of ${runs})`
            : runs > 1
            ? `median of ${runs}`
            : '',
      })}`,
    );
  }
}

function growth(a, b) {
  const n = x => x.f.workloads + x.f.policies;
  const ratio = n(b) / n(a);
  for (const key of GROWTH) {
    const x = a.f[key];
    const y = b.f[key];
    if (!(x > 0) || !(y > 0)) continue;
    const label = FIGURES.find(g => g[0] === key)[1];
    console.log(
      `BENCH_RESULT ${JSON.stringify({
        name: `policy-engine growth ${a.scale}×→${b.scale}×: ${label}`,
        value: round(Math.log(y / x) / Math.log(ratio)),
        unit: 'exponent',
        goal: key === 'build' || key === 'heap' ? '~1 (near-linear)' : '',
      })}`,
    );
  }
}

function child(scale) {
  const pkg = path.resolve(__dirname, '../packages/policy-engine');
  require(require.resolve('sucrase/register/ts', { paths: [pkg] }));
  const { InventoryBuilder, PolicyEngine, diffEngines } = require(path.join(
    pkg,
    'src/index.ts',
  ));
  const { seeded, worldObjects } = require('./lib/policyEngineWorld');

  const random = seeded(42);
  const parse = objs => {
    const b = new InventoryBuilder();
    for (const o of objs) b.addObject(JSON.parse(JSON.stringify(o)));
    return b.build();
  };
  const a = worldObjects(scale, false, random);
  const invA = parse(a.objects);
  // the variant draws the same sequence again: the flows below continue from it
  const b = worldObjects(scale, true, random);
  const changed = parse([b.changed]).policies[0];
  const expectWorkloads = a.namespaces * 40 + 1;
  if (
    invA.workloads.length !== expectWorkloads ||
    invA.policies.length !== a.policies
  ) {
    console.error(invA.diagnostics.slice(0, 5));
    throw new Error(
      `generated ${invA.workloads.length} workloads, ${invA.policies.length} policies`,
    );
  }
  a.objects.length = 0;
  b.objects.length = 0;
  global.gc();
  const heap0 = process.memoryUsage().heapUsed;

  const build = time(() => new PolicyEngine(invA));
  const engine = build.r;
  const graph = time(() => engine.graph());
  const edges = graph.r.edges.filter(e => !e.conn.isEmpty()).length;
  let grants = 0;
  for (const e of graph.r.edges)
    for (const side of [e.egress, e.ingress])
      if (side) grants += side.allowedBy.length + side.deniedBy.length;

  const ids = invA.workloads.map(w => w.id);
  let viewTotal = 0;
  let viewMax = 0;
  for (let k = 0; k < 50; k++) {
    const t = time(() => engine.workloadView(ids[(k * 37) % ids.length]));
    viewTotal += t.ms;
    viewMax = Math.max(viewMax, t.ms);
  }

  // retained heap, measured after the views: a forced GC of a large heap
  // leaves sweeping to be done by the next allocations, which the same 50
  // views (not timed) absorb before the diff is timed
  global.gc();
  const heap = process.memoryUsage().heapUsed - heap0;
  for (let k = 0; k < 50; k++) engine.workloadView(ids[(k * 37) % ids.length]);

  // one-policy diff: ns7/app3's ingress policy also admits world on 9090
  const check = d => {
    if (!d.some(x => x.type === 'added' || x.type === 'changed'))
      throw new Error('diff found nothing');
    return d.length;
  };
  let diff;
  if (typeof engine.withChanges === 'function') {
    diff = time(() =>
      diffEngines(
        engine,
        engine.withChanges({ add: [changed], remove: [changed.ref] }),
      ),
    );
    check(diff.r);
  }
  const invB = {
    ...invA,
    policies: invA.policies.map(p =>
      p.ref.kind === changed.ref.kind &&
      p.ref.namespace === changed.ref.namespace &&
      p.ref.name === changed.ref.name
        ? changed
        : p,
    ),
  };
  const diffRebuild = time(() => diffEngines(engine, new PolicyEngine(invB)));
  check(diffRebuild.r);
  if (diff && diff.r.length !== diffRebuild.r.length)
    throw new Error('incremental and rebuilt diffs differ');

  const flows = [];
  for (let k = 0; k < 20000; k++)
    flows.push([
      ids[random.pick(ids.length)],
      ids[random.pick(ids.length)],
      [8080, 9090, 5432, 53][k % 4],
    ]);
  const cold = time(() =>
    flows.forEach(([s, d, p]) => engine.evaluate(s, d, p, 'TCP')),
  );
  const warm = time(() =>
    flows.forEach(([s, d, p]) => engine.evaluate(s, d, p, 'TCP')),
  );

  const f = {
    workloads: invA.workloads.length,
    policies: invA.policies.length,
    build: build.ms,
    graph: graph.ms,
    full: build.ms + graph.ms,
    edges,
    grants,
    viewMean: viewTotal / 50,
    viewMax,
    diff: diff ? diff.ms : null,
    diffRebuild: diffRebuild.ms,
    cold: (cold.ms * 1000) / flows.length,
    warm: (warm.ms * 1000) / flows.length,
    heap: heap / 1048576,
    rss: process.resourceUsage().maxRSS / 1024,
  };
  console.log(`FIGURES ${JSON.stringify(f)}`);
}

function time(fn) {
  const t0 = process.hrtime.bigint();
  const r = fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, r };
}

function median(xs) {
  const v = xs.filter(x => x !== null && x !== undefined).sort((p, q) => p - q);
  if (!v.length) return null;
  return v.length % 2
    ? v[(v.length - 1) / 2]
    : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
}

function round(x) {
  return Math.round(x * 100) / 100;
}

if (process.argv[2] === '--child') child(Number(process.argv[3]));
else parent();
