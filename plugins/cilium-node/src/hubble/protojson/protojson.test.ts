import { readCorpusFlows } from '../__testUtils__/corpusFlows';
import { flowToJson, getFlowsResponseToJson } from './flowToJson';
import { encodeGetFlowsResponse } from '../__testUtils__/relayMessages';
import { decodeGetFlowsResponseLean } from '../ingest/decodeFlowFast';
import { formatTimestamp, parseTimestamp } from './protojson';
import type { GetFlowsResponseJson } from '../types';

function corpusLines(): GetFlowsResponseJson[] | undefined {
  return readCorpusFlows('corpus codec tests');
}

const lines = corpusLines();
const describeWithCorpus = lines ? describe : describe.skip;

describeWithCorpus('protojson codec over the recorded flows', () => {
  it('round-trips every recorded line exactly, key order included', () => {
    expect(lines!.length).toBeGreaterThan(1900);
    for (const line of lines!) {
      const bytes = encodeGetFlowsResponse(line);
      expect(JSON.stringify(getFlowsResponseToJson(bytes))).toBe(
        JSON.stringify(line),
      );
    }
  });

  it('lean decoder agrees with the full decoder on every recorded flow', () => {
    for (const line of lines!) {
      const r = decodeGetFlowsResponseLean(encodeGetFlowsResponse(line));
      expect(r.kind).toBe('flow');
      if (r.kind !== 'flow') continue;
      const f = line.flow!;
      const lean = r.flow;
      expect(flowToJson(lean.raw)).toEqual(f);
      expect(r.nodeName).toBe(line.node_name ?? '');
      expect(formatTimestamp(lean.timeSeconds, lean.timeNanos)).toBe(f.time);
      expect(lean.uuid).toBe(f.uuid ?? '');
      expect(lean.verdict).toBe(f.verdict ?? 'VERDICT_UNKNOWN');
      expect(lean.dropReason).toBe(f.drop_reason_desc ?? '');
      expect(lean.flowType).toBe(f.Type ?? 'UNKNOWN_TYPE');
      expect(lean.nodeName).toBe(f.node_name ?? '');
      expect(lean.sourceIp).toBe(f.IP?.source ?? '');
      expect(lean.destinationIp).toBe(f.IP?.destination ?? '');
      const proto = Object.keys(f.l4 ?? {})[0] ?? '';
      expect(lean.protocol).toBe(proto);
      const l4 = (f.l4 as any)?.[proto] ?? {};
      const hasPorts = proto === 'TCP' || proto === 'UDP' || proto === 'SCTP';
      expect(lean.sourcePort).toBe(hasPorts ? l4.source_port ?? 0 : 0);
      expect(lean.destinationPort).toBe(
        hasPorts ? l4.destination_port ?? 0 : 0,
      );
      for (const side of ['source', 'destination'] as const) {
        expect(lean[side].namespace).toBe(f[side]?.namespace ?? '');
        expect(lean[side].podName).toBe(f[side]?.pod_name ?? '');
        expect(lean[side].labels).toEqual(f[side]?.labels ?? []);
        expect(lean[side].identity).toBe(f[side]?.identity ?? 0);
        expect(lean[side].workloads).toEqual(
          (f[side]?.workloads ?? []).map(w => ({
            kind: w.kind ?? '',
            name: w.name ?? '',
          })),
        );
      }
      expect(lean.destinationNames).toEqual(f.destination_names ?? []);
      expect(lean.trafficDirection).toBe(
        f.traffic_direction ?? 'TRAFFIC_DIRECTION_UNKNOWN',
      );
      expect(lean.isReply).toBe(f.is_reply);
      expect(lean.l7Type).toBe(f.l7?.type ?? '');
      let l7Protocol = '';
      if (f.l7?.dns) l7Protocol = 'dns';
      else if (f.l7?.http) l7Protocol = 'http';
      expect(lean.l7Protocol).toBe(l7Protocol);
      expect(lean.l7Summary).toContain(
        f.l7?.http?.url ?? f.l7?.dns?.query ?? '',
      );
    }
  });
});

