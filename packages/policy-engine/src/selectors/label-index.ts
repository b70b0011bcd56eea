import { EndpointLabels } from '../model/labels';
import { Selector, selectorMatches } from './selector';

/**
 * Inverted index of endpoint labels: `key=value` and `key` → endpoint indices.
 * Resolves a selector by starting from the smallest posting list of its
 * positive requirements and filtering, and memoises results by selector key.
 *
 * @public
 */
export class LabelIndex {
  private readonly byKV = new Map<string, number[]>();
  private readonly byK = new Map<string, number[]>();
  private readonly memo = new Map<string, number[]>();
  private readonly all: number[];

  constructor(private readonly labels: readonly EndpointLabels[]) {
    this.all = labels.map((_, i) => i);
    labels.forEach((ls, i) => {
      for (const [k, v] of ls) {
        push(this.byK, k, i);
        push(this.byKV, `${k}=${v}`, i);
      }
    });
  }

  /** Number of endpoints. */
  get size(): number {
    return this.labels.length;
  }

  /** Indices of endpoints the selector matches (sorted, memoised). */
  resolve(sel: Selector): number[] {
    const hit = this.memo.get(sel.key);
    if (hit) return hit;
    let candidates: number[] | undefined;
    for (const r of sel.requirements) {
      if (r.operator !== 'In' && r.operator !== 'Exists') continue;
      const keys =
        r.key.source === 'any'
          ? [`k8s:${r.key.key}`, `reserved:${r.key.key}`]
          : [`${r.key.source}:${r.key.key}`];
      let list: number[] = [];
      if (r.operator === 'Exists') {
        for (const k of keys) list = list.concat(this.byK.get(k) ?? []);
      } else {
        for (const k of keys)
          for (const v of r.values)
            list = list.concat(this.byKV.get(`${k}=${v}`) ?? []);
      }
      if (!candidates || list.length < candidates.length) candidates = list;
      if (candidates.length === 0) break;
    }
    const base = candidates ?? this.all;
    const out: number[] = [];
    const seen = new Set<number>();
    for (const i of base) {
      if (seen.has(i)) continue;
      seen.add(i);
      if (selectorMatches(sel, this.labels[i])) out.push(i);
    }
    out.sort((a, b) => a - b);
    this.memo.set(sel.key, out);
    return out;
  }
}

function push(m: Map<string, number[]>, k: string, i: number): void {
  const l = m.get(k);
  if (l) l.push(i);
  else m.set(k, [i]);
}
