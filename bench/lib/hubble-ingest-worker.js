/* eslint-disable */
// One ingest client for the Hubble ingest benchmark, run in a worker thread.
// Modes: passthrough (grpc-js transport only), e2e (HubbleRelayClient → lean
// decoder → entity mapping → aggregation), protoloader (@grpc/proto-loader
// decoding + the same mapping/aggregation, for comparison).
'use strict';
const path = require('path');
const { parentPort, workerData } = require('worker_threads');
const { performance } = require('perf_hooks');
require(require.resolve('sucrase/register/ts', {
  paths: [path.resolve(__dirname, '../..')],
}));
const grpc = require('@grpc/grpc-js');
const node = require('../../plugins/cilium-node/src');

const {
  mode,
  port,
  warmupMs,
  durationMs,
  whitelist,
  blacklist,
  namespaces,
  apps,
} = workerData;
const filters = {
  ...(whitelist ? { whitelist } : {}),
  ...(blacklist ? { blacklist } : {}),
};
const address = `127.0.0.1:${port}`;

// --- entity mapping: catalog-style selectors per namespace (kubernetes-id) ---
const entitiesByNs = new Map();
for (const ns of namespaces) {
  entitiesByNs.set(
    ns,
    apps.map(app => ({
      ref: `component:default/${ns}-${app}`,
      requires: [`k8s:backstage.io/kubernetes-id=${ns}-${app}`],
    })),
  );
}
const podCache = new Map();
function entityOf(namespace, podName, labels) {
  if (!namespace) return 'external';
  const key = `${namespace}/${podName}`;
  let ref = podCache.get(key);
  if (ref === undefined) {
    ref = `pod:${key}`;
    for (const e of entitiesByNs.get(namespace) || []) {
      if (e.requires.every(r => labels.includes(r))) {
        ref = e.ref;
        break;
      }
    }
    podCache.set(key, ref);
  }
  return ref;
}

// --- aggregation: edge table ---
const edges = new Map();
function aggregate(src, dst, proto, port, verdict, timeMs, policies) {
  const key = `${src}|${dst}|${proto}/${port}`;
  let e = edges.get(key);
  if (!e) {
    e = { forwarded: 0, dropped: 0, lastSeen: 0, policies: new Set() };
    edges.set(key, e);
  }
  if (verdict === 'DROPPED') e.dropped++;
  else e.forwarded++;
  if (timeMs > e.lastSeen) e.lastSeen = timeMs;
  for (let i = 0; i < policies.length; i++) e.policies.add(policies[i].name);
}

let count = 0;
let bytes = 0;
let stop = () => undefined;

if (mode === 'passthrough') {
  const client = new grpc.Client(
    address,
    grpc.credentials.createInsecure(),
    node.DEFAULT_HUBBLE_CHANNEL_OPTIONS,
  );
  const call = client.makeServerStreamRequest(
    '/observer.Observer/GetFlows',
    b => b,
    b => b,
    node.encodeGetFlowsRequest({ follow: true, ...filters }),
    new grpc.Metadata(),
    {},
  );
  call.on('data', b => {
    count++;
    bytes += b.length;
  });
  call.on('error', () => undefined);
  stop = () => {
    call.cancel();
    client.close();
  };
} else if (mode === 'e2e') {
  const client = new node.HubbleRelayClient({ address });
  const stream = client.follow(filters);
  stream.on('flow', f => {
    count++;
    bytes += f.raw.length;
    const src = entityOf(f.source.namespace, f.source.podName, f.source.labels);
    const dst = entityOf(
      f.destination.namespace,
      f.destination.podName,
      f.destination.labels,
    );
    aggregate(
      src,
      dst,
      f.protocol,
      f.destinationPort,
      f.verdict,
      f.timeMs,
      f.egressAllowedBy,
    );
  });
  stop = () => client.close();
} else if (mode === 'protoloader') {
  const protoLoader = require('@grpc/proto-loader');
  const def = protoLoader.loadSync('observer/observer.proto', {
    includeDirs: [node.hubbleProtoDir()],
    keepCase: true,
    longs: String,
    enums: String,
    defaults: false,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(def);
  const stub = new pkg.observer.Observer(
    address,
    grpc.credentials.createInsecure(),
    node.DEFAULT_HUBBLE_CHANNEL_OPTIONS,
  );
  const call = stub.GetFlows({ follow: true, ...filters });
  call.on('data', r => {
    if (r.response_types !== 'flow') return;
    const f = r.flow;
    count++;
    const s = f.source || {};
    const d = f.destination || {};
    const l4 = f.l4 || {};
    const p = l4.protocol;
    const ms = f.time
      ? Number(f.time.seconds) * 1000 + Math.floor((f.time.nanos || 0) / 1e6)
      : 0;
    aggregate(
      entityOf(s.namespace, s.pod_name, s.labels || []),
      entityOf(d.namespace, d.pod_name, d.labels || []),
      p || '',
      p ? l4[p].destination_port || 0 : 0,
      f.verdict,
      ms,
      f.egress_allowed_by || [],
    );
  });
  call.on('error', () => undefined);
  stop = () => {
    call.cancel();
    stub.close();
  };
} else {
  throw new Error(`unknown mode ${mode}`);
}

setTimeout(() => {
  const c0 = count;
  const b0 = bytes;
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  setTimeout(() => {
    const seconds = (performance.now() - t0) / 1000;
    const elu = performance.eventLoopUtilization(elu0);
    const n = count - c0;
    stop();
    parentPort.postMessage({
      mode,
      flows: n,
      seconds,
      rate: n / seconds,
      utilization: elu.utilization,
      avgBytes: n ? (bytes - b0) / n : 0,
      edges: edges.size,
    });
  }, durationMs);
}, warmupMs);
