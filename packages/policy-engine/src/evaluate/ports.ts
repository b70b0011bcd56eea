import { ConnSet, Protocol } from '../model/connset';
import type { ContainerPort } from '../model/inventory';
import type { L7Rules, PortRule } from '../model/policy';

const ANY: Protocol[] = ['TCP', 'UDP', 'SCTP'];

function protocolsOf(r: PortRule): Protocol[] {
  if (r.protocol === 'ANY') return ANY;
  return [r.protocol];
}

/** Does a port rule use a named port? */
export function isNamed(r: PortRule): boolean {
  return r.name !== undefined;
}

/**
 * Connections one port rule allows towards a destination. Named ports resolve
 * against the destination's container ports (name and protocol); an unknown
 * destination (`undefined`) resolves nothing.
 */
export function portRuleConn(
  r: PortRule,
  dstPorts?: readonly ContainerPort[],
): ConnSet {
  if (r.protocol === 'ICMP' || r.protocol === 'ICMPv6') {
    return r.port === undefined
      ? ConnSet.of(r.protocol)
      : ConnSet.of(r.protocol, r.port, r.endPort ?? r.port);
  }
  const protos = protocolsOf(r);
  let out = ConnSet.NONE;
  if (r.name !== undefined) {
    for (const cp of dstPorts || []) {
      if (
        cp.name !== undefined &&
        cp.name.toLowerCase() === r.name &&
        protos.includes(cp.protocol)
      )
        out = out.union(ConnSet.of(cp.protocol, cp.port));
    }
    return out;
  }
  for (const p of protos)
    out = out.union(
      r.port === undefined
        ? ConnSet.of(p)
        : ConnSet.of(p, r.port, r.endPort ?? r.port),
    );
  return out;
}

/** Connections of a whole element's port list (`'all'` = everything incl. ICMP). */
export function portsConn(
  ports: PortRule[] | 'all',
  dstPorts?: readonly ContainerPort[],
): ConnSet {
  if (ports === 'all') return ConnSet.ALL;
  let out = ConnSet.NONE;
  for (const r of ports) out = out.union(portRuleConn(r, dstPorts));
  return out;
}

/** L7 rules of an element with the connections they apply to. */
export function l7Of(
  ports: PortRule[] | 'all',
  dstPorts?: readonly ContainerPort[],
): Array<{ conn: ConnSet; rules: L7Rules }> {
  if (ports === 'all') return [];
  const out: Array<{ conn: ConnSet; rules: L7Rules }> = [];
  for (const r of ports)
    if (r.l7) out.push({ conn: portRuleConn(r, dstPorts), rules: r.l7 });
  return out;
}
