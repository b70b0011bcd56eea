import {
  ConnectivityRequest,
  ConnectivityTarget,
} from '@cilium-zero-trust/plugin-cilium-common';
import type { PolicyChange } from '@cilium-zero-trust/plugin-cilium-node';
import { describePorts } from '@cilium-zero-trust/cilium-policy-engine';

/** How a target is written in titles and messages. */
export function targetText(target: ConnectivityTarget): string {
  switch (target.type) {
    case 'entity':
      return target.ref;
    case 'fqdn':
      return target.name;
    case 'cidr':
      return target.cidr;
    default:
      return `${target.entity} (Cilium entity)`;
  }
}

function shortName(ref: string): string {
  return ref.slice(ref.lastIndexOf('/') + 1);
}

/** One sentence in entity terms. */
export function summarize(
  request: Pick<
    ConnectivityRequest,
    | 'kind'
    | 'source'
    | 'target'
    | 'ports'
    | 'http'
    | 'policies'
    | 'removes'
    | 'clusters'
  >,
): string {
  const ports = describePorts(request.ports);
  // Cluster names are DNS labels (validated), safe in titles and Markdown.
  const where =
    request.clusters.length > 1
      ? ` in clusters ${request.clusters.join(', ')}`
      : '';
  if (request.kind === 'removal') {
    return `Remove the expired grant of ${request.removes}${where}: ${
      request.source
    } → ${targetText(request.target)} on ${ports}.`;
  }
  const sides = [
    ...new Set(
      request.policies.map(p =>
        p.path.includes('/allow-egress-')
          ? 'egress on the source'
          : 'ingress on the destination',
      ),
    ),
  ];
  return `Allow ${request.source} → ${targetText(request.target)} on ${ports}${
    request.http?.length
      ? ` (HTTP ${request.http
          .map(h => `${h.method ?? '*'} ${h.path ?? '/*'}`)
          .join(', ')})`
      : ''
  }${where}${sides.length ? `: ${sides.join(' and ')}` : ''}.`;
}

/** The change a publisher opens for a request. */
export function buildChange(
  request: ConnectivityRequest,
  link?: string,
): PolicyChange {
  const ports = describePorts(request.ports);
  const verb = request.kind === 'removal' ? 'remove expired' : 'allow';
  return {
    id: request.id,
    kind: request.kind,
    title: `netpol(${request.clusters.join(',')}): ${verb} ${shortName(
      request.source,
    )} → ${shortName(targetText(request.target))} ${ports} [${request.id}]`,
    summary: summarize(request),
    requester: request.requester,
    justification: request.justification,
    expiresAt: request.expiresAt,
    link,
    files: request.policies.map(p => ({
      path: p.path,
      content: request.kind === 'removal' ? null : p.yaml,
    })),
    diff: request.diff,
    findings: request.findings,
    replay: request.replay,
    approvals: request.approvals.map(a => ({ role: a.role, by: a.by })),
  };
}
