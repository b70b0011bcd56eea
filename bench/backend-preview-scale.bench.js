#!/usr/bin/env node
/* eslint-disable no-console */
// A connectivity-request preview and a policy-source change at platform size,
// through the real backend (issue 15, item 4).
//
// The world is bench/lib/platformWorld.js at BENCH_SCALE (default 10:
// 20,001 workloads, 30,000 policies), split the way a platform keeps it: the
// cluster's Namespaces and Deployments in one folder (the workload source),
// the policies in a GitOps folder (the policy source, one file per namespace,
// clusterwide.yaml). Two catalog Components map to two of its workloads. The
// backend runs from its sources (as live-service.bench.js starts it) with
// SQLite in memory and no Hubble Relay.
//
// Figures:
//   - the first preview: includes the cluster's first full load (parse every
//     file, build the engine);
//   - warm previews (POST /api/cilium/requests/preview: auth, catalog,
//     ownership, generate, the engine's incremental one-change diff, the
//     guardrails): median, p95 and max of BENCH_PREVIEWS (default 15);
//   - a policy-source change: one policy added to one namespace's file; the
//     next preview includes the reload, which updates the engine with that
//     file alone; then the new policy is checked to be in force (the
//     source → destination edge it allows shows in the Network tab's route).
// Prints `BENCH_RESULT {json}` lines (bench/run.js merges them).
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const { platformWorld } = require('./lib/platformWorld');
const { assertPortsFree, waitFor } = require('./lib/backendUnderTest');
const YAML = require(require.resolve('yaml', {
  paths: [path.join(ROOT, 'packages/policy-engine')],
}));

const SCALE = Number(process.env.BENCH_SCALE || 10);
const PREVIEWS = Number(process.env.BENCH_PREVIEWS || 15);
const PORT = Number(process.env.BENCH_BACKEND_PORT || 7147);
const USER = 'aisha.bello'; // team-checkout in examples/catalog
const SOURCE = { ns: 'ns-0005', app: 'svc-10' };
const TARGET = { ns: 'ns-0009', app: 'svc-20' };
const WORKLOAD_KINDS = new Set([
  'Namespace',
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'Pod',
]);

const children = [];
process.on('exit', () => {
  for (const c of children) {
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});
process.on('SIGINT', () => process.exit(130));

function request(method, urlPath, headers = {}, body) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port: PORT,
        method,
        path: urlPath,
        headers: {
          ...headers,
          ...(data
            ? {
                'content-type': 'application/json',
                'content-length': Buffer.byteLength(data),
              }
            : {}),
        },
      },
      res => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', d => (text += d));
        res.on('error', reject);
        res.on('aborted', () =>
          reject(new Error(`${method} ${urlPath}: the response was cut off`)),
        );
        res.on('end', () => resolve({ status: res.statusCode, body: text }));
      },
    );
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

function result(name, value, unit, goal) {
  console.log(
    `BENCH_RESULT ${JSON.stringify({
      name,
      value: Math.round(value * 100) / 100,
      unit,
      goal,
    })}`,
  );
}

const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

/** Writes the world: workloads and policies in separate folders. */
function writeWorld(dir) {
  const world = platformWorld({ scale: SCALE });
  const cluster = path.join(dir, 'cluster');
  const policies = path.join(dir, 'policies');
  fs.mkdirSync(cluster, { recursive: true });
  fs.mkdirSync(policies, { recursive: true });
  const yaml = objs =>
    objs
      .map(o =>
        YAML.stringify(o, { lineWidth: 0, aliasDuplicateObjects: false }),
      )
      .join('---\n');
  for (const [file, objs] of world.files) {
    const w = objs.filter(o => WORKLOAD_KINDS.has(o.kind));
    const p = objs.filter(o => !WORKLOAD_KINDS.has(o.kind));
    if (w.length) fs.writeFileSync(path.join(cluster, file), yaml(w));
    if (p.length) fs.writeFileSync(path.join(policies, file), yaml(p));
  }
  const catalog = path.join(dir, 'catalog.yaml');
  fs.writeFileSync(
    catalog,
    [SOURCE, TARGET]
      .map(
        (w, i) => `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: bench-${i ? 'server' : 'client'}
  annotations:
    backstage.io/kubernetes-namespace: ${w.ns}
    backstage.io/kubernetes-label-selector: app=${w.app}
    cilium.backstage.io/cluster: dev
spec:
  type: service
  lifecycle: production
  owner: group:default/team-checkout
`,
      )
      .join('---\n'),
  );
  return { world, cluster, policies, catalog };
}

