#!/usr/bin/env node
/* eslint-disable no-console */
// The live-flow service end to end, through the real backend (issue 4, part 7):
//   1. latency: the Relay stand-in emits synthetic flows over the sample world at
//      4,217 flows/s; a client follows one entity's server-sent-event stream
//      through the backend; latency = receive time − the flow's own time
//      (the stand-in stamps each flow with its timeline time and publishes it
//      at the next 2 ms tick). p50 and p99, measured after BENCH_SETTLE_SECONDS
//      (default 20) of traffic, over BENCH_LATENCY_SECONDS (default 30).
//   2. memory: the stand-in in bench mode (as fast as the backend drains) for
//      BENCH_RSS_SECONDS (default 300); the backend's RSS is sampled every 10 s;
//      reported: the final RSS and its growth over the last 2 minutes.
// Prints `BENCH_RESULT {json}` lines (bench/run.js merges them into results.json).
'use strict';
const fs = require('fs');
const http = require('http');
const os = require('os');
const {
  assertPortsFree,
  get: getFrom,
  listenerPid,
  runBenchmark,
  startBackend: startSampleBackend,
  startRelaySim,
  waitFor,
} = require('./lib/backendUnderTest');

const BACKEND_PORT = 7107;
const RELAY_PORT = 4345;
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS || 30);
const RSS_SECONDS = Number(process.env.BENCH_RSS_SECONDS || 300);
// Another batch interval than the default 250 ms (cilium.live.flushIntervalMs);
// its latency figures are recorded under their own names.
const FLUSH_MS = process.env.BENCH_FLUSH_INTERVAL_MS
  ? Number(process.env.BENCH_FLUSH_INTERVAL_MS)
  : undefined;
const VARIANT = FLUSH_MS ? ` (cilium.live.flushIntervalMs ${FLUSH_MS})` : '';
// The backend is still busy starting (catalog processing, first index build)
// when it first follows the stand-in; the latency phase measures the steady
// state after this many seconds of traffic.
const SETTLE_SECONDS = Number(process.env.BENCH_SETTLE_SECONDS ?? 20);
const RATE = 4217;
const ENTITY = process.env.BENCH_ENTITY || 'component/default/storefront';

function startSim(mode, extra) {
  return startRelaySim({ port: RELAY_PORT, mode, extra });
}

function get(pathname, headers = {}) {
  return getFrom(BACKEND_PORT, pathname, headers);
}

function rssMb(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) / 1024 : NaN;
}

function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[
    Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))
  ];
}

function report(name, value, unit, goal) {
  console.log(
    `BENCH_RESULT ${JSON.stringify({
      name,
      value: Math.round(value * 100) / 100,
      unit,
      goal,
    })}`,
  );
}

function startBackend() {
  // The backend's own sources run directly (no watch mode, no bundling), as
  // `npm start` would run them but without restarts on file changes.
  return startSampleBackend({
    port: BACKEND_PORT,
    relayPort: RELAY_PORT,
    user: 'aisha.bello',
    ciliumYaml: FLUSH_MS ? `  live: { flushIntervalMs: ${FLUSH_MS} }\n` : '',
    nodeFlags: (process.env.BENCH_BACKEND_NODE_FLAGS ?? '')
      .split(' ')
      .filter(Boolean),
  });
}

async function latencyPhase(token) {
  const latencies = [];
  const overheads = [];
  const transfers = [];
  let batches = 0;
  let lastBatchAt;
  const gaps = [];
  let lost = 0;
  let done;
  const finished = new Promise(r => (done = r));
  const req = http.get(
    {
      host: '127.0.0.1',
      port: BACKEND_PORT,
      path: `/api/cilium/entities/${ENTITY}/flows/stream`,
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'text/event-stream',
      },
    },
    res => {
      let buffer = '';
      let scanned = 0;
      const started = Date.now();
      res.setEncoding('utf8');
      res.on('data', chunk => {
        const now = Date.now();
        buffer += chunk;
        let i;
        // search only the new text for the end of an event (batches are ~0.5 MB)
        while ((i = buffer.indexOf('\n\n', Math.max(0, scanned - 1))) >= 0) {
          scanned = 0;
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const data = block.split('\n').find(l => l.startsWith('data: '));
          if (!data || !block.includes('event: flows')) continue;
          const batch = JSON.parse(data.slice(6));
          lost += batch.lost;
          // skip the first seconds (stream warm-up, index build)
          if (now - started < 5000) continue;
          let freshest = Infinity;
          for (const f of batch.flows) {
            const l = now - Date.parse(f.flow.time);
            latencies.push(l);
            freshest = Math.min(freshest, l);
          }
          if (batch.flows.length) overheads.push(freshest);
          if (batch.sentAt) transfers.push(now - Date.parse(batch.sentAt));
          if (lastBatchAt !== undefined) gaps.push(now - lastBatchAt);
          lastBatchAt = now;
          batches++;
        }
        scanned = buffer.length;
        if (now - started > (LATENCY_SECONDS + 5) * 1000) {
          req.destroy();
          done();
        }
      });
    },
  );
  req.on('error', () => done());
  await finished;
  latencies.sort((a, b) => a - b);
  overheads.sort((a, b) => a - b);
  transfers.sort((a, b) => a - b);
  gaps.sort((a, b) => a - b);
  return { latencies, lost, overheads, transfers, batches, gaps };
}

