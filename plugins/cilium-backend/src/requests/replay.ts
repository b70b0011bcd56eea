import { RequestReplay } from '@cilium-zero-trust/plugin-cilium-common';
import type { LeanFlow } from '@cilium-zero-trust/plugin-cilium-node';
import { podLabelsFromEndpointLabels as podLabels } from '../services/EntityWorkloadIndex';
import {
  isPeerEntity,
  type PeerQuery,
  type PolicyEngine,
} from '@cilium-zero-trust/cilium-policy-engine';

const PROTOCOLS = new Set(['TCP', 'UDP', 'SCTP']);

function endpointQuery(
  endpoint: LeanFlow['source'],
  ip: string,
  names: string[],
): PeerQuery | undefined {
  if (endpoint.namespace) {
    return {
      namespace: endpoint.namespace,
      labels: podLabels(endpoint.labels),
    };
  }
  const reserved = endpoint.labels.find(
    l => l.startsWith('reserved:') && l !== 'reserved:world',
  );
  if (reserved) {
    const entity = reserved.slice('reserved:'.length);
    if (isPeerEntity(entity)) return { entity };
  }
  if (names.length) return { fqdn: names[0] };
  return ip ? { ip } : undefined;
}

function describe(
  endpoint: LeanFlow['source'],
  ip: string,
  names: string[],
): string {
  if (endpoint.namespace)
    return `${endpoint.namespace}/${
      endpoint.podName ||
      endpoint.labels.find(l => l.startsWith('k8s:app')) ||
      'pod'
    }`;
  return names[0] ?? ip;
}

/**
 * Replays flows from the live buffer against the policies before and after a
 * change: dropped flows the change would allow, and forwarded flows it would
 * drop (a grant should never cause those).
 */
export function replayFlows(
  flows: LeanFlow[],
  before: PolicyEngine,
  after: PolicyEngine,
): RequestReplay {
  const replay: RequestReplay = {
    flowsReplayed: 0,
    newlyAllowed: [],
    newlyDropped: [],
  };
  const seen = new Set<string>();
  for (const flow of flows) {
    if (
      flow.isReply ||
      !PROTOCOLS.has(flow.protocol) ||
      (flow.uuid && seen.has(flow.uuid))
    )
      continue;
    if (flow.uuid) seen.add(flow.uuid);
    const src = endpointQuery(flow.source, flow.sourceIp, []);
    const dst = endpointQuery(
      flow.destination,
      flow.destinationIp,
      flow.destinationNames,
    );
    if (!src || !dst) continue;
    replay.flowsReplayed++;
    let wasAllowed: boolean;
    let nowAllowed: boolean;
    try {
      const proto = flow.protocol as 'TCP' | 'UDP' | 'SCTP';
      wasAllowed = before.evaluate(
        src,
        dst,
        flow.destinationPort,
        proto,
      ).allowed;
      nowAllowed = after.evaluate(
        src,
        dst,
        flow.destinationPort,
        proto,
      ).allowed;
    } catch {
      continue;
    }
    const row = {
      time: new Date(flow.timeMs).toISOString(),
      source: describe(flow.source, flow.sourceIp, []),
      destination: describe(
        flow.destination,
        flow.destinationIp,
        flow.destinationNames,
      ),
      port: flow.destinationPort,
      protocol: flow.protocol,
    };
    if (flow.verdict === 'DROPPED' && !wasAllowed && nowAllowed)
      replay.newlyAllowed.push(row);
    if (flow.verdict === 'FORWARDED' && wasAllowed && !nowAllowed)
      replay.newlyDropped.push(row);
  }
  return replay;
}
