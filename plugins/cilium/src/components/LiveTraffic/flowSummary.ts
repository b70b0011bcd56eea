import { FlowRecord } from '@cilium-zero-trust/plugin-cilium-common';

/** What one row of the live table shows. */
export interface FlowRow {
  key: string;
  time: string;
  source: string;
  destination: string;
  port: string;
  l7: string;
  verdict: string;
  dropReason: string;
  policies: string[];
  /** What a connectivity request for this flow needs (entity refs, the first DNS name, IP, reserved identity, port). */
  sourceRef?: string;
  destinationRef?: string;
  destinationName?: string;
  destinationIp?: string;
  destinationReserved?: string;
  destinationPort?: number;
  protocol?: string;
}

type Json = Record<string, any>;

function entityName(ref: string | undefined): string | undefined {
  if (!ref) return undefined;
  const m = /^([^:]+):([^/]+)\/(.+)$/.exec(ref);
  if (!m) return ref;
  return m[1] === 'component' && m[2] === 'default' ? m[3] : ref;
}

function endpointName(
  endpoint: Json | undefined,
  ip: string | undefined,
  names?: string[],
): string {
  if (endpoint?.pod_name) return `${endpoint.namespace}/${endpoint.pod_name}`;
  if (names && names.length > 0) return names[0].replace(/\.$/, '');
  const reserved = (endpoint?.labels as string[] | undefined)?.find(l =>
    l.startsWith('reserved:'),
  );
  if (reserved && ip) return `${ip} (${reserved.slice(9)})`;
  return ip ?? reserved ?? 'unknown';
}

function portOf(flow: Json): string {
  const l4 = flow.l4 ?? {};
  for (const proto of ['TCP', 'UDP', 'SCTP']) {
    if (l4[proto]) return `${l4[proto].destination_port ?? '?'}/${proto}`;
  }
  if (l4.ICMPv4) return `ICMPv4 ${l4.ICMPv4.type ?? ''}`.trim();
  if (l4.ICMPv6) return `ICMPv6 ${l4.ICMPv6.type ?? ''}`.trim();
  return '';
}

function l7Of(flow: Json): string {
  const l7 = flow.l7;
  if (!l7) return '';
  if (l7.http) {
    const h = l7.http;
    return [h.method, h.url, h.code ? String(h.code) : '']
      .filter(Boolean)
      .join(' ');
  }
  if (l7.dns) {
    const d = l7.dns;
    return `DNS ${d.query ?? ''} ${(d.qtypes ?? []).join(',')}${
      d.rcode ? ` rcode=${d.rcode}` : ''
    }`.trim();
  }
  return l7.type ?? '';
}

function policyNames(flow: Json): string[] {
  const out = new Set<string>();
  for (const field of [
    'ingress_allowed_by',
    'egress_allowed_by',
    'ingress_denied_by',
    'egress_denied_by',
  ]) {
    for (const p of (flow[field] as Json[] | undefined) ?? []) {
      out.add(`${p.namespace ? `${p.namespace}/` : ''}${p.name}`);
    }
  }
  return [...out];
}

function requestFields(record: FlowRecord): Partial<FlowRow> {
  const flow = record.flow as Json;
  const l4 = flow.l4 ?? {};
  const protocol = ['TCP', 'UDP', 'SCTP'].find(p => l4[p]);
  const reserved = (flow.destination?.labels as string[] | undefined)?.find(l =>
    l.startsWith('reserved:'),
  );
  const names = flow.destination_names as string[] | undefined;
  return {
    sourceRef: record.backstage?.source,
    destinationRef: record.backstage?.destination,
    destinationName: names?.[0]?.replace(/\.$/, ''),
    destinationIp: flow.IP?.destination,
    destinationReserved: reserved?.slice(9),
    destinationPort: protocol ? l4[protocol].destination_port : undefined,
    protocol,
  };
}

/** Turns a flow record (Hubble's JSON) into what one row shows. */
export function summarizeFlow(record: FlowRecord, index: number): FlowRow {
  const flow = record.flow as Json;
  return {
    key: (flow.uuid as string) || `row-${index}`,
    time: (flow.time as string) ?? record.time ?? '',
    source:
      entityName(record.backstage?.source) ??
      endpointName(flow.source, flow.IP?.source, flow.source_names),
    destination:
      entityName(record.backstage?.destination) ??
      endpointName(
        flow.destination,
        flow.IP?.destination,
        flow.destination_names,
      ),
    port: portOf(flow),
    l7: l7Of(flow),
    verdict: (flow.verdict as string) ?? 'VERDICT_UNKNOWN',
    dropReason: (flow.drop_reason_desc as string) ?? '',
    policies: policyNames(flow),
    ...requestFields(record),
  };
}

/** Lines of `hubble observe -o json`, one flow per line. */
export function toJsonLines(records: FlowRecord[]): string {
  return records
    .map(r =>
      JSON.stringify({ flow: r.flow, node_name: r.node_name, time: r.time }),
    )
    .join('\n');
}
