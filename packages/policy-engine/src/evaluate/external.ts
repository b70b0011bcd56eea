import type { IpFamily } from '../model/ip';
import type { Profile } from './profile';
import type { Atom } from './state';

/** Per-engine memo of {@link atomCandidates} (profiles are shared by engines with different atoms). */
export class AtomCandidateCache {
  readonly byProfile = new WeakMap<
    Profile,
    { atoms: readonly Atom[]; list: readonly number[] }
  >();
}

/**
 * Indices of the external atoms a profile may grant (ascending): every atom
 * when the direction is not isolated or an allow admits any peer, otherwise
 * the atoms inside the address ranges its allows name. An atom no allow
 * grants cannot be an edge (deny rules only remove what is granted).
 */
export function atomCandidates(
  cache: AtomCandidateCache,
  prof: Profile,
  atoms: readonly Atom[],
): readonly number[] {
  const hit = cache.byProfile.get(prof);
  if (hit && hit.atoms === atoms) return hit.list;
  let list: number[] = [];
  const others = prof.groups.flatMap(g =>
    g.allows.other.map(p => g.allows.list[p]),
  );
  if (!prof.isolated || others.some(re => re.anyPeer))
    list = atoms.map((_, i) => i);
  else {
    // index ranges [from, to) of the atoms inside each allowed address range
    const spans: Array<[number, number]> = [];
    for (const re of others)
      for (const x of re.ext) {
        const from = firstAtom(atoms, x.family, x.start);
        let to = from;
        while (
          to < atoms.length &&
          atoms[to].family === x.family &&
          atoms[to].end <= x.end
        )
          to++;
        if (to > from) spans.push([from, to]);
      }
    spans.sort((p, q) => p[0] - q[0]);
    let next = 0;
    for (const [from, to] of spans) {
      for (let i = Math.max(from, next); i < to; i++) list.push(i);
      next = Math.max(next, to);
    }
  }
  cache.byProfile.set(prof, { atoms, list });
  return list;
}

/** Index of the first atom of `family` starting at or after `start`. */
function firstAtom(
  atoms: readonly Atom[],
  family: IpFamily,
  start: bigint,
): number {
  let lo = 0;
  let hi = atoms.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const a = atoms[mid];
    if (a.family < family || (a.family === family && a.start < start))
      lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The atoms without repeats (ingress and egress atoms overlap). */
export function uniqueAtoms<T extends Atom>(list: T[]): T[] {
  const seen = new Set<string>();
  return list.filter(a => {
    const k = `${a.family}:${a.start}:${a.end}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
