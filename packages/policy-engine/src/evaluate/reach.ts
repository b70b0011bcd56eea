import type { Direction } from '../model/policy';
import type { CachedSelection } from '../selectors/selector-cache';
import { LayeredMap } from './layered-map';
import type { RuleInfo } from './profile';

interface Bucket {
  /** Subject selection → number of allow elements (of rules with that subject) naming the peer selection. */
  subjects: Map<number, { sel: CachedSelection; n: number }>;
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
    private readonly buckets: LayeredMap<number, Bucket>,
  ) {}

  /** The index of these rules' allow elements of direction `dir`. */
  static build(rules: Iterable<RuleInfo>, dir: Direction): Reach {
    const buckets = new Map<number, Bucket>();
    for (const info of rules)
      apply(dir, info, 1, id => {
        let b = buckets.get(id);
        if (!b) {
          b = { subjects: new Map(), size: 0 };
          buckets.set(id, b);
        }
        return b;
      });
    return new Reach(dir, LayeredMap.of(buckets));
  }

  /** A copy without `removed` and with `added`. */
  with(removed: readonly RuleInfo[], added: readonly RuleInfo[]): Reach {
    const changed = new Map<number, Bucket>();
    const bucket = (id: number) => {
      let b = changed.get(id);
      if (!b) {
        const old = this.buckets.get(id);
        b = {
          subjects: new Map(
            old ? [...old.subjects].map(([k, v]) => [k, { ...v }]) : [],
          ),
          size: old ? old.size : 0,
        };
        changed.set(id, b);
      }
      return b;
    };
    for (const info of removed) apply(this.dir, info, -1, bucket);
    for (const info of added) apply(this.dir, info, 1, bucket);
    const kept = [...changed].filter(([, b]) => b.subjects.size);
    const gone = [...changed].filter(([, b]) => !b.subjects.size);
    return new Reach(
      this.dir,
      this.buckets.with(
        kept,
        gone.map(([id]) => id),
      ),
    );
  }

  /** Upper bound of the workloads reaching (or reached from) a workload selected by `selection`. */
  size(selection: number): number {
    const b = this.buckets.get(selection);
    return b ? b.size : 0;
  }

  /** Subject selections of the rules naming `selection` as a peer. */
  subjects(selection: number): Iterable<{ sel: CachedSelection }> {
    const b = this.buckets.get(selection);
    return b ? b.subjects.values() : [];
  }
}

function apply(
  dir: Direction,
  info: RuleInfo,
  delta: 1 | -1,
  bucket: (peer: number) => Bucket,
): void {
  for (const re of info.elements) {
    if (re.el.ref.direction !== dir || re.el.ref.deny) continue;
    for (const peer of re.peerSelections) {
      const b = bucket(peer.id);
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
    }
  }
}
