#!/usr/bin/env node
/* eslint-disable no-console */
// The per-minute traffic counters behind the Network tab's "Traffic over time"
// chart (plugins/cilium-backend/src/services/history, issue 14 part 2):
//   1. memory at the cap: maxEntities × (peersPerEntity + 1) one-hour series
//      (each entity's totals plus its peers), every series filled, measured in
//      a child process per configuration (heap + array buffers, and RSS);
//   2. the hot path: EntityTrafficHistory.count() in CPU ns per call over 200
//      entities × 20 peers with the clock moving a minute every 600,000 calls
//      (10,000 flows/s), and the young-generation GCs during the timed loop
//      (none means no allocation per flow);
//   3. what it adds to LiveFlowService.ingest(): realistic decoded flows
//      (bench/lib/realisticFlows.js: 8 namespaces × 6 apps, 48 entities, each
//      with more peers than the cap) mapped to catalog entities, CPU ns per
//      flow with the counters and with count() stubbed out, in paired rounds.
// Env: TRAFFIC_HISTORY_CONFIGS (default "1000x30,5000x30,1000x100"),
// TRAFFIC_HISTORY_RUNS (default 5), TRAFFIC_HISTORY_PARTS (default
// "memory,count,ingest").
'use strict';
const path = require('path');
const { spawnSync } = require('child_process');
const { PerformanceObserver } = require('perf_hooks');

const ROOT = path.resolve(__dirname, '..');
require(require.resolve('sucrase/register/ts', { paths: [ROOT] }));

const historyModule = () =>
  require('../plugins/cilium-backend/src/services/history/EntityTrafficHistory.ts');
const { FORWARDED, DROPPED } = {
  FORWARDED: 0,
  DROPPED: 1,
};
const T0 = Date.parse('2026-11-26T10:00:00Z');
const MINUTE = 60_000;
const RUNS = Number(process.env.TRAFFIC_HISTORY_RUNS || 5);

function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * q))];
}

function median(xs) {
  return quantile(xs, 0.5);
}

function report(name, value, unit, goal) {
  console.log(
    `BENCH_RESULT ${JSON.stringify({
      name,
      value,
      unit,
      ...(goal ? { goal } : {}),
    })}`,
  );
}

// --- 1. memory at the cap (child process per configuration) -----------------

function memoryChild(entities, peers) {
  const { EntityTrafficHistory } = historyModule();
  // The refs and peer ids exist anyway (the entity index, the decoded flows):
  // made before the baseline so that only the counters are measured.
  const refs = Array.from(
    { length: entities },
    (_, i) => `component:default/service-${i}`,
  );
  const peerIds = Array.from(
    { length: peers },
    (_, i) => `component:default/peer-${i}`,
  );
  global.gc();
  global.gc();
  const before = process.memoryUsage();
  const h = new EntityTrafficHistory({
    maxEntities: entities,
    peersPerEntity: peers,
  });
  // Every minute of the hour for every entity and peer.
  for (let m = 0; m < 60; m++) {
    const now = T0 + m * MINUTE;
    for (const ref of refs)
      for (const p of peerIds)
        h.count(ref, p, 'entity', m % 3 ? FORWARDED : DROPPED, now, now);
  }
  global.gc();
  global.gc();
  const after = process.memoryUsage();
  if (h.size !== entities) throw new Error(`kept ${h.size} entities`);
  const heap =
    after.heapUsed - before.heapUsed + (after.external - before.external);
  console.log(
    `FIGURES ${JSON.stringify({
      heap,
      arrayBuffers: after.arrayBuffers - before.arrayBuffers,
      rss: after.rss - before.rss,
      series: entities * (peers + 1),
    })}`,
  );
}

