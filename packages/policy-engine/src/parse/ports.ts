import type { L7Rules, PortRule } from '../model/policy';

/** Collects validation errors and warnings with a path. */
export class Problems {
  readonly errors: string[] = [];
  readonly warnings: string[] = [];
  error(path: string, msg: string): void {
    this.errors.push(`${path}: ${msg}`);
  }
  warn(path: string, msg: string): void {
    this.warnings.push(`${path}: ${msg}`);
  }
}

/** Max ports per toPorts element (Cilium `maxPorts`). */
export const MAX_PORTS = 40;

const PORT_NAME_RE = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** Result of parsing a port value. */
export type ParsedPort =
  | { kind: 'number'; port: number }
  | { kind: 'name'; name: string }
  | { kind: 'invalid'; reason: string };

/** Parses a port given as number or string (number or IANA-style name, lower-cased). */
export function parsePortValue(v: unknown): ParsedPort {
  if (v === undefined || v === null || v === '')
    return { kind: 'number', port: 0 };
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0 || v > 65535)
      return { kind: 'invalid', reason: `port ${v} out of range 0-65535` };
    return { kind: 'number', port: v };
  }
  const s = String(v).trim();
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (n > 65535)
      return { kind: 'invalid', reason: `port ${s} out of range 0-65535` };
    return { kind: 'number', port: n };
  }
  const name = s.toLowerCase();
  if (!PORT_NAME_RE.test(name) || !/[a-z]/.test(name) || name.length > 15) {
    return { kind: 'invalid', reason: `invalid port "${s}"` };
  }
  return { kind: 'name', name };
}

/**
 * Protocols a Kubernetes `NetworkPolicyPort` may name; it defaults to TCP.
 */
export const KUBERNETES_PORT_PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;

/**
 * Protocols a Cilium `PortProtocol` may name; it defaults to ANY. VRRP and
 * IGMP need `--enable-extended-ip-protocols`, take no port, and are not
 * modelled (the parser warns and skips them).
 */
export const CILIUM_PORT_PROTOCOLS = [
  'TCP',
  'UDP',
  'SCTP',
  'ANY',
  'VRRP',
  'IGMP',
] as const;

/** Which policy API a port entry comes from. */
export type PortDialect = 'kubernetes' | 'cilium';

/** One parsed `{ port, endPort, protocol }` entry. */
export interface PortEntry {
  protocol: (typeof CILIUM_PORT_PROTOCOLS)[number];
  port: Exclude<ParsedPort, { kind: 'invalid' }>;
  /** Set when the entry is a range wider than one port. */
  endPort?: number;
}

/**
 * Parses one `{ port, endPort, protocol }` entry the way the API server and
 * Cilium validate it: the dialect decides the protocols and the default; a
 * Cilium `endPort: 0` means no range, Kubernetes refuses an `endPort` below
 * `port`. Errors go to `p`; the result is `undefined` for a refused entry.
 */
export function parsePortEntry(
  pp: Record<string, unknown> | undefined,
  path: string,
  p: Problems,
  dialect: PortDialect,
): PortEntry | undefined {
  const allowed: readonly string[] =
    dialect === 'kubernetes'
      ? KUBERNETES_PORT_PROTOCOLS
      : CILIUM_PORT_PROTOCOLS;
  const missing =
    pp?.protocol === undefined || (dialect === 'cilium' && pp.protocol === '');
  const fallback = dialect === 'kubernetes' ? 'TCP' : 'ANY';
  const protocol = missing ? fallback : String(pp!.protocol).toUpperCase();
  if (!allowed.includes(protocol)) {
    p.error(path, `invalid protocol ${String(pp?.protocol)}`);
    return undefined;
  }
  const port = parsePortValue(pp?.port);
  if (port.kind === 'invalid') {
    p.error(path, port.reason);
    return undefined;
  }
  const entry: PortEntry = {
    protocol: protocol as PortEntry['protocol'],
    port,
  };
  if (
    port.kind === 'number' &&
    port.port !== 0 &&
    pp?.endPort !== undefined &&
    pp.endPort !== null
  ) {
    const end = Number(pp.endPort);
    if (!Number.isInteger(end) || end < 0 || end > 65535) {
      p.error(path, `endPort ${String(pp.endPort)} out of range 0-65535`);
      return undefined;
    }
    if (end < port.port && !(dialect === 'cilium' && end === 0)) {
      p.error(path, `endPort ${end} is lower than port ${port.port}`);
      return undefined;
    }
    if (end > port.port) entry.endPort = end;
  }
  return entry;
}