async function startBackend(dir, world) {
  assertPortsFree([PORT]);
  const config = path.join(dir, 'app-config.bench.yaml');
  fs.writeFileSync(
    config,
    `backend:
  baseUrl: http://localhost:${PORT}
  listen: { port: ${PORT} }
  database: { client: better-sqlite3, connection: ':memory:' }
catalog:
  locations:
    - { type: file, target: ${path.join(ROOT, 'examples/catalog/all.yaml')} }
    - { type: file, target: ${world.catalog} }
cilium:
  clusters:
    - name: dev
      policies: { type: directory, path: ${world.policies}, refreshSeconds: 1 }
      workloads: { type: manifests, path: ${world.cluster} }
  requests:
    publisher: { type: local-git, path: ${path.join(dir, 'gitops.git')} }
`,
  );
  const spawnedAt = performance.now();
  const backend = spawn(
    process.execPath,
    [
      '--max-old-space-size=4096',
      '-r',
      require.resolve('sucrase/register/ts'),
      'src/index.ts',
      '--config',
      '../../app-config.yaml',
      '--config',
      config,
    ],
    {
      cwd: path.join(ROOT, 'packages/backend'),
      env: {
        ...process.env,
        NODE_ENV: 'development',
        OTEL_METRICS_EXPORTER: 'none',
      },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(backend);
  // The backend's log, kept in the world's folder for a look afterwards.
  const logFile = fs.createWriteStream(path.join(dir, 'backend.log'));
  let log = '';
  for (const stream of [backend.stdout, backend.stderr])
    stream.on('data', d => {
      log = (log + d).slice(-200000);
      logFile.write(d);
      // the cluster's first full load (the coverage sampler starts it at start-up)
      if (
        backend.firstLoadMs === undefined &&
        /loaded .*\(all parsed\)/.test(log)
      )
        backend.firstLoadMs = performance.now() - spawnedAt;
    });
  backend.log = () => log;
  await waitFor(
    async () => (await request('GET', '/api/cilium/health')).status === 200,
    180000,
    'the backend',
  );
  const token = await waitFor(
    async () => {
      const res = await request('GET', '/api/auth/dev/refresh', {
        'x-dev-user': USER,
      });
      return res.status === 200
        ? JSON.parse(res.body).backstageIdentity.token
        : undefined;
    },
    120000,
    'a sign-in token',
  );
  const auth = { authorization: `Bearer ${token}` };
  await waitFor(
    async () =>
      (
        await request(
          'GET',
          '/api/catalog/entities/by-name/component/default/bench-server',
          auth,
        )
      ).status === 200,
    120000,
    'the bench entities in the catalog',
  );
  return { backend, auth };
}

function rssMb(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
  } catch {
    return NaN;
  }
}

async function main() {
  console.log(
    `machine: ${os.cpus().length} × ${os.cpus()[0].model}, ${(
      os.totalmem() /
      2 ** 30
    ).toFixed(0)} GiB, node ${process.version}`,
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'preview-bench-'));
  const world = writeWorld(dir);
  const size = `${SCALE}× (${world.world.workloads} workloads / ${world.world.policies} policies)`;
  console.log(`world ${size} in ${dir}`);
  const { backend, auth } = await startBackend(dir, world);

  const body = port => ({
    source: 'component:default/bench-client',
    target: { type: 'entity', ref: 'component:default/bench-server' },
    ports: [{ port, protocol: 'TCP' }],
    justification: 'The benchmark client calls the benchmark server.',
  });
  const preview = async port => {
    const started = performance.now();
    const res = await request(
      'POST',
      '/api/cilium/requests/preview',
      auth,
      body(port),
    );
    const ms = performance.now() - started;
    if (res.status !== 200)
      throw new Error(
        `preview answered ${res.status}: ${res.body.slice(0, 500)}`,
      );
    return { ms, plan: JSON.parse(res.body) };
  };

  const first = await preview(7000);
  console.log(
    `first preview after start-up: ${first.ms.toFixed(0)} ms, ${
      first.plan.policies?.length
    } policies generated, diff +${first.plan.diff?.added?.length}`,
  );
  const times = [];
  for (let i = 0; i < PREVIEWS; i++) times.push((await preview(7001 + i)).ms);
  times.sort((a, b) => a - b);
  console.log(`warm previews (ms): ${times.map(t => t.toFixed(0)).join(' ')}`);

  // A merged policy: one more policy in the source namespace's file.
  const file = path.join(world.policies, `${SOURCE.ns}.yaml`);
  fs.appendFileSync(
    file,
    `---\n${YAML.stringify({
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumNetworkPolicy',
      metadata: { name: 'bench-merged', namespace: SOURCE.ns },
      spec: {
        endpointSelector: { matchLabels: { app: SOURCE.app } },
        egress: [
          {
            toEndpoints: [
              {
                matchLabels: {
                  app: TARGET.app,
                  'k8s:io.kubernetes.pod.namespace': TARGET.ns,
                },
              },
            ],
            toPorts: [{ ports: [{ port: '6553', protocol: 'TCP' }] }],
          },
        ],
      },
    })}`,
  );
  await new Promise(r => setTimeout(r, 1100)); // the source's refreshSeconds
  const afterChange = await preview(6553);
  const reloadLine = backend
    .log()
    .split('\n')
    .reverse()
    .find(l => l.includes('Cluster dev: loaded'));
  console.log(
    `preview after the change: ${afterChange.ms.toFixed(
      0,
    )} ms; ${reloadLine?.trim()}`,
  );
  const incremental = /changed files applied/.test(reloadLine ?? '');
  // The merged policy is in force: port 6553 is already allowed on the
  // egress side, so the preview has no egress policy to add for it.
  const egressAdded = (afterChange.plan.policies ?? []).filter(p =>
    /egress/i.test(p.yaml ?? ''),
  ).length;
  console.log(
    `after the change: reload ${
      incremental ? 'incremental' : 'FULL'
    }; egress policies generated for 6553: ${egressAdded}`,
  );
  const warm = [];
  for (let i = 0; i < 5; i++) warm.push((await preview(7101 + i)).ms);
  warm.sort((a, b) => a - b);

  const goal = '≤ 200 ms (issue 15: a preview is a one-policy diff)';
  result(
    `backend preview ${size}: first preview after start-up (includes the cluster's first full load unless the coverage sampler, scheduled at start, loaded it first)`,
    first.ms,
    'ms',
    'reference',
  );
  if (backend.firstLoadMs !== undefined)
    result(
      `backend preview ${size}: from the backend's start to the cluster's first full load (its log line)`,
      backend.firstLoadMs,
      'ms',
      'reference',
    );
  result(
    `backend preview ${size}: warm preview through POST /requests/preview, median of ${PREVIEWS}`,
    percentile(times, 50),
    'ms',
    goal,
  );
  result(
    `backend preview ${size}: warm preview, p95 of ${PREVIEWS}`,
    percentile(times, 95),
    'ms',
    goal,
  );
  result(
    `backend preview ${size}: warm preview, max of ${PREVIEWS}`,
    times[times.length - 1],
    'ms',
    goal,
  );
  result(
    `backend preview ${size}: first preview after one policy merged (includes the ${
      incremental ? 'incremental' : 'FULL'
    } reload of the policy source)`,
    afterChange.ms,
    'ms',
    'seconds at most, not a full rebuild',
  );
  result(
    `backend preview ${size}: warm preview after the change, median of 5`,
    percentile(warm, 50),
    'ms',
    goal,
  );
  result(
    `backend preview ${size}: backend RSS after the previews`,
    rssMb(backend.pid),
    'MB',
    'reference',
  );
  if (!incremental) process.exitCode = 1;
}

// Exit when done: the backend child keeps the event loop alive, and the
// 'exit' handler above stops it.
main().then(
  () => process.exit(),
  e => {
    console.error(e);
    for (const c of children) console.error(c.log?.().slice(-3000));
    process.exit(1);
  },
);
