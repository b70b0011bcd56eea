/* eslint-disable no-console */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  DirectoryManifestSource,
  GitManifestSource,
} from '@cilium-zero-trust/plugin-cilium-node';
import { EngineVerdictSource } from './engineVerdicts';
import { RawBenchServer } from './rawBenchServer';
import { readCaptures, ReplayGenerator } from './replay';
import { SyntheticGenerator } from './synthetic';
import { loadSimWorld } from './world';
import { HubbleRelaySim, SimEvent } from './server';
import { Timeline } from './timeline';
import type { FlowGenerator } from './timeline';

const USAGE = `hubble-relay-sim — a Hubble Relay stand-in (observer.Observer over gRPC)

Usage:
  hubble-relay-sim [synthetic] --cluster DIR (--policies DIR | --policies-git REPO) [--catalog DIR] [options]
  hubble-relay-sim replay --replay PATH [--replay PATH...] [options]
  hubble-relay-sim bench (--replay PATH | --cluster DIR --policies DIR [--catalog DIR]) [options]

Modes:
  synthetic  traffic among the cluster's workloads following the catalog's
             dependsOn, DNS lookups and stray calls; verdicts from the policy
             engine over the policies (re-read when they change)
  replay     hubble observe -o json captures (files or folders)
  bench      follow streams get pre-encoded flows as fast as they can take them

Policies (synthetic and bench modes):
  --policies DIR       a folder of policy manifests
  --policies-git REPO  a git repository (local path or URL), e.g. the backend's
                       embedded GitOps repository packages/backend/data/gitops.git;
                       waits until it exists, follows the branch head
  --git-branch B       branch of --policies-git (default main)
  --git-path P         folder of the policies in --policies-git (default policies)

Options:
  --listen ADDR        listen address (default localhost:4245; --port P = localhost:P)
  --rate N             flows per second (default 50)
  --seed S             seed of the synthetic traffic and generated uuids (default "sim")
  --epoch TIME         time of flow 0 (RFC 3339 or epoch ms; default now). With the same
                       --epoch and --seed a restarted stand-in serves the same flows.
  --timestamps MODE    replay: rebase (default; loop on a fresh timeline) or original (once, as captured)
  --buffer N           ring buffer size (default 16383)
  --nodes a,b          simulated node names (default sim-node-1,sim-node-2,sim-node-3)
  --cluster-name NAME  synthetic: the cluster simulated: flows carry it as their endpoints'
                       cluster name, and catalog components are mapped when they run in it
                       (cilium.backstage.io/cluster); default: Cilium's "default", mapping
                       the components of the default cluster
  --default-cluster N  synthetic: the cluster of components that name none (default: the
                       --cluster-name, else dev)
  --tls-cert F --tls-key F [--tls-client-ca F]   serve TLS (mTLS with a client CA)
  --transport T        bench: grpc-js (default; one grpc-js write per flow) or raw (GetFlows
                       follow only, pre-framed flows written in large HTTP/2 chunks: the
                       sender's CPU stays small, so a benchmark measures the client)
  --quiet              no periodic status line
  --help
`;

