/* eslint-disable */
// Builds "realistic" Hubble flows for the ingest benchmark: endpoints with
// 8 labels each, workloads, two *_allowed_by policies, 10% HTTP L7 — about
// 1.8 KB per GetFlowsResponse on the wire, like the flows measured in
// reference/hubble-ingest-measurements.md.
'use strict';
const path = require('path');

require(require.resolve('sucrase/register/ts', {
  paths: [path.resolve(__dirname, '../..')],
}));
// The stand-in's seeded generator: one definition for the stand-in, the fuzz
// test and the benchmarks.
const {
  seededRandom,
} = require('../../packages/hubble-relay-sim/src/random.ts');

// The flow builder is shared with the lean-decoder tests.
const {
  SYNTHETIC_NAMESPACES: NAMESPACES,
  SYNTHETIC_APPS: APPS,
  syntheticFlow,
} = require('../../plugins/cilium-node/src/hubble/__testUtils__/syntheticFlows.ts');

/** n GetFlowsResponse objects (protojson), deterministic. */
function realisticFlows(n, seed = 1) {
  const r = seededRandom(seed);
  const out = [];
  const t0 = Date.parse('2026-03-01T00:00:00Z');
  for (let i = 0; i < n; i++) {
    const sns = NAMESPACES[Math.floor(r() * NAMESPACES.length)];
    const dns =
      r() < 0.7 ? sns : NAMESPACES[Math.floor(r() * NAMESPACES.length)];
    const sapp = APPS[Math.floor(r() * APPS.length)];
    const dapp = APPS[Math.floor(r() * APPS.length)];
    const dropped = r() < 0.1;
    const l7 = !dropped && r() < 0.1;
    const time = new Date(t0 + i).toISOString().replace('Z', '123456Z');
    const node = `worker-${1 + Math.floor(r() * 3)}`;
    out.push(
      syntheticFlow({
        i,
        src: { ns: sns, app: sapp },
        dst: { ns: dns, app: dapp },
        dropped,
        l7,
        time,
        node,
        sourcePort: 30000 + Math.floor(r() * 30000),
      }),
    );
  }
  return out;
}

module.exports = { realisticFlows, NAMESPACES, APPS };
