import {
  ConnectivityEdge,
  DriftItem,
  TrafficEdge,
} from '@cilium-zero-trust/plugin-cilium-common';

/** What drift is computed from. */
export interface DriftInput {
  entityRef: string;
  /** The entity's `dependsOn` targets (entity refs). */
  declared: string[];
  /** Entity refs that stand for something on the network (mapped components, FQDN/CIDR resources). */
  networkEntities: Set<string>;
  egress: ConnectivityEdge[];
  ingress: ConnectivityEdge[];
  /** Live traffic of the entity. */
  observed: TrafficEdge[];
  /** Whether the live window holds any data (otherwise "never observed" says nothing). */
  liveWindow: boolean;
}

function allowed(e: ConnectivityEdge): boolean {
  return e.ports !== 'No Connections';
}

/**
 * Compares the catalog (declared `dependsOn`), the policies (allowed edges)
 * and live traffic (observed flows) in four classes.
 */
export function computeDrift(input: DriftInput): DriftItem[] {
  const items: DriftItem[] = [];
  const declared = new Set(input.declared);
  const allowedEgressPeers = new Map<string, string[]>();
  for (const e of input.egress.filter(allowed)) {
    const list = allowedEgressPeers.get(e.peer.id) ?? [];
    list.push(e.ports);
    allowedEgressPeers.set(e.peer.id, list);
  }

  for (const target of [...declared].sort()) {
    if (!input.networkEntities.has(target) || target === input.entityRef)
      continue;
    if (!allowedEgressPeers.has(target)) {
      items.push({
        kind: 'declared-not-allowed',
        direction: 'egress',
        peer: target,
        message: `The catalog says this depends on ${target}, but no policy allows the connection: calls will be dropped. File a connectivity request.`,
      });
    }
  }

  for (const [peer, ports] of [...allowedEgressPeers].sort()) {
    const isEntity = input.egress.some(
      e => e.peer.id === peer && e.peer.type === 'entity',
    );
    if (!isEntity || peer === input.entityRef || declared.has(peer)) continue;
    items.push({
      kind: 'allowed-not-declared',
      direction: 'egress',
      peer,
      ports: [...new Set(ports)].join(', '),
      message: `Policies allow connections to ${peer}, but the catalog does not list it in dependsOn. Declare the dependency or remove the grant.`,
    });
  }

  for (const t of input.observed) {
    const dropped = t.verdicts.DROPPED ?? 0;
    if (dropped === 0) continue;
    items.push({
      kind: 'observed-not-allowed',
      direction: t.direction,
      peer: t.peer.id,
      ports: `${t.protocol} ${t.port}`,
      message: `${dropped} ${
        t.direction === 'egress' ? 'outgoing' : 'incoming'
      } flows dropped${
        t.dropReasons.length ? ` (${t.dropReasons.join(', ')})` : ''
      }, last at ${t.lastSeen}.`,
    });
  }

  if (input.liveWindow) {
    const forwardedPeers = new Set(
      input.observed
        .filter(t => (t.verdicts.FORWARDED ?? 0) > 0)
        .map(t => `${t.direction}|${t.peer.id}`),
    );
    for (const [direction, edges] of [
      ['egress', input.egress],
      ['ingress', input.ingress],
    ] as const) {
      const seen = new Set<string>();
      for (const e of edges.filter(allowed)) {
        if (
          e.peer.type !== 'entity' ||
          e.peer.id === input.entityRef ||
          seen.has(e.peer.id)
        )
          continue;
        seen.add(e.peer.id);
        if (!forwardedPeers.has(`${direction}|${e.peer.id}`)) {
          items.push({
            kind: 'allowed-not-observed',
            direction,
            peer: e.peer.id,
            ports: e.ports,
            message: `Allowed (${e.ports}) but not seen in the live window: a candidate for removal if it stays unused.`,
          });
        }
      }
    }
  }
  return items;
}
