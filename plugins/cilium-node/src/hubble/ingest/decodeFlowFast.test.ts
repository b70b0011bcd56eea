import { readCorpusFlows } from '../__testUtils__/corpusFlows';
import {
  SYNTHETIC_APPS,
  SYNTHETIC_NAMESPACES,
  syntheticFlow,
} from '../__testUtils__/syntheticFlows';
import { flowToJson, getFlowsResponseToJson } from '../protojson/flowToJson';
import { encodeGetFlowsResponse } from '../__testUtils__/relayMessages';
import { decodeFlowLean, decodeGetFlowsResponseLean } from './decodeFlowFast';
import { parseTimestamp } from '../protojson/protojson';
import type {
  EndpointJson,
  FlowJson,
  GetFlowsResponseJson,
  LeanEndpoint,
  LeanFlow,
  PolicyJson,
} from '../types';

/**
 * The lean decoder is hand-optimised (interned strings, a hashed endpoint
 * cache). These tests compare every field of its output with a
 * straightforward reference: the full protobuf decode (`flowToJson`) mapped
 * field by field onto the LeanFlow shape.
 */

function referenceEndpoint(e: EndpointJson | undefined): LeanEndpoint {
  return {
    identity: e?.identity ?? 0,
    namespace: e?.namespace ?? '',
    podName: e?.pod_name ?? '',
    labels: e?.labels ?? [],
    workloads: (e?.workloads ?? []).map(w => ({
      kind: w.kind ?? '',
      name: w.name ?? '',
    })),
  };
}

const policies = (list: PolicyJson[] | undefined) =>
  (list ?? []).map(p => ({
    name: p.name ?? '',
    namespace: p.namespace ?? '',
    kind: p.kind ?? '',
  }));

function referenceL7(f: FlowJson): { protocol: string; summary: string } {
  const dns = f.l7?.dns;
  if (dns) {
    const qtypes = (dns.qtypes ?? []).join(',');
    return {
      protocol: 'dns',
      summary: `DNS ${dns.query ?? ''}${qtypes ? ` ${qtypes}` : ''}${
        dns.rcode !== undefined ? ` rcode=${dns.rcode}` : ''
      }`,
    };
  }
  const http = f.l7?.http;
  if (http) {
    return {
      protocol: 'http',
      summary: `${http.method ?? ''} ${http.url ?? ''}${
        http.code ? ` ${http.code}` : ''
      }`,
    };
  }
  if ((f.l7 as Record<string, unknown> | undefined)?.kafka) {
    return { protocol: 'kafka', summary: '' };
  }
  return { protocol: '', summary: '' };
}

/** LeanFlow without `raw`, computed from the full decode of the flow bytes. */
function referenceLean(raw: Buffer): Omit<LeanFlow, 'raw'> {
  const f = flowToJson(raw);
  const time = f.time ? parseTimestamp(f.time) : { seconds: 0, nanos: 0 };
  const protocol = Object.keys(f.l4 ?? {})[0] ?? '';
  const l4 = (f.l4 as Record<string, any> | undefined)?.[protocol] ?? {};
  const ports = protocol === 'TCP' || protocol === 'UDP' || protocol === 'SCTP';
  const l7 = referenceL7(f);
  return {
    timeSeconds: time.seconds,
    timeNanos: time.nanos,
    timeMs: time.seconds * 1000 + Math.floor(time.nanos / 1e6),
    uuid: f.uuid ?? '',
    verdict: f.verdict ?? 'VERDICT_UNKNOWN',
    dropReason: f.drop_reason_desc === undefined ? '' : `${f.drop_reason_desc}`,
    flowType: f.Type ?? 'UNKNOWN_TYPE',
    nodeName: f.node_name ?? '',
    sourceIp: f.IP?.source ?? '',
    destinationIp: f.IP?.destination ?? '',
    protocol,
    sourcePort: ports ? l4.source_port ?? 0 : 0,
    destinationPort: ports ? l4.destination_port ?? 0 : 0,
    source: referenceEndpoint(f.source),
    destination: referenceEndpoint(f.destination),
    destinationNames: f.destination_names ?? [],
    trafficDirection: f.traffic_direction ?? 'TRAFFIC_DIRECTION_UNKNOWN',
    isReply: f.is_reply,
    policyMatchType: f.policy_match_type ?? 0,
    l7Type: f.l7?.type ?? '',
    l7Protocol: l7.protocol,
    l7Summary: l7.summary,
    egressAllowedBy: policies(f.egress_allowed_by),
    ingressAllowedBy: policies(f.ingress_allowed_by),
    egressDeniedBy: policies(f.egress_denied_by),
    ingressDeniedBy: policies(f.ingress_denied_by),
  };
}

function expectMatchesReference(bytes: Buffer) {
  const r = decodeGetFlowsResponseLean(bytes);
  expect(r.kind).toBe('flow');
  if (r.kind !== 'flow') return;
  const { raw, ...lean } = r.flow;
  expect(lean).toStrictEqual(referenceLean(raw));
  const json = getFlowsResponseToJson(bytes);
  expect(flowToJson(raw)).toEqual(json.flow);
  expect(r.nodeName).toBe(json.node_name ?? '');
  // decodeFlowLean over the flow's own bytes gives the same summary.
  const { raw: raw2, ...again } = decodeFlowLean(Buffer.from(raw));
  expect(again).toStrictEqual(lean);
  expect(raw2.equals(raw)).toBe(true);
}

