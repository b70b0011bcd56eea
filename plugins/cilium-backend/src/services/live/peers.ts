import type { LeanEndpoint } from '@cilium-zero-trust/plugin-cilium-node';
import { TrafficPeer } from '@cilium-zero-trust/plugin-cilium-common';

/** Names Hubble gives Cilium's reserved identities in endpoint labels. */
function reservedName(labels: string[]): string | undefined {
  for (const l of labels) {
    if (l.startsWith('reserved:'))
      return l.slice('reserved:'.length).split('=')[0];
  }
  return undefined;
}

/**
 * Describes one end of a flow as specifically as possible. `entityRef` is the
 * catalog entity the end maps to, when it maps to one.
 */
export function describePeer(
  endpoint: LeanEndpoint,
  ip: string,
  names: string[],
  entityRef: string | undefined,
): TrafficPeer {
  const namespace = endpoint.namespace || undefined;
  if (entityRef) return { type: 'entity', id: entityRef, namespace };
  const workload = endpoint.workloads[0];
  if (namespace && workload?.name) {
    return {
      type: 'workload',
      id: `${namespace}/${workload.name}[${workload.kind || 'Workload'}]`,
      namespace,
    };
  }
  if (namespace && endpoint.podName) {
    return {
      type: 'pod',
      id: `${namespace}/${endpoint.podName}[Pod]`,
      namespace,
    };
  }
  if (names.length > 0)
    return { type: 'fqdn', id: names[0].replace(/\.$/, '') };
  const reserved = reservedName(endpoint.labels);
  if (reserved && reserved !== 'world')
    return { type: 'reserved', id: `reserved:${reserved}` };
  if (ip) return { type: 'ip', id: ip };
  return { type: 'reserved', id: `reserved:${reserved ?? 'unknown'}` };
}
