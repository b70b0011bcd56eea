import type { LeanEndpoint } from '@cilium-zero-trust/plugin-cilium-node';
import { TrafficHistoryPeer } from '@cilium-zero-trust/plugin-cilium-common';

/**
 * Cilium's reserved security identities by number (1–10); other identities
 * without a namespace (CIDR identities, world) count as `reserved:world`.
 */
const RESERVED_IDENTITIES = [
  'reserved:world',
  'reserved:host',
  'reserved:world',
  'reserved:unmanaged',
  'reserved:health',
  'reserved:init',
  'reserved:remote-node',
  'reserved:kube-apiserver',
  'reserved:ingress',
  'reserved:world-ipv4',
  'reserved:world-ipv6',
];

/**
 * The peer the history counts a flow under, coarser than the traffic table's
 * so that the per-entity peer cap holds the peers that matter: the catalog
 * entity when the end maps to one, else its namespace, else (for egress) the
 * DNS name it was called by, else its reserved identity. Written into `out`
 * (one object reused per flow), so the hot path allocates nothing: every
 * string is one the decoded flow or the entity index already holds.
 */
export function historyPeerOf(
  out: TrafficHistoryPeer,
  endpoint: LeanEndpoint,
  names: string[],
  entityRef: string | undefined,
): TrafficHistoryPeer {
  if (entityRef) {
    out.type = 'entity';
    out.id = entityRef;
  } else if (endpoint.namespace) {
    out.type = 'namespace';
    out.id = endpoint.namespace;
  } else if (names.length > 0) {
    out.type = 'fqdn';
    out.id = names[0];
  } else {
    out.type = 'reserved';
    out.id = RESERVED_IDENTITIES[endpoint.identity] ?? 'reserved:world';
  }
  return out;
}