// Flows built by the benchmark's own builder (bench/lib/realisticFlows.js
// streams the same shape): 8 labels per endpoint, workloads, two
// *_allowed_by policies or a drop with its denying policy, some HTTP L7.
function realisticLines(n: number): GetFlowsResponseJson[] {
  const namespaces = SYNTHETIC_NAMESPACES.slice(0, 4);
  const apps = SYNTHETIC_APPS;
  const out: GetFlowsResponseJson[] = [];
  for (let i = 0; i < n; i++) {
    out.push(
      syntheticFlow({
        i,
        src: {
          ns: namespaces[i % namespaces.length],
          app: apps[(i * 5) % apps.length],
        },
        dst: {
          ns: namespaces[(i * 7) % namespaces.length],
          app: apps[(i * 11) % apps.length],
        },
        dropped: i % 10 === 3,
        l7: i % 10 === 5,
        deniedBy: true,
        time: new Date(Date.UTC(2026, 2, 1) + i)
          .toISOString()
          .replace('Z', '123456Z'),
        node: `worker-${1 + (i % 3)}`,
        sourcePort: 30000 + ((i * 7919) % 30000),
      }),
    );
  }
  return out;
}

function corpusLines(): GetFlowsResponseJson[] {
  return readCorpusFlows('lean decoder corpus test') ?? [];
}

describe('lean decoder against a reference decode', () => {
  it('matches on realistic flows, first decode and cached repeats', () => {
    const messages = realisticLines(600).map(l => encodeGetFlowsResponse(l));
    // Twice: the second pass hits the endpoint cache and interned strings.
    for (const m of messages) expectMatchesReference(m);
    for (const m of messages) expectMatchesReference(Buffer.from(m));
    // Same pod, same bytes: the cached endpoint object is shared.
    const first = decodeGetFlowsResponseLean(messages[0]);
    const again = decodeGetFlowsResponseLean(Buffer.from(messages[0]));
    if (first.kind !== 'flow' || again.kind !== 'flow') throw new Error();
    expect(again.flow.source).toBe(first.flow.source);
  });

  const corpus = corpusLines();
  (corpus.length ? it : it.skip)('matches on every recorded flow', () => {
    const messages = corpus.map(l => encodeGetFlowsResponse(l));
    for (const m of messages) expectMatchesReference(m);
    for (const m of messages) expectMatchesReference(m);
  });

  it('matches when interned strings are evicted, long or not ASCII', () => {
    const odd = [
      'pöd',
      '日本語',
      '\u{1F600}-ns',
      'x'.repeat(63),
      'y'.repeat(64),
      'z'.repeat(65),
      '',
    ];
    // More distinct node names, addresses and policy names than the intern
    // table has slots, interleaved with repeating ones.
    let checked = 0;
    for (let i = 0; i < 6000; i++) {
      const s = odd[i % odd.length];
      checked++;
      expectMatchesReference(
        encodeGetFlowsResponse({
          flow: {
            uuid: `u-${i}`,
            IP: { source: `10.${i % 200}.${i % 7}.${i % 251}`, destination: s },
            l4: { UDP: { source_port: i, destination_port: 53 } },
            source: {
              identity: i % 13,
              namespace: i % 2 ? s : `ns-${i % 5}`,
              pod_name: `p-${i % 300}${s}`,
              labels: [`k8s:app=${i % 40}`, s],
            },
            node_name: i % 3 ? `kind/worker-${i}` : s,
            destination_names: i % 4 ? [] : [s, 'example.com'],
            egress_allowed_by: [
              { name: `pol-${i % 5000}`, namespace: s, kind: 'x' },
            ],
            ingress_denied_by: [{ name: s, namespace: `ns-${i}` }],
            ...(i % 8 ? {} : { l7: { dns: { query: `${s}.`, rcode: 3 } } }),
          },
          node_name: i % 5 ? s : 'relay',
        }),
      );
    }
    expect(checked).toBe(6000);
  });

  it('decodes invalid UTF-8 in interned fields like Buffer#toString', () => {
    // Same length and bucket-mates differing in one byte: an interned string
    // must never be returned for different bytes.
    for (let i = 0; i < 512; i++) {
      const bytes = encodeGetFlowsResponse({
        flow: { IP: { source: 'ABCDEFGH' }, node_name: 'kind/w' },
        node_name: 'relay',
      });
      const at = bytes.indexOf('ABCDEFGH');
      bytes[at + (i % 8)] = 0x80 + (i % 128);
      const r = decodeGetFlowsResponseLean(bytes);
      if (r.kind !== 'flow') throw new Error('expected a flow');
      expect(r.flow.sourceIp).toBe(bytes.toString('utf8', at, at + 8));
    }
  });
});
