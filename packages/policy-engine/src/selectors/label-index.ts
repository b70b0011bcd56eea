import { EndpointLabels } from '../model/labels';
import { requirementHolds } from './requirements';
import { Selector } from './selector';

/**
 * Inverted index of endpoint labels: `key=value` and `key` → endpoint indices.
 * Resolves a selector by starting from the smallest posting list of its
 * positive requirements and filtering the candidates with the remaining
 * requirements.
 *
 * @public
 */
export class LabelIndex {
  private readonly byKV = new Map<string, number[]>();
  private readonly byK = new Map<string, number[]>();

  private readonly memo = new Map<string, number[]>();
  private readonly labels: EndpointLabels[] = [];

  constructor(labels: readonly EndpointLabels[] = []) {
    for (const ls of labels) this.add(ls);
  }

  /** Number of endpoints. */
  get size(): number {
    return this.labels.length;
  }

  /** The labels of endpoint `i`. */
  labelsOf(i: number): EndpointLabels {
    return this.labels[i];
  }

  /** Adds an endpoint; returns its index. */
  add(labels: EndpointLabels): number {
    const i = this.labels.length;
    this.labels.push(labels);
    for (const [k, v] of labels) {
      push(this.byK, k, i);
      push(this.byKV, `${k}=${v}`, i);
    }
    if (this.memo.size) this.memo.clear();
    return i;
  }

  /** Indices of endpoints the selector matches (sorted, memoised). */
  resolve(sel: Selector): number[] {
    const hit = this.memo.get(sel.key);
    if (hit) return hit;
    const out = this.match(sel);
    this.memo.set(sel.key, out);
    return out;
  }

  /** Indices of endpoints the selector matches (sorted, not memoised). */
  match(sel: Pick<Selector, 'requirements'>): number[] {
    // the lookup keys of each requirement, once (`any` tries k8s, then reserved)
    const checks = sel.requirements.map(r =>
      r.key.source === 'any'
        ? { r, keys: [`k8s:${r.key.key}`, `reserved:${r.key.key}`] }
        : { r, keys: [`${r.key.source}:${r.key.key}`] },
    );
    let best: number[][] | undefined;
    let bestSize = Infinity;
    for (const { r, keys } of checks) {
      if (r.operator !== 'In' && r.operator !== 'Exists') continue;
      const lists: number[][] = [];
      let size = 0;
      for (const k of keys) {
        if (r.operator === 'Exists') {
          const l = this.byK.get(k);
          if (l) lists.push(l);
        } else {
          for (const v of r.values) {
            const l = this.byKV.get(`${k}=${v}`);
            if (l) lists.push(l);
          }
        }
      }
      for (const l of lists) size += l.length;
      if (size === 0) return [];
      if (size < bestSize) {
        best = lists;
        bestSize = size;
      }
    }
    const holds = (labels: EndpointLabels): boolean => {
      for (const { r, keys } of checks) {
        let v = labels.get(keys[0]);
        if (v === undefined && keys.length > 1) v = labels.get(keys[1]);
        if (!requirementHolds(r, v)) return false;
      }
      return true;
    };
    const out: number[] = [];
    if (!best) {
      for (let i = 0; i < this.labels.length; i++)
        if (holds(this.labels[i])) out.push(i);
      return out;
    }
    if (best.length === 1) {
      for (const i of best[0]) if (holds(this.labels[i])) out.push(i);
      return out;
    }
    const seen = new Set<number>();
    for (const l of best)
      for (const i of l) {
        if (seen.has(i)) continue;
        seen.add(i);
        if (holds(this.labels[i])) out.push(i);
      }
    return out.sort((a, b) => a - b);
  }
}

function push(m: Map<string, number[]>, k: string, i: number): void {
  const l = m.get(k);
  if (l) l.push(i);
  else m.set(k, [i]);
}
