import { cmp } from '../model/compare';
import { ConnSet, parseConnString } from '../model/connset';
import { IpRange, parseRangeText } from '../model/ip';
import type { ConnLine } from '../output/connlist';

const L4 = ['TCP', 'UDP', 'SCTP'] as const;

/** Projects to the protocols the Kubernetes oracles model (TCP/UDP/SCTP). */
export function l4(c: ConnSet): ConnSet {
  return c.only(L4);
}

interface Norm {
  pairs: Map<string, ConnSet>;
  ext: Map<string, Array<{ r: IpRange; c: ConnSet }>>;
}

const EXT_RE = /^(.*?)(\[External\])?$/;

function isExternal(id: string): boolean {
  return (
    id.endsWith('[External]') ||
    /^\d+\.\d+\.\d+\.\d+-\d+\.\d+\.\d+\.\d+$/.test(id)
  );
}

function normalize(lines: ConnLine[]): Norm {
  const pairs = new Map<string, ConnSet>();
  const ext = new Map<string, Array<{ r: IpRange; c: ConnSet }>>();
  for (const l of lines) {
    const c = l4(parseConnString(l.conn));
    if (isExternal(l.src) || isExternal(l.dst)) {
      const srcExt = isExternal(l.src);
      const rangeText = (srcExt ? l.src : l.dst).replace(EXT_RE, '$1');
      const key = srcExt ? `in:${l.dst}` : `out:${l.src}`;
      const list = ext.get(key) ?? [];
      list.push({ r: parseRangeText(rangeText), c });
      ext.set(key, list);
    } else {
      const k = `${l.src} => ${l.dst}`;
      pairs.set(k, (pairs.get(k) ?? ConnSet.NONE).union(c));
    }
  }
  return { pairs, ext };
}

function at(
  list: Array<{ r: IpRange; c: ConnSet }>,
  family: number,
  v: bigint,
): ConnSet {
  let out = ConnSet.NONE;
  for (const x of list)
    if (x.r.family === family && x.r.start <= v && x.r.end >= v)
      out = out.union(x.c);
  return out;
}

/**
 * Compares two connlists as sets of (src, dst, protocol, port), external peers
 * by address coverage (ranges are refined to common boundaries). Returns the
 * differences (empty = equal).
 */
export function compareConnlists(
  actual: ConnLine[],
  expected: ConnLine[],
): string[] {
  const a = normalize(actual);
  const e = normalize(expected);
  const diffs: string[] = [];
  for (const k of new Set([...a.pairs.keys(), ...e.pairs.keys()])) {
    const x = a.pairs.get(k) ?? ConnSet.NONE;
    const y = e.pairs.get(k) ?? ConnSet.NONE;
    if (!x.equals(y))
      diffs.push(`${k}: got ${x.toString()}, expected ${y.toString()}`);
  }
  for (const k of new Set([...a.ext.keys(), ...e.ext.keys()])) {
    const xa = a.ext.get(k) ?? [];
    const xe = e.ext.get(k) ?? [];
    const cuts = new Map<number, Set<bigint>>();
    for (const { r } of [...xa, ...xe]) {
      const s = cuts.get(r.family) ?? new Set<bigint>();
      s.add(r.start);
      s.add(r.end + 1n);
      cuts.set(r.family, s);
    }
    for (const [family, set] of cuts) {
      const pts = [...set].sort(cmp);
      for (let i = 0; i + 1 < pts.length; i++) {
        const ca = at(xa, family, pts[i]);
        const ce = at(xe, family, pts[i]);
        if (!ca.equals(ce))
          diffs.push(
            `${k} @${family === 4 ? 'v4' : 'v6'}:${
              pts[i]
            }: got ${ca.toString()}, expected ${ce.toString()}`,
          );
      }
    }
  }
  return diffs;
}