/** The policy IR's port rule for a parsed entry (VRRP and IGMP excluded). */
export function portRuleOf(entry: PortEntry): PortRule {
  const rule: PortRule = {
    protocol: entry.protocol as PortRule['protocol'],
  };
  if (entry.port.kind === 'name') rule.name = entry.port.name;
  else if (entry.port.port !== 0) {
    rule.port = entry.port.port;
    if (entry.endPort !== undefined) rule.endPort = entry.endPort;
  }
  return rule;
}

const ICMP4: Record<string, number> = {
  EchoReply: 0,
  DestinationUnreachable: 3,
  Redirect: 5,
  Echo: 8,
  EchoRequest: 8,
  RouterAdvertisement: 9,
  RouterSelection: 10,
  TimeExceeded: 11,
  ParameterProblem: 12,
  Timestamp: 13,
  TimestampReply: 14,
  Photuris: 40,
  ExtendedEchoRequest: 42,
  ExtendedEchoReply: 43,
};
const ICMP6: Record<string, number> = {
  DestinationUnreachable: 1,
  PacketTooBig: 2,
  TimeExceeded: 3,
  ParameterProblem: 4,
  EchoRequest: 128,
  EchoReply: 129,
  MulticastListenerQuery: 130,
  MulticastListenerReport: 131,
  MulticastListenerDone: 132,
  RouterSolicitation: 133,
  RouterAdvertisement: 134,
  NeighborSolicitation: 135,
  NeighborAdvertisement: 136,
  RedirectMessage: 137,
  RouterRenumbering: 138,
  ICMPNodeInformationQuery: 139,
  ICMPNodeInformationResponse: 140,
  InverseNeighborDiscoverySolicitation: 141,
  InverseNeighborDiscoveryAdvertisement: 142,
  HomeAgentAddressDiscoveryRequest: 144,
  HomeAgentAddressDiscoveryReply: 145,
  MobilePrefixSolicitation: 146,
  MobilePrefixAdvertisement: 147,
  DuplicateAddressRequestCodeSuffix: 157,
  DuplicateAddressConfirmationCodeSuffix: 158,
  ExtendedEchoRequest: 160,
  ExtendedEchoReply: 161,
};

/** Parses an `icmps` list into ICMP port rules. */
export function parseIcmps(
  raw: unknown,
  path: string,
  p: Problems,
): PortRule[] {
  const out: PortRule[] = [];
  if (!Array.isArray(raw)) {
    p.error(path, 'icmps must be a list');
    return out;
  }
  raw.forEach((entry, i) => {
    const fields = (entry as { fields?: unknown })?.fields;
    if (!Array.isArray(fields)) {
      p.error(`${path}[${i}]`, 'icmps entry needs fields');
      return;
    }
    if (fields.length > MAX_PORTS)
      p.error(
        `${path}[${i}]`,
        `too many ICMP fields (${fields.length} > ${MAX_PORTS})`,
      );
    fields.forEach((f: { family?: unknown; type?: unknown }, j) => {
      const fam = f?.family === undefined ? 'IPv4' : String(f.family);
      if (fam !== 'IPv4' && fam !== 'IPv6') {
        p.error(`${path}[${i}].fields[${j}]`, `invalid ICMP family ${fam}`);
        return;
      }
      const table = fam === 'IPv4' ? ICMP4 : ICMP6;
      let t: number | undefined;
      if (typeof f?.type === 'number') t = f.type;
      else if (typeof f?.type === 'string' && /^\d+$/.test(f.type))
        t = Number(f.type);
      else if (typeof f?.type === 'string') t = table[f.type];
      if (t === undefined || t < 0 || t > 255) {
        p.error(
          `${path}[${i}].fields[${j}]`,
          `invalid ICMP type ${String(f?.type)}`,
        );
        return;
      }
      out.push({
        protocol: fam === 'IPv4' ? 'ICMP' : 'ICMPv6',
        port: t,
        endPort: t,
      });
    });
  });
  return out;
}