describe('protojson codec (hubble observe -o json ⇄ wire)', () => {
  it('carries policy correlation, denials and high field numbers', () => {
    const line: GetFlowsResponseJson = {
      flow: {
        time: '2026-01-02T03:04:05.000000001Z',
        uuid: 'a6b3c1d2-0000-4000-8000-000000000001',
        verdict: 'DROPPED',
        drop_reason: 181,
        IP: { source: '10.0.0.1', destination: '10.0.0.2', ipVersion: 'IPv4' },
        l4: { UDP: { source_port: 5353, destination_port: 53 } },
        source: { namespace: 'a', pod_name: 'x-1', labels: ['k8s:app=x'] },
        destination: {
          namespace: 'b',
          pod_name: 'y-1',
          workloads: [{ name: 'y', kind: 'Deployment' }],
        },
        Type: 'L3_L4',
        egress_allowed_by: [
          {
            name: 'allow-x',
            namespace: 'a',
            kind: 'CiliumNetworkPolicy',
            revision: '18446744073709551615',
          },
        ],
        ingress_denied_by: [
          {
            name: 'deny-x',
            namespace: 'b',
            labels: ['k8s:io.cilium.k8s.policy.name=deny-x'],
            kind: 'CiliumNetworkPolicy',
          },
        ],
        traffic_direction: 'INGRESS',
        policy_match_type: 2,
        drop_reason_desc: 'POLICY_DENY',
        is_reply: false,
        Summary: 'UDP',
      },
      node_name: 'kind/worker',
      time: '2026-01-02T03:04:05.000000001Z',
    };
    const bytes = encodeGetFlowsResponse(line);
    expect(getFlowsResponseToJson(bytes)).toEqual(line);
    const r = decodeGetFlowsResponseLean(bytes);
    if (r.kind !== 'flow') throw new Error('expected a flow');
    expect(r.flow.dropReason).toBe('POLICY_DENY');
    expect(r.flow.egressAllowedBy).toEqual([
      { name: 'allow-x', namespace: 'a', kind: 'CiliumNetworkPolicy' },
    ]);
    expect(r.flow.ingressDeniedBy).toEqual([
      { name: 'deny-x', namespace: 'b', kind: 'CiliumNetworkPolicy' },
    ]);
    expect(r.flow.protocol).toBe('UDP');
    expect(r.flow.destinationPort).toBe(53);
    expect(r.flow.policyMatchType).toBe(2);
    expect(r.flow.isReply).toBe(false);
    expect(r.flow.timeNanos).toBe(1);
  });

  it('decodes node_status and lost_events', () => {
    const ns = decodeGetFlowsResponseLean(
      encodeGetFlowsResponse({
        node_status: {
          state_change: 'NODE_ERROR',
          node_names: ['n1', 'n2'],
          message: 'bad filter',
        },
        node_name: 'relay',
        time: '2026-01-01T00:00:00Z',
      }),
    );
    expect(ns).toEqual({
      kind: 'node_status',
      event: {
        state: 'NODE_ERROR',
        nodeNames: ['n1', 'n2'],
        message: 'bad filter',
        reporter: 'relay',
        time: '2026-01-01T00:00:00.000Z',
      },
    });
    const lost = decodeGetFlowsResponseLean(
      encodeGetFlowsResponse({
        lost_events: {
          source: 'PERF_EVENT_RING_BUFFER',
          num_events_lost: '42',
          cpu: 3,
        },
        node_name: 'n1',
      }),
    );
    expect(lost).toEqual({
      kind: 'lost_events',
      event: {
        source: 'PERF_EVENT_RING_BUFFER',
        numEventsLost: 42,
        cpu: 3,
        reporter: 'n1',
        time: '',
      },
    });
  });

  it('reuses a cached endpoint only while its bytes are unchanged', () => {
    const at = (labels: string[]) =>
      decodeGetFlowsResponseLean(
        encodeGetFlowsResponse({
          flow: {
            source: {
              identity: 300,
              namespace: 'shop',
              pod_name: 'web-0',
              labels,
            },
            destination: { namespace: 'shop', pod_name: 'db-0' },
          },
        }),
      );
    const a = at(['k8s:app=web', 'k8s:tier=front']);
    const b = at(['k8s:app=web', 'k8s:tier=front']);
    const c = at(['k8s:app=web', 'k8s:tier=back']);
    if (a.kind !== 'flow' || b.kind !== 'flow' || c.kind !== 'flow')
      throw new Error('expected flows');
    expect(b.flow.source).toBe(a.flow.source);
    expect(Object.isFrozen(a.flow.source.labels)).toBe(true);
    expect(c.flow.source.labels).toEqual(['k8s:app=web', 'k8s:tier=back']);
    expect(c.flow.destination.podName).toBe('db-0');
  });

  it('rejects truncated messages', () => {
    const bytes = encodeGetFlowsResponse({ flow: { uuid: 'x'.repeat(40) } });
    expect(() =>
      decodeGetFlowsResponseLean(bytes.subarray(0, bytes.length - 5)),
    ).toThrow();
  });

  it('formats and parses timestamps like Go protojson', () => {
    expect(formatTimestamp(0, 0)).toBe('1970-01-01T00:00:00Z');
    expect(formatTimestamp(1, 500000000)).toBe('1970-01-01T00:00:01.500Z');
    expect(formatTimestamp(1, 1000)).toBe('1970-01-01T00:00:01.000001Z');
    expect(formatTimestamp(1, 7)).toBe('1970-01-01T00:00:01.000000007Z');
    expect(parseTimestamp('2021-06-16T16:52:13.136834446Z')).toEqual({
      seconds: 1623862333,
      nanos: 136834446,
    });
    expect(parseTimestamp('2021-06-16T18:52:13.1+02:00')).toEqual({
      seconds: 1623862333,
      nanos: 100000000,
    });
    expect(() => parseTimestamp('yesterday')).toThrow();
  });
});
