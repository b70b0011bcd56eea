import { parseEntityRef } from '@backstage/catalog-model';
import { TrafficHistoryPeer } from '@cilium-zero-trust/plugin-cilium-common';

/** The start of a one-minute bucket as the user's local `HH:MM`. */
export function minuteLabel(start: string): string {
  return new Date(start).toLocaleTimeString(undefined, {
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  });
}

/** A count with thousands separators. */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** A peer in words: an entity by its name (kind and namespace when not the defaults), else what it is. */
export function peerLabel(peer: TrafficHistoryPeer): string {
  switch (peer.type) {
    case 'entity': {
      try {
        const ref = parseEntityRef(peer.id);
        const kind = ref.kind.toLocaleLowerCase('en-US');
        const ns = ref.namespace === 'default' ? '' : `${ref.namespace}/`;
        return kind === 'component'
          ? `${ns}${ref.name}`
          : `${kind}:${ns}${ref.name}`;
      } catch {
        return peer.id;
      }
    }
    case 'namespace':
      return `namespace ${peer.id}`;
    case 'fqdn':
      return peer.id;
    default:
      return peer.id === 'reserved:world'
        ? 'world (outside the cluster)'
        : peer.id.replace(/^reserved:/, 'Cilium ');
  }
}

/** `part` of `whole` as a whole percentage, 0 when there is no whole. */
export function percent(part: number, whole: number): number {
  return whole > 0 ? Math.round((100 * part) / whole) : 0;
}
