/**
 * Protocol/port sets. A {@link ConnSet} is an immutable set of (protocol, port)
 * pairs: TCP/UDP/SCTP ports 1-65535 and ICMP/ICMPv6 types 0-255.
 */

/**
 * Protocols the engine models. `ANY` in policies expands to TCP, UDP and SCTP.
 *
 * @public
 */
export type Protocol = 'TCP' | 'UDP' | 'SCTP' | 'ICMP' | 'ICMPv6';

/**
 * All protocols, in output order.
 *
 * @public
 */
export const PROTOCOLS: readonly Protocol[] = [
  'SCTP',
  'TCP',
  'UDP',
  'ICMP',
  'ICMPv6',
];
/**
 * The L4 protocols that carry ports.
 *
 * @public
 */
export const PORT_PROTOCOLS: readonly Protocol[] = ['SCTP', 'TCP', 'UDP'];

const MAX: Record<Protocol, number> = {
  TCP: 65535,
  UDP: 65535,
  SCTP: 65535,
  ICMP: 255,
  ICMPv6: 255,
};
const MIN: Record<Protocol, number> = {
  TCP: 1,
  UDP: 1,
  SCTP: 1,
  ICMP: 0,
  ICMPv6: 0,
};
const IDX: Record<Protocol, number> = {
  SCTP: 0,
  TCP: 1,
  UDP: 2,
  ICMP: 3,
  ICMPv6: 4,
};

/** Flat sorted list of disjoint inclusive intervals: [s0, e0, s1, e1, ...]. */
type Ranges = readonly number[];

const EMPTY_R: Ranges = Object.freeze([]) as Ranges;

function normalize(r: number[]): number[] {
  if (r.length <= 2) return r;
  const pairs: [number, number][] = [];
  for (let i = 0; i < r.length; i += 2) pairs.push([r[i], r[i + 1]]);
  pairs.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [s, e] of pairs) {
    const n = out.length;
    if (n && s <= out[n - 1] + 1) {
      if (e > out[n - 1]) out[n - 1] = e;
    } else out.push(s, e);
  }
  return out;
}

function unionR(a: Ranges, b: Ranges): Ranges {
  if (!a.length) return b;
  if (!b.length) return a;
  return normalize([...a, ...b]);
}

function intersectR(a: Ranges, b: Ranges): Ranges {
  if (!a.length || !b.length) return EMPTY_R;
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const s = Math.max(a[i], b[j]);
    const e = Math.min(a[i + 1], b[j + 1]);
    if (s <= e) out.push(s, e);
    if (a[i + 1] < b[j + 1]) i += 2;
    else j += 2;
  }
  return out;
}

function subtractR(a: Ranges, b: Ranges): Ranges {
  if (!a.length || !b.length) return a;
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < a.length; i += 2) {
    let s = a[i];
    const e = a[i + 1];
    while (j < b.length && b[j + 1] < s) j += 2;
    let k = j;
    while (k < b.length && b[k] <= e) {
      if (b[k] > s) out.push(s, b[k] - 1);
      s = Math.max(s, b[k + 1] + 1);
      if (s > e) break;
      k += 2;
    }
    if (s <= e) out.push(s, e);
  }
  return out;
}

function eqR(a: Ranges, b: Ranges): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function hasR(a: Ranges, v: number): boolean {
  let lo = 0;
  let hi = a.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (v < a[mid * 2]) hi = mid - 1;
    else if (v > a[mid * 2 + 1]) lo = mid + 1;
    else return true;
  }
  return false;
}

/**
 * An immutable set of allowed connections, per protocol.
 * @public
 */
export class ConnSet {
  /** Every protocol, every port and ICMP type. */
  static readonly ALL: ConnSet = new ConnSet(
    PROTOCOLS.map(p => [MIN[p], MAX[p]]),
  );
  /** Nothing. */
  static readonly NONE: ConnSet = new ConnSet(PROTOCOLS.map(() => EMPTY_R));

  private constructor(private readonly r: readonly Ranges[]) {}

  /** A set with one protocol and an inclusive port (or ICMP type) range; whole protocol when `from` is undefined. */
  static of(protocol: Protocol, from?: number, to?: number): ConnSet {
    const lo =
      from === undefined ? MIN[protocol] : Math.max(from, MIN[protocol]);
    const hi =
      from === undefined ? MAX[protocol] : Math.min(to ?? from, MAX[protocol]);
    if (lo > hi) return ConnSet.NONE;
    const r = PROTOCOLS.map(() => EMPTY_R);
    r[IDX[protocol]] = [lo, hi];
    return new ConnSet(r);
  }

  /** Builds a set from per-protocol interval lists. */
  static fromRanges(
    ranges: Partial<Record<Protocol, Array<[number, number]>>>,
  ): ConnSet {
    let out = ConnSet.NONE;
    for (const p of PROTOCOLS)
      for (const [a, b] of ranges[p] ?? [])
        out = out.union(ConnSet.of(p, a, b));
    return out;
  }

  /** True when nothing is allowed. */
  isEmpty(): boolean {
    return this === ConnSet.NONE || this.r.every(x => x.length === 0);
  }

  /** True when every protocol and port is allowed. */
  isAll(): boolean {
    return this === ConnSet.ALL || this.equals(ConnSet.ALL);
  }

