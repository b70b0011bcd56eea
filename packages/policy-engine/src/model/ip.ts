import { cmp } from './compare';
import ipaddr from 'ipaddr.js';

/**
 * Address family.
 *
 * @public
 */
export type IpFamily = 4 | 6;

/**
 * An inclusive address range within one family.
 *
 * @public
 */
export interface IpRange {
  family: IpFamily;
  start: bigint;
  end: bigint;
}

const V4_MAX = (1n << 32n) - 1n;
const V6_MAX = (1n << 128n) - 1n;

/** Largest address of a family. */
export function familyMax(f: IpFamily): bigint {
  return f === 4 ? V4_MAX : V6_MAX;
}

/** The whole address space of a family. */
export function fullRange(f: IpFamily): IpRange {
  return { family: f, start: 0n, end: familyMax(f) };
}

function bytesToBig(bytes: number[]): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

/** Parses an address (v4, v6, v4-mapped v6 stays v6).
 * @public
 */
export function parseAddress(text: string): {
  family: IpFamily;
  value: bigint;
} {
  const a = ipaddr.parse(text.trim());
  if (a.kind() === 'ipv4')
    return { family: 4, value: bytesToBig(a.toByteArray()) };
  return { family: 6, value: bytesToBig(a.toByteArray()) };
}

/** Is the text an IP address? */
export function isIpAddress(text: string): boolean {
  return ipaddr.isValid(text.trim());
}

/** Error for a malformed CIDR.
 * @public
 */
export class CidrError extends Error {}

/**
 * Parses `a.b.c.d/n` or `x::/n` (a bare address is a /32 or /128) into a range.
 * Host bits set below the mask are rejected like Cilium does ("contiguous masks"
 * are enforced by the syntax, but `10.0.0.1/8` is accepted and truncated by Go's
 * net.ParseCIDR, so we truncate as well).
 *
 * @public
 */
export function parseCidr(text: string): IpRange {
  const t = String(text).trim();
  try {
    if (!t.includes('/')) {
      const a = parseAddress(t);
      return { family: a.family, start: a.value, end: a.value };
    }
    const [addr, bits] = ipaddr.parseCIDR(t);
    const family: IpFamily = addr.kind() === 'ipv4' ? 4 : 6;
    const width = family === 4 ? 32 : 128;
    const value = bytesToBig(addr.toByteArray());
    const host = BigInt(width - bits);
    const mask = ((1n << BigInt(width)) - 1n) ^ ((1n << host) - 1n);
    const start = value & mask;
    return { family, start, end: start | ((1n << host) - 1n) };
  } catch (e) {
    throw new CidrError(`invalid CIDR "${t}"`);
  }
}

/**
 * The canonical text of a CIDR: decimal dotted quad (IPv4) or RFC 5952 form
 * (IPv6) of the network address, host bits cleared, prefix without leading
 * zeros — what Cilium (Go's net/netip) writes. `010.0.0.0/8` (octal),
 * `0xa.0.0.0/8` (hex) and `10.0.0.1/8` (host bits) are not canonical; their
 * canonical forms are `8.0.0.0/8`, `10.0.0.0/8` and `10.0.0.0/8`.
 * Throws {@link CidrError} when the text is not a CIDR.
 */
export function canonicalCidr(text: string): string {
  const t = String(text).trim();
  try {
    const [addr, bits] = ipaddr.parseCIDR(t);
    const network =
      addr.kind() === 'ipv4'
        ? ipaddr.IPv4.networkAddressFromCIDR(t)
        : ipaddr.IPv6.networkAddressFromCIDR(t);
    return `${network.toString()}/${bits}`;
  } catch (e) {
    throw new CidrError(`invalid CIDR "${t}"`);
  }
}

/** Formats an address. */
export function formatAddress(family: IpFamily, v: bigint): string {
  if (family === 4) {
    return [24n, 16n, 8n, 0n].map(s => String((v >> s) & 255n)).join('.');
  }
  const parts: number[] = [];
  for (let i = 7; i >= 0; i--)
    parts.push(Number((v >> BigInt(i * 16)) & 0xffffn));
  return ipaddr.IPv6.parse(parts.map(p => p.toString(16)).join(':')).toString();
}

/**
 * Formats a range the netpol-analyzer way: `start-end`.
 *
 * @public
 */
export function formatRange(r: IpRange): string {
  return `${formatAddress(r.family, r.start)}-${formatAddress(
    r.family,
    r.end,
  )}`;
}

/**
 * Parses `a.b.c.d-e.f.g.h` (or a CIDR, or a single address) into a range.
 *
 * @public
 */
export function parseRangeText(text: string): IpRange {
  const t = text.trim();
  const dash = t.indexOf('-');
  if (dash > 0 && !t.includes('/')) {
    const a = parseAddress(t.slice(0, dash));
    const b = parseAddress(t.slice(dash + 1));
    return { family: a.family, start: a.value, end: b.value };
  }
  return parseCidr(t);
}

/** Sorted, disjoint, merged list of ranges of one family. */
export type RangeList = IpRange[];

/** Merges ranges (any order, both families) into sorted disjoint lists. */
export function normalizeRanges(ranges: IpRange[]): RangeList {
  const sorted = [...ranges].sort(
    (a, b) => a.family - b.family || cmp(a.start, b.start),
  );
  const out: IpRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && last.family === r.family && r.start <= last.end + 1n) {
      if (r.end > last.end) out[out.length - 1] = { ...last, end: r.end };
    } else out.push({ ...r });
  }
  return out;
}

/** Removes `minus` from `ranges`. Both normalised. */
export function subtractRanges(ranges: RangeList, minus: RangeList): RangeList {
  let cur = ranges;
  for (const m of minus) {
    const next: IpRange[] = [];
    for (const r of cur) {
      if (r.family !== m.family || m.end < r.start || m.start > r.end) {
        next.push(r);
        continue;
      }
      if (m.start > r.start)
        next.push({ family: r.family, start: r.start, end: m.start - 1n });
      if (m.end < r.end)
        next.push({ family: r.family, start: m.end + 1n, end: r.end });
    }
    cur = next;
  }
  return cur;
}

/** Does `list` (normalised) fully contain `r`? */
export function rangesContain(list: RangeList, r: IpRange): boolean {
  for (const x of list)
    if (x.family === r.family && x.start <= r.start && x.end >= r.end)
      return true;
  return false;
}

/** Does `list` contain the address? */
export function rangesHave(
  list: RangeList,
  family: IpFamily,
  v: bigint,
): boolean {
  for (const x of list)
    if (x.family === family && x.start <= v && x.end >= v) return true;
  return false;
}

/** Is `inner` inside `outer`?
 * @public
 */
export function rangeInside(inner: IpRange, outer: IpRange): boolean {
  return (
    inner.family === outer.family &&
    inner.start >= outer.start &&
    inner.end <= outer.end
  );
}