function fail(message: string): never {
  console.error(`hubble-relay-sim: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function parseEpoch(text: string | undefined): number | undefined {
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) fail(`--epoch: not a time: ${text}`);
  return ms;
}

/**
 * Retries `attempt` every second until it succeeds, saying once why it waits
 * (e.g. the backend has not created its GitOps repository yet).
 */
async function waitFor<T>(attempt: () => Promise<T>): Promise<T> {
  let said = false;
  for (;;) {
    try {
      return await attempt();
    } catch (e) {
      if (!said) {
        console.log(`hubble-relay-sim: waiting — ${(e as Error).message}`);
        said = true;
      }
      await new Promise(r => setTimeout(r, 1000));
    }
  }
}

/** @public */
export async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      listen: { type: 'string' },
      port: { type: 'string' },
      rate: { type: 'string' },
      seed: { type: 'string' },
      epoch: { type: 'string' },
      timestamps: { type: 'string' },
      buffer: { type: 'string' },
      nodes: { type: 'string' },
      cluster: { type: 'string' },
      'cluster-name': { type: 'string' },
      'default-cluster': { type: 'string' },
      policies: { type: 'string' },
      'policies-git': { type: 'string' },
      'git-branch': { type: 'string' },
      'git-path': { type: 'string' },
      catalog: { type: 'string' },
      replay: { type: 'string', multiple: true },
      mode: { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'tls-client-ca': { type: 'string' },
      transport: { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const mode =
    values.mode ?? positionals[0] ?? (values.replay ? 'replay' : 'synthetic');
  if (!['synthetic', 'replay', 'bench'].includes(mode))
    fail(`unknown mode ${mode}`);
  const rate = values.rate ? Number(values.rate) : 50;
  if (!(rate > 0)) fail('--rate must be a positive number');
  const listen = values.listen ?? `localhost:${values.port ?? '4245'}`;
  const seed = values.seed ?? 'sim';
  const nodes = values.nodes
    ? values.nodes.split(',').filter(Boolean)
    : ['sim-node-1', 'sim-node-2', 'sim-node-3'];
  const bufferCapacity = values.buffer ? Number(values.buffer) : 16383;
  const tls =
    values['tls-cert'] && values['tls-key']
      ? {
          cert: fs.readFileSync(values['tls-cert']),
          key: fs.readFileSync(values['tls-key']),
          ...(values['tls-client-ca']
            ? {
                clientCa: fs.readFileSync(values['tls-client-ca']),
                requireClientCert: true,
              }
            : {}),
        }
      : undefined;

  const transport = values.transport ?? 'grpc-js';
  if (!['grpc-js', 'raw'].includes(transport))
    fail(`unknown --transport ${transport}`);
  if (transport === 'raw' && (mode !== 'bench' || tls))
    fail('--transport raw is for bench mode without TLS');
  const sim = new HubbleRelaySim({ nodes, bufferCapacity, tls });
  // Listen first: clients (and process supervisors waiting for the port) can
  // connect while the policies are still being waited for.
  let port = transport === 'raw' ? 0 : await sim.listen(listen);
  let generator: FlowGenerator;
  let describe: string;
  let closeVerdicts: (() => void) | undefined;
  if (values.replay) {
    const lines = readCaptures(values.replay);
    const timestamps = values.timestamps === 'original' ? 'original' : 'rebase';
    generator = new ReplayGenerator(lines, {
      timestamps,
      seed,
      flowsOnly: true,
    });
    describe = `replay of ${lines.length} captured events (${timestamps} timestamps)`;
  } else {
    if (!values.cluster || !(values.policies || values['policies-git']))
      fail(`${mode} mode needs --cluster and --policies or --policies-git`);
    if (values.policies && values['policies-git'])
      fail('give either --policies or --policies-git, not both');
    const world = await loadSimWorld({
      clusterDir: path.resolve(values.cluster),
      catalogDir: values.catalog ? path.resolve(values.catalog) : undefined,
      cluster: values['cluster-name'] ?? values['default-cluster'],
      defaultCluster: values['default-cluster'],
      nodes,
    });
    const policies = values['policies-git']
      ? new GitManifestSource({
          url: values['policies-git'],
          branch: values['git-branch'] ?? 'main',
          path: values['git-path'] ?? 'policies',
          refreshSeconds: 2,
        })
      : new DirectoryManifestSource(path.resolve(values.policies!));
    const createVerdicts = () =>
      EngineVerdictSource.create({
        clusterDir: path.resolve(values.cluster!),
        policies,
        onReload: ({ revision, error }) =>
          error
            ? console.error(
                `hubble-relay-sim: policies not reloaded (keeping revision ${revision}): ${error.message}`,
              )
            : console.log(
                `hubble-relay-sim: policies changed, now at revision ${revision}`,
              ),
      });
    // A git repository may not exist yet (the backend creates it at startup):
    // wait for it. A folder that cannot be read is a mistake: say so and stop.
    const verdicts = values['policies-git']
      ? await waitFor(createVerdicts)
      : await createVerdicts().catch(e => fail((e as Error).message));
    closeVerdicts = () => verdicts.close();
    generator = new SyntheticGenerator(world, verdicts, {
      seed,
      clusterName: values['cluster-name'],
    });
    describe = `synthetic traffic: ${world.workloads.length} workloads, ${world.calls.length} declared calls, ${world.externals.length} external peers`;
  }

  let timeline: Timeline | undefined;
  if (mode === 'bench') {
    // A pool of distinct pre-encoded flows, served in a loop.
    const events: SimEvent[] = [];
    const epochMs = Date.now();
    for (let k = 0; k < 4096; k++) {
      const json = generator.eventAt(k, new Date(epochMs + k).toISOString());
      if (!json) break;
      events.push(HubbleRelaySim.event(json));
    }
    if (transport === 'raw') {
      port = await new RawBenchServer(events, { nodes }).listen(listen);
    } else {
      sim.setBenchPool({ events });
    }
    describe += `, bench mode (${events.length} pre-encoded flows, full speed, ${transport} transport)`;
  } else {
    timeline = new Timeline(sim, generator, {
      rate,
      epochMs: parseEpoch(values.epoch),
      backfill: values.epoch ? bufferCapacity : 0,
    });
  }
  timeline?.start();
  const host = listen.slice(0, listen.lastIndexOf(':'));
  console.log(
    `hubble-relay-sim listening on ${host}:${port} — ${describe}${
      timeline ? `, ${rate} flows/s` : ''
    }`,
  );

  let statusTimer: NodeJS.Timeout | undefined;
  if (!values.quiet) {
    statusTimer = setInterval(() => {
      console.log(
        `hubble-relay-sim: ${sim.seenFlows} flows sent into the buffer, ${sim.followerCount} following clients`,
      );
    }, 30000);
    statusTimer.unref();
  }
  const shutdown = async () => {
    timeline?.stop();
    closeVerdicts?.();
    if (statusTimer) clearInterval(statusTimer);
    await sim.close();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}
