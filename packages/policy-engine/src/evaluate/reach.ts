import type { Direction } from '../model/policy';
import type { Selection } from '../selectors/selector-cache';
import type { RuleInfo } from './profile';

interface Bucket {
  /** Subject selection → number of allow elements (of rules with that subject) naming the peer selection. */
  subjects: Map<number, { sel: Selection; n: number }>;
  /** Sum of the subject selections' sizes: an upper bound of the workloads reached. */
  size: number;
}

/**
 * Which workloads may reach a peer in one direction through an allow element
 * that names it by a selector: peer selection → subject selections of the
 * rules holding such an element. With it the engine finds the possible
 * sources of a destination (or destinations of a source) from the few
 * selectors that select that workload, instead of testing every workload.
 * Immutable: {@link Reach.with} returns an updated copy sharing the buckets
 * it does not touch.
 */
export class Reach {
  private constructor(
    private readonly dir: Direction,
    private readonly buckets: Map<number, Bucket>,
  ) {}

  /** The index of these rules' allow elements of direction `dir`. */
  static build(rules: Iterable<RuleInfo>, dir: Direction): Reach {
    const r = new Reach(dir, new Map());
    for (const info of rules) r.apply(info, 1, undefined);
    return r;
  }

  /** A copy without `removed` and with `added`. */
  with(removed: readonly RuleInfo[], added: readonly RuleInfo[]): Reach {
    const r = new Reach(this.dir, new Map(this.buckets));
    const copied = new Set<number>();
    for (const info of removed) r.apply(info, -1, copied);
    for (const info of added) r.apply(info, 1, copied);
    return r;
  }

  /** Upper bound of the workloads reaching (or reached from) a workload selected by `selection`. */
  size(selection: number): number {
    const b = this.buckets.get(selection);
    return b ? b.size : 0;
  }

  /** Subject selections of the rules naming `selection` as a peer. */
  subjects(selection: number): Iterable<{ sel: Selection }> {
    const b = this.buckets.get(selection);
    return b ? b.subjects.values() : [];
  }

  private apply(
    info: RuleInfo,
    delta: 1 | -1,
    copied: Set<number> | undefined,
  ): void {
    for (const re of info.elements) {
      if (re.el.ref.direction !== this.dir || re.el.ref.deny) continue;
      for (const peer of re.peerSelections) {
        let b = this.buckets.get(peer.id);
        if (copied && b && !copied.has(peer.id)) {
          b = {
            subjects: new Map(
              [...b.subjects].map(([k, v]) => [k, { ...v }] as const),
            ),
            size: b.size,
          };
          this.buckets.set(peer.id, b);
        }
        copied?.add(peer.id);
        if (!b) {
          if (delta < 0) continue;
          b = { subjects: new Map(), size: 0 };
          this.buckets.set(peer.id, b);
        }
        const s = b.subjects.get(info.subject.id);
        if (s) {
          s.n += delta;
          if (s.n <= 0) {
            b.subjects.delete(info.subject.id);
            b.size -= info.subject.workloads.length;
          }
        } else if (delta > 0) {
          b.subjects.set(info.subject.id, { sel: info.subject, n: 1 });
          b.size += info.subject.workloads.length;
        }
        if (!b.subjects.size) this.buckets.delete(peer.id);
      }
    }
  }
}