function parseL7(
  raw: unknown,
  path: string,
  p: Problems,
  ingress: boolean,
): L7Rules | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object') {
    p.error(path, 'rules must be an object');
    return undefined;
  }
  const r = raw as Record<string, unknown>;
  const types = (['http', 'kafka', 'dns'] as const).filter(
    k => r[k] !== undefined,
  );
  if (r.l7proto !== undefined || r.l7 !== undefined) {
    if (types.length)
      p.error(path, 'multiple L7 protocol rule types specified in single rule');
    return {
      type: 'l7',
      l7proto: String(r.l7proto ?? ''),
      rules: Array.isArray(r.l7) ? r.l7 : [],
    };
  }
  if (types.length > 1) {
    p.error(path, 'multiple L7 protocol rule types specified in single rule');
    return undefined;
  }
  if (!types.length) return undefined;
  const type = types[0];
  const list = r[type];
  if (!Array.isArray(list)) {
    p.error(`${path}.${type}`, 'must be a list');
    return undefined;
  }
  if (type === 'dns') {
    if (ingress) p.error(`${path}.dns`, 'DNS rules are not allowed on ingress');
    list.forEach((d: Record<string, unknown>, i) => {
      const n =
        (d?.matchName !== undefined ? 1 : 0) +
        (d?.matchPattern !== undefined ? 1 : 0);
      if (n !== 1)
        p.error(
          `${path}.dns[${i}]`,
          'needs exactly one of matchName or matchPattern',
        );
    });
  }
  return { type, rules: list };
}

/**
 * Parses a Cilium `toPorts` list. Deny sections have no L7 rules.
 * Returns the port rules (possibly empty).
 */
export function parseToPorts(
  raw: unknown,
  path: string,
  p: Problems,
  opts: { ingress: boolean; deny: boolean },
): PortRule[] {
  const out: PortRule[] = [];
  if (!Array.isArray(raw)) {
    p.error(path, 'toPorts must be a list');
    return out;
  }
  raw.forEach((el: Record<string, unknown>, i) => {
    const ep = `${path}[${i}]`;
    if (!el || typeof el !== 'object') {
      p.error(ep, 'toPorts entry must be an object');
      return;
    }
    if (opts.deny && el.rules !== undefined)
      p.error(`${ep}.rules`, 'deny rules cannot have L7 rules');
    const l7 = opts.deny
      ? undefined
      : parseL7(el.rules, `${ep}.rules`, p, opts.ingress);
    if (el.listener !== undefined) {
      if (opts.ingress)
        p.error(`${ep}.listener`, 'listener is only allowed on egress');
      if (l7)
        p.error(`${ep}.listener`, 'listener cannot be combined with L7 rules');
    }
    const serverNames = Array.isArray(el.serverNames)
      ? el.serverNames.map(String)
      : undefined;
    if (serverNames?.some(s => s === ''))
      p.error(`${ep}.serverNames`, 'empty server name');
    if (serverNames && l7 && el.terminatingTLS === undefined) {
      p.error(
        `${ep}.serverNames`,
        'serverNames with L7 rules requires terminatingTLS',
      );
    }
    const ports = el.ports;
    if (ports === undefined || ports === null) {
      if (l7?.type === 'dns') p.error(ep, 'DNS rules need a port');
      return;
    }
    if (!Array.isArray(ports)) {
      p.error(`${ep}.ports`, 'must be a list');
      return;
    }
    if (ports.length > MAX_PORTS)
      p.error(`${ep}.ports`, `too many ports (${ports.length} > ${MAX_PORTS})`);
    ports.forEach((pp: Record<string, unknown>, j) => {
      const pth = `${ep}.ports[${j}]`;
      const entry = parsePortEntry(pp, pth, p, 'cilium');
      if (!entry) return;
      const { protocol: proto, port: parsed } = entry;
      if (proto === 'VRRP' || proto === 'IGMP') {
        if (parsed.kind === 'name' || parsed.port !== 0)
          p.error(pth, `${proto} cannot have a port`);
        p.warn(
          pth,
          `protocol ${proto} is not modelled (needs --enable-extended-ip-protocols); ignored`,
        );
        return;
      }
      if (l7) {
        if (l7.type === 'dns') {
          if (proto === 'SCTP') p.error(pth, 'DNS rules only on TCP/UDP/ANY');
          if (parsed.kind === 'number' && parsed.port === 0)
            p.error(pth, 'DNS rules need a port');
          if (pp?.endPort !== undefined && Number(pp.endPort) !== 0)
            p.error(pth, 'DNS rules cannot use port ranges');
        } else {
          if (proto !== 'TCP' && proto !== 'ANY')
            p.error(pth, 'L7 rules can only apply to TCP');
          if (parsed.kind === 'number' && parsed.port === 0)
            p.error(pth, 'L7 rules cannot apply to port 0');
        }
      }
      const rule = portRuleOf(entry);
      if (l7) rule.l7 = l7;
      if (serverNames) rule.serverNames = serverNames;
      out.push(rule);
    });
  });
  return out;
}