  /** True when TCP, UDP and SCTP are fully allowed (netpol-analyzer's "All Connections"). */
  isAllPorts(): boolean {
    return PORT_PROTOCOLS.every(p =>
      eqR(this.r[IDX[p]], ConnSet.ALL.r[IDX[p]]),
    );
  }

  union(o: ConnSet): ConnSet {
    if (o === ConnSet.NONE || this === ConnSet.ALL || o === this) return this;
    if (this === ConnSet.NONE || o === ConnSet.ALL) return o;
    if (this.equals(o)) return this;
    return new ConnSet(this.r.map((x, i) => unionR(x, o.r[i])));
  }

  intersect(o: ConnSet): ConnSet {
    if (o === ConnSet.ALL || this === ConnSet.NONE) return this;
    if (this === ConnSet.ALL || o === ConnSet.NONE) return o;
    return ConnSet.make(this.r.map((x, i) => intersectR(x, o.r[i])));
  }

  subtract(o: ConnSet): ConnSet {
    if (o === ConnSet.NONE || this === ConnSet.NONE) return this;
    if (o === ConnSet.ALL) return ConnSet.NONE;
    return ConnSet.make(this.r.map((x, i) => subtractR(x, o.r[i])));
  }

  equals(o: ConnSet): boolean {
    return this === o || this.r.every((x, i) => eqR(x, o.r[i]));
  }

  /** Does the set contain this port (or ICMP type) of this protocol? */
  has(protocol: Protocol, port: number): boolean {
    return hasR(this.r[IDX[protocol]], port);
  }

  /** Restricts the set to the given protocols. */
  only(protocols: readonly Protocol[]): ConnSet {
    return ConnSet.make(
      this.r.map((x, i) => (protocols.includes(PROTOCOLS[i]) ? x : EMPTY_R)),
    );
  }

  /** Intervals of one protocol. */
  ranges(protocol: Protocol): Array<[number, number]> {
    const x = this.r[IDX[protocol]];
    const out: Array<[number, number]> = [];
    for (let i = 0; i < x.length; i += 2) out.push([x[i], x[i + 1]]);
    return out;
  }

  /** Is the whole protocol allowed? */
  hasAll(protocol: Protocol): boolean {
    return eqR(this.r[IDX[protocol]], ConnSet.ALL.r[IDX[protocol]]);
  }

  /**
   * netpol-analyzer compatible text: `All Connections` (every protocol incl.
   * ICMP), `No Connections` or `TCP 80,8080-8081,UDP 53`. ICMP is written as
   * `ICMP 8` (types).
   */
  toString(): string {
    if (this.isEmpty()) return 'No Connections';
    if (this.isAll()) return 'All Connections';
    const parts: string[] = [];
    for (const p of PROTOCOLS) {
      const x = this.r[IDX[p]];
      if (!x.length) continue;
      const items: string[] = [];
      for (let i = 0; i < x.length; i += 2)
        items.push(x[i] === x[i + 1] ? `${x[i]}` : `${x[i]}-${x[i + 1]}`);
      parts.push(`${p} ${items.join(',')}`);
    }
    return parts.join(',');
  }

  /** JSON form: protocol → list of `[from, to]`. */
  toJSON(): Partial<Record<Protocol, Array<[number, number]>>> {
    const out: Partial<Record<Protocol, Array<[number, number]>>> = {};
    for (const p of PROTOCOLS) {
      const r = this.ranges(p);
      if (r.length) out[p] = r;
    }
    return out;
  }

  /** Stable key for hashing. */
  key(): string {
    return this.r.map(x => x.join(',')).join('|');
  }

  private static make(r: Ranges[]): ConnSet {
    if (r.every(x => x.length === 0)) return ConnSet.NONE;
    return new ConnSet(r);
  }
}

/**
 * Parses the netpol-analyzer connection text (`All Connections`, `TCP 80,UDP 53`,
 * `TCP 1-100`, `No Connections`) back into a set. Named ports (`TCP http`) are
 * ignored. `All Connections` means TCP/UDP/SCTP on all ports.
 *
 * @public
 */
export function parseConnString(text: string): ConnSet {
  const t = text.trim();
  if (t === 'No Connections' || t === '') return ConnSet.NONE;
  if (t === 'All Connections') return ConnSet.ALL;
  let out = ConnSet.NONE;
  let proto: Protocol | undefined;
  let sawPort = false;
  const flush = () => {
    if (proto && !sawPort) out = out.union(ConnSet.of(proto));
  };
  for (const raw of t.split(',')) {
    const tok = raw.trim();
    const m = /^(TCP|UDP|SCTP|ICMPv6|ICMP)(?:\s+(.*))?$/.exec(tok);
    let rest = tok;
    if (m) {
      flush();
      proto = m[1] as Protocol;
      sawPort = false;
      if (m[2] === undefined) continue;
      rest = m[2];
    }
    if (!proto) throw new Error(`cannot parse connection text: ${text}`);
    const r = /^(\d+)(?:-(\d+))?$/.exec(rest.trim());
    sawPort = true;
    if (!r) continue; // named port
    out = out.union(ConnSet.of(proto, Number(r[1]), Number(r[2] ?? r[1])));
  }
  flush();
  return out;
}
