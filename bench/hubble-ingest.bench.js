#!/usr/bin/env node
/* eslint-disable no-console */
// Hubble flow ingest benchmark (issue 4, part 7).
//
// The Relay stand-in runs in its own process in bench mode (pre-encoded
// GetFlowsResponse messages, as fast as the client drains), twice: with its
// default grpc-js transport and with the raw transport (pre-framed messages in
// large HTTP/2 chunks, a few percent of a core). Each client runs in a worker
// thread and is measured over a window after a warm-up:
//   1. pass-through transport ceiling (grpc-js client, Buffer deserializer, no decode)
//   2. end to end: HubbleRelayClient (lean decoder) → entity mapping → aggregation
//   3. the same over @grpc/proto-loader (reference only)
//   4. scaling (raw stand-in): 2 worker threads, each following half the
//      namespaces (relay-side whitelist filters), vs 2. on the same stand-in
// Prints one `BENCH_RESULT {json}` line per figure (bench/run.js merges them
// into bench/results.json).
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { Worker } = require('worker_threads');
const { realisticFlows, NAMESPACES, APPS } = require('./lib/realisticFlows');

const ROOT = path.resolve(__dirname, '..');
const SIM = path.join(ROOT, 'packages/hubble-relay-sim/bin/hubble-relay-sim');
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS || 2000);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS || 8000);
const RUNS = Number(process.env.BENCH_RUNS || 3);

function startSim(capture, transport) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        SIM,
        'bench',
        '--replay',
        capture,
        '--listen',
        '127.0.0.1:0',
        '--transport',
        transport,
        '--quiet',
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', d => {
      out += d;
      const m = /listening on .*:(\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.on('exit', code =>
      reject(new Error(`stand-in exited with ${code}: ${out}`)),
    );
  });
}

function runWorkers(port, mode, filterSets) {
  return Promise.all(
    filterSets.map(
      ({ whitelist, blacklist } = {}) =>
        new Promise((resolve, reject) => {
          const w = new Worker(
            path.join(__dirname, 'lib/hubble-ingest-worker.js'),
            {
              workerData: {
                mode,
                port,
                warmupMs: WARMUP_MS,
                durationMs: DURATION_MS,
                whitelist,
                blacklist,
                namespaces: NAMESPACES,
                apps: APPS,
              },
            },
          );
          w.once('message', m => {
            resolve(m);
            w.terminate();
          });
          w.once('error', reject);
        }),
    ),
  );
}

