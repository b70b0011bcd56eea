import {
  CLUSTER_LABEL,
  EndpointLabels,
  lookupLabel,
  NAMESPACE_LABELS_PREFIX,
  POD_NAMESPACE_LABEL,
} from '../model/labels';
import { LabelIndex } from './label-index';
import { requirementHolds } from './requirements';
import { Requirement, Selector } from './selector';

/**
 * The labels of one workload as Cilium derives them, in two parts: those it
 * gets from its namespace (namespace name and labels, cluster; one map object
 * shared by every workload of the namespace) and its own (pod labels, service
 * account). The two parts have no key in common.
 *
 * @public
 */
export interface WorkloadLabels {
  /** Labels from the namespace (the same map object for every workload of the namespace). */
  namespace: EndpointLabels;
  /** The workload's own labels (pod labels, service account). */
  own: EndpointLabels;
}

/**
 * The workloads one distinct selector matches, resolved once.
 *
 * @public
 */
export interface CachedSelection {
  /** Dense id of the selector in its {@link SelectorCache}. */
  readonly id: number;
  /** The selector (the first one seen with its canonical key). */
  readonly selector: Selector;
  /** Indices of the matching workloads, ascending. */
  readonly workloads: readonly number[];
}

/**
 * Cilium's selector cache for a fixed set of workloads.
 *
 * Workloads with the same labels share one identity. Identities are indexed
 * in two levels, as Cilium's labels are derived: the namespace labels once per
 * namespace (a {@link LabelIndex} of namespaces), the workloads' own labels
 * once per namespace (a {@link LabelIndex} per namespace). A selector's
 * namespace requirements pick the namespaces, its other requirements the
 * identities in them.
 *
 * Each distinct selector (by its canonical key) is resolved once, and the
 * cache keeps the reverse relation too: which selectors select a workload.
 * Matching a workload against many rules is then a lookup of its few
 * selectors, never a test of every selector. The cache only grows: engines
 * derived from one another share it, and a selection never changes.
 *
 * @public
 */
export class SelectorCache {
  private readonly namespaces = new LabelIndex();
  private readonly namespaceOf = new Map<EndpointLabels, number>();
  /** Per namespace: its identities' own labels, and their identity ids. */
  private readonly own: Array<{ index: LabelIndex; identities: number[] }> = [];
  /** Identities whose own labels carry a namespace key (matched one by one). */
  private readonly irregular: Array<{ id: number; labels: WorkloadLabels }> =
    [];
  /** Workloads of each identity (ascending). */
  private readonly members: number[][] = [];
  private readonly byKey = new Map<string, CachedSelection>();
  private readonly all: CachedSelection[] = [];
  /** Selector ids selecting each workload (ascending). */
  private readonly reverse: number[][];

  /** `labels[i]` are the labels of workload `i`. */
  constructor(labels: readonly WorkloadLabels[]) {
    const ids = new Map<string, number>();
    labels.forEach((wl, w) => {
      let ns = this.namespaceOf.get(wl.namespace);
      if (ns === undefined) {
        ns = this.namespaces.add(wl.namespace);
        this.namespaceOf.set(wl.namespace, ns);
        this.own.push({ index: new LabelIndex(), identities: [] });
      }
      const key = `${ns}\u0000${labelsKey(wl.own)}`;
      let id = ids.get(key);
      if (id === undefined) {
        id = this.members.length;
        ids.set(key, id);
        this.members.push([]);
        if ([...wl.own.keys()].some(isNamespaceKey))
          this.irregular.push({ id, labels: wl });
        else {
          this.own[ns].index.add(wl.own);
          this.own[ns].identities.push(id);
        }
      }
      this.members[id].push(w);
    });
    this.reverse = labels.map(() => []);
  }

  /** Number of workloads. */
  get workloadCount(): number {
    return this.reverse.length;
  }

  /** Number of identities (distinct label sets). */
  get identityCount(): number {
    return this.members.length;
  }

  /** Number of distinct selectors resolved so far. */
  get size(): number {
    return this.all.length;
  }

  /** The selection of a selector, resolving it on first use. */
  get(selector: Selector): CachedSelection {
    const hit = this.byKey.get(selector.key);
    if (hit) return hit;
    const workloads: number[] = [];
    let sorted = true;
    for (const i of this.identities(selector)) {
      for (const w of this.members[i]) {
        if (workloads.length && workloads[workloads.length - 1] > w)
          sorted = false;
        workloads.push(w);
      }
    }
    if (!sorted) workloads.sort((a, b) => a - b);
    const sel: CachedSelection = { id: this.all.length, selector, workloads };
    this.all.push(sel);
    this.byKey.set(selector.key, sel);
    for (const w of workloads) this.reverse[w].push(sel.id);
    return sel;
  }

  /** The selection with this id. */
  byId(id: number): CachedSelection {
    return this.all[id];
  }

  /** Ids of the resolved selectors that select workload `w` (ascending). */
  selectorsOf(w: number): readonly number[] {
    return this.reverse[w];
  }

  private identities(selector: Selector): number[] {
    const namespaceReqs: Requirement[] = [];
    const ownReqs: Requirement[] = [];
    for (const r of selector.requirements)
      (isNamespaceRequirement(r) ? namespaceReqs : ownReqs).push(r);
    const namespaces = this.namespaces.match({ requirements: namespaceReqs });
    const out: number[] = [];
    const own = { requirements: ownReqs };
    for (const ns of namespaces) {
      const { index, identities } = this.own[ns];
      for (const i of index.match(own)) out.push(identities[i]);
    }
    for (const { id, labels } of this.irregular) {
      const ok = selector.requirements.every(r =>
        requirementHolds(
          r,
          lookupLabel(labels.namespace, r.key) ??
            lookupLabel(labels.own, r.key),
        ),
      );
      if (ok) out.push(id);
    }
    return out;
  }
}

/** Whether a label key (with its source) is one a workload gets from its namespace. */
function isNamespaceKey(key: string): boolean {
  return (
    key === `k8s:${POD_NAMESPACE_LABEL}` ||
    key === `k8s:${CLUSTER_LABEL}` ||
    key.startsWith(`k8s:${NAMESPACE_LABELS_PREFIX}`)
  );
}

function isNamespaceRequirement(r: Requirement): boolean {
  return (
    (r.key.source === 'k8s' || r.key.source === 'any') &&
    isNamespaceKey(`k8s:${r.key.key}`)
  );
}

function labelsKey(labels: EndpointLabels): string {
  return [...labels]
    .map(([k, v]) => `${k}=${v}`)
    .sort()
    .join('\u0000');
}