function memory() {
  const configs = (
    process.env.TRAFFIC_HISTORY_CONFIGS ?? '1000x30,5000x30,1000x100'
  )
    .split(',')
    .map(c => c.split('x').map(Number));
  for (const [entities, peers] of configs) {
    const runs = [];
    for (let r = 0; r < 3; r++) {
      const out = spawnSync(
        process.execPath,
        [
          '--expose-gc',
          '-r',
          require.resolve('sucrase/register/ts', { paths: [ROOT] }),
          __filename,
          '--memory-child',
          String(entities),
          String(peers),
        ],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const line = (out.stdout ?? '')
        .split('\n')
        .find(l => l.startsWith('FIGURES '));
      if (!line) throw new Error(`memory child failed: ${out.stdout}`);
      runs.push(JSON.parse(line.slice(8)));
    }
    const heap = median(runs.map(r => r.heap));
    const rss = median(runs.map(r => r.rss));
    const series = runs[0].series;
    const cap = `${entities} entities × ${peers} peers`;
    console.log(
      `${cap}: ${series} series, heap + external ${(heap / 1e6).toFixed(
        1,
      )} MB (${Math.round(heap / series)} B/series), RSS +${(rss / 1e6).toFixed(
        1,
      )} MB (runs: ${runs.map(r => (r.heap / 1e6).toFixed(1)).join(' / ')} MB)`,
    );
    report(
      `traffic-history memory at the cap (${cap}), heap + external`,
      Math.round(heap / 1e5) / 10,
      'MB',
      entities === 1000 && peers === 30
        ? 'stated in config.d.ts and the README (default cap)'
        : undefined,
    );
    report(
      `traffic-history bytes per one-hour series (${cap})`,
      Math.round(heap / series),
      'bytes',
    );
    report(
      `traffic-history RSS growth at the cap (${cap})`,
      Math.round(rss / 1e5) / 10,
      'MB',
    );
  }
}

// --- 2. count() on its own --------------------------------------------------

function youngGcCounter() {
  let minor = 0;
  const obs = new PerformanceObserver(list => {
    for (const e of list.getEntries()) {
      // NODE_PERFORMANCE_GC_MINOR = 1
      if ((e.detail?.kind ?? e.kind) === 1) minor++;
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  return {
    read: () =>
      new Promise(r =>
        setImmediate(() => {
          obs.disconnect();
          r(minor);
        }),
      ),
  };
}

async function hotPath() {
  const { EntityTrafficHistory } = historyModule();
  const refs = Array.from(
    { length: 200 },
    (_, i) => `component:default/service-${i}`,
  );
  const peers = Array.from(
    { length: 20 },
    (_, i) => `component:default/peer-${i}`,
  );
  const N = 6_000_000;
  // A flow's entity and peer, precomputed (as the ingest has them at hand).
  const e = new Uint16Array(N);
  const p = new Uint8Array(N);
  let x = 12345;
  for (let i = 0; i < N; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    e[i] = x % 200;
    p[i] = (x >>> 8) % 20;
  }
  const ns = [];
  let gcs = 0;
  for (let run = 0; run < RUNS; run++) {
    const h = new EntityTrafficHistory({
      maxEntities: 1000,
      peersPerEntity: 30,
    });
    // Warm up (and create every entity and peer) outside the timed loop.
    for (let i = 0; i < 200_000; i++)
      h.count(refs[e[i]], peers[p[i]], 'entity', i % 10 ? 0 : 1, T0, T0);
    global.gc();
    const counter = youngGcCounter();
    const t0 = process.cpuUsage();
    for (let i = 0; i < N; i++) {
      // 10,000 flows/s: the minute changes every 600,000 flows.
      const now = T0 + Math.floor(i / 10);
      h.count(refs[e[i]], peers[p[i]], 'entity', i % 10 ? 0 : 1, now, now);
    }
    const t = process.cpuUsage(t0);
    gcs += await counter.read();
    ns.push(((t.user + t.system) * 1000) / N);
  }
  const med = median(ns);
  console.log(
    `count(): ${med.toFixed(1)} ns per flow (runs ${ns
      .map(v => v.toFixed(1))
      .join(' / ')}), ${gcs} young-generation GCs in ${RUNS} × ${N} calls`,
  );
  report('traffic-history count() per flow', Math.round(med * 10) / 10, 'ns');
  report(
    `traffic-history young-generation GCs during ${RUNS} × ${
      N / 1e6
    }M count() calls`,
    gcs,
    'GCs',
    '0 (no allocation per flow)',
  );
}

// --- 3. what it adds to LiveFlowService.ingest --------------------------------

async function ingest() {
  const { realisticFlows, NAMESPACES, APPS } = require('./lib/realisticFlows');
  const {
    encodeGetFlowsResponse,
  } = require('../packages/hubble-relay-sim/src/relayCodec.ts');
  const { decodeGetFlowsResponseLean } = require('../plugins/cilium-node/src');
  const {
    LiveFlowService,
  } = require('../plugins/cilium-backend/src/services/live/LiveFlowService.ts');
  const logger = {
    info() {},
    warn() {},
    error() {},
    debug() {},
    child() {
      return logger;
    },
  };
  const entities = [];
  for (const ns of NAMESPACES)
    for (const app of APPS)
      entities.push({
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Component',
        metadata: {
          name: `${ns}-${app}`,
          namespace: 'default',
          annotations: {
            'backstage.io/kubernetes-namespace': ns,
            'backstage.io/kubernetes-id': `${ns}-${app}`,
          },
        },
        spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
      });
  const flows = realisticFlows(50_000).map(json => {
    const r = decodeGetFlowsResponseLean(encodeGetFlowsResponse(json));
    if (r.kind !== 'flow') throw new Error('not a flow');
    return r.flow;
  });
  let now = Date.parse('2026-03-01T00:00:10Z');
  const make = () => {
    const live = new LiveFlowService(
      {
        clusters: [{ name: 'dev' }],
        defaultCluster: 'dev',
        logger,
        now: () => now,
      },
      { flowsPerEntity: 200, bytesPerEntity: 200 * 2048 },
    );
    live.updateEntities(entities);
    return live;
  };
  const probe = make();
  for (const f of flows.slice(0, 1000)) probe.ingest('dev', f);
  const mapped = probe.trafficHistory(
    `component:default/${NAMESPACES[0]}-${APPS[0]}`,
    { minutes: 60, peers: 0 },
  );
  if (!mapped.buckets.some(b => b.forwarded + b.dropped > 0))
    throw new Error('the flows do not map to the bench entities');

  // Paired rounds on one CPU-time clock: each round feeds the same 50,000
  // flows to a service with the counters and to one with count() stubbed,
  // in alternating order, so load from other processes on this shared
  // machine hits both alike; reported: medians and the median difference.
  const withHistory = make();
  const stubbed = make();
  stubbed.history.count = () => {};
  const cpuNs = live => {
    const t0 = process.cpuUsage();
    for (const f of flows) live.ingest('dev', f);
    const t = process.cpuUsage(t0);
    return ((t.user + t.system) * 1000) / flows.length;
  };
  for (let w = 0; w < 3; w++) {
    cpuNs(withHistory);
    cpuNs(stubbed);
  }
  const ROUNDS = RUNS * 8;
  const a = [];
  const b = [];
  const diff = [];
  for (let r = 0; r < ROUNDS; r++) {
    now += 5000;
    let x;
    let y;
    if (r % 2) {
      y = cpuNs(stubbed);
      x = cpuNs(withHistory);
    } else {
      x = cpuNs(withHistory);
      y = cpuNs(stubbed);
    }
    a.push(x);
    b.push(y);
    diff.push(x - y);
  }
  const ma = median(a);
  const mb = median(b);
  const md = median(diff);
  console.log(
    `LiveFlowService.ingest (CPU time, ${ROUNDS} paired rounds of ${
      flows.length
    } flows): ${ma.toFixed(0)} ns per flow with the counters, ${mb.toFixed(
      0,
    )} ns with count() stubbed; difference per round: median ${md.toFixed(
      0,
    )} ns, quartiles ${quantile(diff, 0.25).toFixed(0)} / ${quantile(
      diff,
      0.75,
    ).toFixed(0)} ns`,
  );
  report(
    'LiveFlowService.ingest per flow (CPU), with traffic history',
    Math.round(ma),
    'ns',
  );
  report(
    'LiveFlowService.ingest per flow (CPU), traffic-history count() stubbed',
    Math.round(mb),
    'ns',
  );
  report(
    'traffic history cost in LiveFlowService.ingest per flow (paired median)',
    Math.round(md),
    'ns',
  );
  report(
    'traffic history share of LiveFlowService.ingest',
    Math.round((1000 * md) / ma) / 10,
    '%',
  );
}

async function main() {
  if (process.argv[2] === '--memory-child') {
    memoryChild(Number(process.argv[3]), Number(process.argv[4]));
    return;
  }
  const parts = (process.env.TRAFFIC_HISTORY_PARTS ?? 'memory,count,ingest')
    .split(',')
    .map(x => x.trim());
  if (parts.includes('memory')) memory();
  if (parts.includes('count')) await hotPath();
  if (parts.includes('ingest')) await ingest();
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