/** CPU seconds (user+system) used so far by a process, from /proc (Linux). */
function cpuSeconds(pid) {
  try {
    const fields = fs
      .readFileSync(`/proc/${pid}/stat`, 'utf8')
      .split(') ')[1]
      .split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

async function withSimCpu(pid, fn) {
  const c0 = cpuSeconds(pid);
  const t0 = Date.now();
  const out = await fn();
  const cores = (cpuSeconds(pid) - c0) / ((Date.now() - t0) / 1000);
  return { out, simCores: cores };
}

function median(xs) {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function nsFilter(list) {
  return [
    { source_pod: list.map(n => `${n}/`) },
    { destination_pod: list.map(n => `${n}/`) },
  ];
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hubble-bench-'));
  const capture = path.join(dir, 'flows.jsonl');
  const flows = realisticFlows(4096);
  fs.writeFileSync(
    capture,
    flows.map(f => JSON.stringify(f)).join('\n') + '\n',
  );
  // The scaling run splits namespaces so that each half carries about the same traffic.
  const half = [
    NAMESPACES.filter((_, i) => i % 2 === 0),
    NAMESPACES.filter((_, i) => i % 2 === 1),
  ];
  // Flows whose source and destination sit in different halves would match both
  // whitelists; the second worker blacklists the first one's filters, so the two
  // streams are disjoint and together carry every flow exactly once.
  const w1 = { whitelist: nsFilter(half[0]) };
  const w2 = { whitelist: nsFilter(half[1]), blacklist: nsFilter(half[0]) };

  const loadBefore = os.loadavg()[0];
  // Two stand-ins: the default grpc-js transport (one grpc-js write per
  // flow, as `npm start` serves) and the raw transport (pre-framed flows in
  // large HTTP/2 chunks), whose sender needs a few percent of a core, so that
  // on this 2-CPU machine two client threads can have the CPUs to themselves.
  const grpcSim = await startSim(capture, 'grpc-js');
  const rawSim = await startSim(capture, 'raw');
  const results = {
    passthrough: [],
    e2e: [],
    ratio: [],
    e2eUtil: [],
    simCoresE2e: [],
    rawPassthrough: [],
    rawE2e: [],
    rawRatio: [],
    rawSimCores: [],
    scaled: [],
    scaling: [],
    scaledUtil: [],
    protoloader: [],
  };
  let avgBytes = 0;
  try {
    for (let run = 0; run < RUNS; run++) {
      const [p] = await runWorkers(grpcSim.port, 'passthrough', [{}]);
      results.passthrough.push(p.rate);
      avgBytes = p.avgBytes;
      const {
        out: [e],
        simCores: simE2e,
      } = await withSimCpu(grpcSim.child.pid, () =>
        runWorkers(grpcSim.port, 'e2e', [{}]),
      );
      results.simCoresE2e.push(simE2e);
      results.e2e.push(e.rate);
      results.e2eUtil.push(e.utilization);
      // Ratios are taken within a run (paired), then the median over runs.
      results.ratio.push(e.rate / p.rate);

      const [rp] = await runWorkers(rawSim.port, 'passthrough', [{}]);
      results.rawPassthrough.push(rp.rate);
      const [re] = await runWorkers(rawSim.port, 'e2e', [{}]);
      results.rawE2e.push(re.rate);
      results.rawRatio.push(re.rate / rp.rate);
      const { out: two, simCores } = await withSimCpu(rawSim.child.pid, () =>
        runWorkers(rawSim.port, 'e2e', [w1, w2]),
      );
      results.rawSimCores.push(simCores);
      results.scaled.push(two[0].rate + two[1].rate);
      results.scaling.push((two[0].rate + two[1].rate) / re.rate);
      results.scaledUtil.push(two[0].utilization + two[1].utilization);
      console.error(
        `run ${run + 1}: grpc-js stand-in: pass-through ${p.rate.toFixed(
          0,
        )}/s, ` +
          `e2e ${e.rate.toFixed(0)}/s (util ${e.utilization.toFixed(2)}, ${
            e.edges
          } edges, stand-in ${simE2e.toFixed(2)} cores); ` +
          `raw stand-in: pass-through ${rp.rate.toFixed(
            0,
          )}/s, e2e ${re.rate.toFixed(0)}/s, ` +
          `2 workers ${two.map(t => t.rate.toFixed(0)).join('+')}/s (util ${two
            .map(t => t.utilization.toFixed(2))
            .join('+')}, stand-in ${simCores.toFixed(2)} cores); load ${os
            .loadavg()[0]
            .toFixed(2)}`,
      );
    }
    const [pl] = await runWorkers(grpcSim.port, 'protoloader', [{}]);
    results.protoloader.push(pl.rate);
    console.error(`proto-loader reference: ${pl.rate.toFixed(0)}/s`);
  } finally {
    grpcSim.child.kill('SIGTERM');
    rawSim.child.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const loadAfter = os.loadavg()[0];
  const r2 = x => Number(median(x).toFixed(2));
  const figures = [
    {
      name: 'hubble-ingest: message size (GetFlowsResponse, realistic flow)',
      value: Math.round(avgBytes),
      unit: 'bytes',
      goal: '≈ 1800',
    },
    {
      name: 'hubble-ingest: pass-through transport ceiling, 1 core (grpc-js stand-in)',
      value: Math.round(median(results.passthrough)),
      unit: 'flows/s',
      goal: 'reference (83k–110k measured beforehand)',
    },
    {
      name: 'hubble-ingest: end-to-end ingest per core (grpc-js stand-in → client → lean decode → entity mapping → aggregation)',
      value: Math.round(median(results.e2e)),
      unit: 'flows/s',
      goal: '≥ 50000',
    },
    {
      name: 'hubble-ingest: end-to-end / pass-through ceiling (grpc-js stand-in, same run)',
      value: r2(results.ratio),
      unit: 'ratio',
      goal: '≥ 0.5',
    },
    {
      name: 'hubble-ingest: client core utilisation during end-to-end run',
      value: r2(results.e2eUtil),
      unit: 'fraction of one core',
      goal: 'reference (≈ 1 = client-bound)',
    },
    {
      name: 'hubble-ingest: pass-through, 1 core (raw stand-in: the client-side transport alone)',
      value: Math.round(median(results.rawPassthrough)),
      unit: 'flows/s',
      goal: 'reference',
    },
    {
      name: 'hubble-ingest: end-to-end ingest per core (raw stand-in)',
      value: Math.round(median(results.rawE2e)),
      unit: 'flows/s',
      goal: 'reference (≥ 50000)',
    },
    {
      name: 'hubble-ingest: end-to-end / pass-through (raw stand-in, same run)',
      value: r2(results.rawRatio),
      unit: 'ratio',
      goal: 'reference (see bench/README.md)',
    },
    {
      name: 'hubble-ingest: 2 worker threads (namespace whitelist per worker), total (raw stand-in)',
      value: Math.round(median(results.scaled)),
      unit: 'flows/s',
      goal: 'reference',
    },
    {
      name: 'hubble-ingest: scaling, 2 worker threads vs 1 core (raw stand-in, same run)',
      value: r2(results.scaling),
      unit: 'ratio',
      goal: '≥ 1.7',
    },
    {
      name: 'hubble-ingest: stand-in CPU: grpc-js 1-core run / raw 2-worker run',
      value: `${median(results.simCoresE2e).toFixed(2)} / ${median(
        results.rawSimCores,
      ).toFixed(2)}`,
      unit: 'cores (of ' + os.cpus().length + ')',
      goal: 'reference (sender cost on the same machine)',
    },
    {
      name: 'hubble-ingest: @grpc/proto-loader decode + same aggregation (reference)',
      value: Math.round(median(results.protoloader)),
      unit: 'flows/s',
      goal: 'reference (14k–27k measured beforehand)',
    },
  ];
  figures.push({
    name: 'hubble-ingest: machine load average (1 min) before / after the run',
    value: `${loadBefore.toFixed(2)} / ${loadAfter.toFixed(2)}`,
    unit: `runnable tasks on ${os.cpus().length} CPUs`,
    goal: 'reference (figures are only meaningful on an otherwise idle machine)',
  });
  for (const f of figures) console.log(`BENCH_RESULT ${JSON.stringify(f)}`);
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