async function main() {
  assertPortsFree([BACKEND_PORT, RELAY_PORT]);
  console.log(
    `machine: ${os.cpus().length} × ${os.cpus()[0].model}, ${(
      os.totalmem() /
      2 ** 30
    ).toFixed(0)} GiB, node ${process.version}`,
  );
  let sim = startSim('synthetic', ['--rate', String(RATE)]);
  const { token } = await startBackend();
  await waitFor(
    async () => {
      const s = JSON.parse(
        (await get('/api/cilium/status', { authorization: `Bearer ${token}` }))
          .body,
      );
      return s.clusters[0]?.connected;
    },
    60000,
    'the backend to follow the stand-in',
  );

  await new Promise(r => setTimeout(r, SETTLE_SECONDS * 1000));
  console.log(
    `load average before the latency phase: ${os
      .loadavg()
      .map(x => x.toFixed(2))
      .join(' ')}`,
  );
  const { latencies, lost, overheads, transfers, batches, gaps } =
    await latencyPhase(token);
  console.log(
    `batch gaps at the client (${gaps.length}, spanning ${gaps.reduce(
      (a, b) => a + b,
      0,
    )} ms): min ${percentile(gaps, 0)} ms, p50 ${percentile(
      gaps,
      50,
    )} ms, p99 ${percentile(gaps, 99)} ms, max ${
      gaps[gaps.length - 1]
    } ms; load average ${os
      .loadavg()
      .map(x => x.toFixed(2))
      .join(' ')}`,
  );
  console.log(
    `latency: ${
      latencies.length
    } flows of ${ENTITY} in ${batches} batches over ${LATENCY_SECONDS} s, lost ${lost}; freshest flow per batch p50 ${percentile(
      overheads,
      50,
    )} ms, p99 ${percentile(
      overheads,
      99,
    )} ms (the pipeline without the batching wait)`,
  );
  report(
    `live service: stream emit → SSE receive p50 at ${RATE} flows/s${VARIANT}`,
    percentile(latencies, 50),
    'ms',
    '',
  );
  report(
    `live service: stream emit → SSE receive p99 at ${RATE} flows/s${VARIANT}`,
    percentile(latencies, 99),
    'ms',
    VARIANT ? 'reference' : '<= 250',
  );
  report(
    `live service: pipeline latency without the batching wait (freshest flow of each batch) p99${VARIANT}`,
    percentile(overheads, 99),
    'ms',
    '',
  );
  // The other reading of "stream emit": the backend's SSE stream emitting a batch (its sentAt) → the client has it.
  report(
    `live service: SSE emit (batch sentAt) → client receive p99 at ${RATE} flows/s${VARIANT}`,
    percentile(transfers, 99),
    'ms',
    'reference',
  );
  // batches per second between the first and the last batch counted
  const span = gaps.reduce((a, b) => a + b, 0) / 1000;
  report(
    `live service: SSE batches per second to one subscriber${VARIANT}`,
    gaps.length / span,
    'batches/s',
    VARIANT ? 'reference' : '<= 4',
  );

  // Memory at the sustained maximum (BENCH_RSS_SECONDS=0 skips it).
  if (RSS_SECONDS <= 0) return;
  process.kill(-sim.pid, 'SIGKILL');
  await waitFor(
    async () => listenerPid(RELAY_PORT) === undefined,
    10000,
    'the synthetic stand-in to exit',
  );
  sim = startSim('bench', []);
  const pid = listenerPid(BACKEND_PORT);
  const samples = [];
  const t0 = Date.now();
  let lastReceived = 0;
  let rate = 0;
  while (Date.now() - t0 < RSS_SECONDS * 1000) {
    await new Promise(r => setTimeout(r, 10000));
    const s = JSON.parse(
      (await get('/api/cilium/status', { authorization: `Bearer ${token}` }))
        .body,
    ).clusters[0];
    rate = (s.flowsReceived - lastReceived) / 10;
    lastReceived = s.flowsReceived;
    const rss = rssMb(pid);
    samples.push({ t: (Date.now() - t0) / 1000, rss });
    console.log(
      `t=${Math.round((Date.now() - t0) / 1000)} s rss=${rss.toFixed(
        0,
      )} MB ingest=${rate.toFixed(0)} flows/s load=${os
        .loadavg()[0]
        .toFixed(2)}`,
    );
  }
  const last = samples[samples.length - 1];
  const twoMinAgo = samples.find(x => x.t >= last.t - 120) ?? samples[0];
  const growth =
    ((last.rss - twoMinAgo.rss) / Math.max(1, last.t - twoMinAgo.t)) * 60;
  report(
    `live service: backend RSS after ${RSS_SECONDS} s at the sustained maximum`,
    last.rss,
    'MB',
    '<= 400',
  );
  report(
    'live service: backend RSS growth over the last 2 minutes',
    growth,
    'MB/min',
    '~0 (flat)',
  );
  report(
    'live service: sustained ingest during the memory run (through the backend)',
    rate,
    'flows/s',
    '',
  );
}

runBenchmark(main);
