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

// The endpoint and policy builders are shared with the lean-decoder tests.
const {
  SYNTHETIC_NAMESPACES: NAMESPACES,
  SYNTHETIC_APPS: APPS,
  syntheticEndpoint: endpoint,
  setSyntheticVerdict,
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
    const flow = {
      time,
      uuid: `5e1a${String(i).padStart(4, '0')}-1b2c-4d3e-8f40-${String(
        i,
      ).padStart(12, '0')}`,
      verdict: dropped ? 'DROPPED' : 'FORWARDED',
      ethernet: {
        source: '0a:58:0a:f4:01:05',
        destination: '0a:58:0a:f4:01:01',
      },
      IP: {
        source: `10.244.${NAMESPACES.indexOf(sns)}.${10 + APPS.indexOf(sapp)}`,
        destination: `10.244.${NAMESPACES.indexOf(dns)}.${
          10 + APPS.indexOf(dapp)
        }`,
        ipVersion: 'IPv4',
      },
      l4: {
        TCP: {
          source_port: 30000 + Math.floor(r() * 30000),
          destination_port: 8080,
          flags: { SYN: true },
        },
      },
      source: endpoint(sns, sapp, i % 3),
      destination: endpoint(dns, dapp, i % 2),
      Type: l7 ? 'L7' : 'L3_L4',
      node_name: `kind/${node}`,
      event_type: {
        type: l7 ? 129 : dropped ? 1 : 5,
        ...(dropped ? { sub_type: 133 } : {}),
      },
      traffic_direction: 'EGRESS',
      policy_match_type: dropped ? 0 : 2,
      is_reply: false,
      Summary: l7
        ? 'HTTP/1.1 GET http://api:8080/api/v1/items'
        : 'TCP Flags: SYN',
    };
    setSyntheticVerdict(flow, {
      dropped,
      src: { ns: sns, app: sapp },
      dst: { ns: dns, app: dapp },
    });
    if (l7) {
      flow.l7 = {
        type: 'REQUEST',
        http: {
          method: 'GET',
          url: `http://${dns}-${dapp}.${dns}.svc.cluster.local:8080/api/v1/items?page=${
            i % 50
          }`,
          protocol: 'HTTP/1.1',
          headers: [
            { key: 'User-Agent', value: 'Go-http-client/1.1' },
            {
              key: 'X-Request-Id',
              value: `c0ffee${String(i).padStart(10, '0')}`,
            },
          ],
        },
      };
    }
    out.push({ flow, node_name: `kind/${node}`, time });
  }
  return out;
}

module.exports = { realisticFlows, NAMESPACES, APPS };
