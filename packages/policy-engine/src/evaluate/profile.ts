import type { Direction, PolicyRef, PolicyRule } from '../model/policy';
import type { CachedSelection } from '../selectors/selector-cache';
import type { DnsPattern } from './fqdn';
import { ConnSet } from '../model/connset';
import type { ContainerPort } from '../model/inventory';
import { elementConn, elementL7, ResolvedElement } from './resolve';

/**
 * Per-workload, per-direction policy state.
 *
 * @public
 */
export interface DirectionProfile {
  isolated: boolean;
  isolatedBy: PolicyRef[];
  /** Rules that select the endpoint and have a section for this direction. */
  selectedBy: PolicyRef[];
  allows: ResolvedElement[];
  denies: ResolvedElement[];
  /** Can any workload be a peer (not isolated, or a wildcard element)? */
  open: boolean;
  /** DNS patterns visible to the DNS proxy (egress). */
  dns: DnsPattern[];
}

/** A pod rule as the engine holds it: resolved once, shared by derived engines. */
export interface RuleInfo {
  /** Dense id within the engine family. */
  id: number;
  rule: PolicyRule;
  /** The policy object the rule belongs to, and the rule's position in it. */
  policy: object;
  position: number;
  subject: CachedSelection;
  elements: ResolvedElement[];
  warnings: string[];
  /** Whether the rule has a section (allow or deny) in each direction. */
  dirs: Record<Direction, boolean>;
}

/** Policy enforcement mode (`--enable-policy`). */
export type Enforcement = 'default' | 'always' | 'never';

/** Element positions of one kind (allow or deny) of a {@link RuleGroup}, indexed for matching. */
export interface ElementIndex {
  readonly list: readonly ResolvedElement[];
  /** Order key of each element's rule (elements of one rule are adjacent, in order). */
  readonly order: readonly number[];
  /** Positions of the elements naming each selection (ascending). */
  readonly bySel: ReadonlyMap<number, readonly number[]>;
  /** Positions of the elements matching every workload (`anyPeer`, entity `cluster`). */
  readonly wild: readonly number[];
  /** Positions of the elements that may match a peer outside the workloads. */
  readonly other: readonly number[];
}

/**
 * The rules of one direction that have the same subject selection, in engine
 * order: Cilium's "rules selecting this identity", kept once for every
 * workload the selection selects.
 */
export interface RuleGroup {
  /** Unique within the engine family (profiles are interned by these). */
  readonly id: number;
  readonly subject: CachedSelection;
  readonly rules: readonly RuleInfo[];
  /** Order key of each rule. */
  readonly order: readonly number[];
  /** Whether some rule puts the selected endpoints into default deny (enforcement `default`). */
  readonly isolating: boolean;
  /** The policies of the rules that isolate (each once, in order) and their order keys. */
  readonly isolatedBy: { list: readonly PolicyRef[]; order: readonly number[] };
  /** The policies of the rules (one entry per rule) and their order keys. */
  readonly selectedBy: { list: readonly PolicyRef[]; order: readonly number[] };
  readonly allows: ElementIndex;
  readonly denies: ElementIndex;
  readonly dns: readonly DnsPattern[];
  /** Whether an allow may match an FQDN peer (any peer, all of world, toFQDNs). */
  readonly fqdnAllows: boolean;
  /** Sum of the sizes of the selections the allows name. */
  readonly allowSize: number;
}

/** Builds the group of `rules` (all with the same subject, in engine order). */
export function buildGroup(
  id: number,
  rules: readonly RuleInfo[],
  order: readonly number[],
  dir: Direction,
  enforcement: Enforcement,
): RuleGroup {
  const allows: ResolvedElement[] = [];
  const allowOrder: number[] = [];
  const denies: ResolvedElement[] = [];
  const denyOrder: number[] = [];
  const dns: DnsPattern[] = [];
  let isolating = false;
  const isolatedBy: PolicyRef[] = [];
  const isolatedOrder: number[] = [];
  const seen = new Set<PolicyRef>();
  rules.forEach((info, k) => {
    if (isolates(info, dir, enforcement)) {
      if (enforcement === 'default') isolating = true;
      if (!seen.has(info.rule.policy)) {
        seen.add(info.rule.policy);
        isolatedBy.push(info.rule.policy);
        isolatedOrder.push(order[k]);
      }
    }
    for (const re of info.elements) {
      if (re.el.ref.direction !== dir) continue;
      if (re.el.ref.deny) {
        if (enforcement === 'never') continue;
        denies.push(re);
        denyOrder.push(order[k]);
      } else {
        allows.push(re);
        allowOrder.push(order[k]);
        for (const d of re.dns) dns.push(d);
      }
    }
  });
  const a = indexElements(allows, allowOrder);
  let allowSize = 0;
  for (const n of a.sizes.values()) allowSize += n;
  return {
    id,
    subject: rules[0].subject,
    rules,
    order,
    isolating,
    isolatedBy: { list: isolatedBy, order: isolatedOrder },
    selectedBy: { list: rules.map(info => info.rule.policy), order },
    allows: a.index,
    denies: indexElements(denies, denyOrder).index,
    dns,
    fqdnAllows: allows.some(re => re.anyPeer || re.extAll || re.fqdns.length),
    allowSize,
  };
}

/** Whether a rule with a section in `dir` counts as isolating (listed in `isolatedBy`). */
function isolates(
  info: RuleInfo,
  dir: Direction,
  enforcement: Enforcement,
): boolean {
  return enforcement === 'default' ? info.rule.defaultDeny[dir] : true;
}

function indexElements(list: ResolvedElement[], order: number[]) {
  const bySel = new Map<number, number[]>();
  const sizes = new Map<number, number>();
  const wild: number[] = [];
  const other: number[] = [];
  list.forEach((re, p) => {
    if (re.anyPeer || re.allWorkloads) wild.push(p);
    if (
      re.anyPeer ||
      re.extAll ||
      re.entities.size ||
      re.ext.length ||
      re.fqdns.length
    )
      other.push(p);
    for (const s of re.peerSelections) {
      const l = bySel.get(s.id);
      if (!l) {
        bySel.set(s.id, [p]);
        sizes.set(s.id, s.workloads.length);
      } else if (l[l.length - 1] !== p) l.push(p);
    }
  });
  const index: ElementIndex = { list, order, bySel, wild, other };
  return { index, sizes };
}

/**
 * The policy state of the workloads selected by the same rule groups in one
 * direction (interned: one object per distinct list of groups). The lists a
 * caller may read (`allows`, `isolatedBy`...) are merged from the groups on
 * first use; matching works on the groups directly.
 */
export class Profile implements DirectionProfile {
  readonly isolated: boolean;
  /** Can any workload be a peer (not isolated, or a wildcard allow)? */
  readonly open: boolean;
  /** Upper bound of the workloads the allows name. */
  readonly allowSize: number;
  /** Whether an allow may match an FQDN peer. */
  readonly fqdnAllows: boolean;
  // Lists merged from the groups on first use. Every field is set in the
  // constructor so that all profiles share one object shape (no deopts).
  private isolatedByList: PolicyRef[] | undefined;
  private selectedByList: PolicyRef[] | undefined;
  private allowList: ResolvedElement[] | undefined;
  private denyList: ResolvedElement[] | undefined;
  private dnsList: DnsPattern[] | undefined;

  constructor(
    /** Interning key: the ids of `groups`. */
    readonly key: string,
    readonly groups: readonly RuleGroup[],
    readonly direction: Direction,
    enforcement: Enforcement,
  ) {
    this.isolated =
      enforcement === 'always' ||
      (enforcement === 'default' && groups.some(g => g.isolating));
    this.open = !this.isolated || groups.some(g => g.allows.wild.length > 0);
    this.allowSize = groups.reduce((n, g) => n + g.allowSize, 0);
    this.fqdnAllows = groups.some(g => g.fqdnAllows);
    this.isolatedByList = undefined;
    this.selectedByList = undefined;
    this.allowList = undefined;
    this.denyList = undefined;
    this.dnsList = undefined;
  }

  get isolatedBy(): PolicyRef[] {
    if (!this.isolatedByList) {
      const merged = mergeBy(this.groups.map(g => g.isolatedBy));
      // a policy whose rules are in several groups is listed once
      this.isolatedByList =
        this.groups.length > 1 ? [...new Set(merged)] : merged;
    }
    return this.isolatedByList;
  }

  get selectedBy(): PolicyRef[] {
    if (!this.selectedByList)
      this.selectedByList = mergeBy(this.groups.map(g => g.selectedBy));
    return this.selectedByList;
  }

  get allows(): ResolvedElement[] {
    if (!this.allowList)
      this.allowList = mergeBy(this.groups.map(g => g.allows));
    return this.allowList;
  }

  get denies(): ResolvedElement[] {
    if (!this.denyList) this.denyList = mergeBy(this.groups.map(g => g.denies));
    return this.denyList;
  }

  get dns(): DnsPattern[] {
    if (!this.dnsList) this.dnsList = this.allows.flatMap(re => re.dns);
    return this.dnsList;
  }

  /** Whether some DNS rule of the profile covers a name. */
  dnsSome(test: (d: DnsPattern) => boolean): boolean {
    return this.groups.some(g => g.dns.some(test));
  }
}

/**
 * Merges lists sorted by their order keys (each key belongs to one list;
 * equal keys keep their list order). A k-way merge: the lists are few.
 */
export function mergeBy<T>(
  lists: ReadonlyArray<{
    list: readonly T[];
    order: readonly number[];
  }>,
): T[] {
  const live = lists.filter(l => l.list.length);
  if (live.length === 0) return [];
  if (live.length === 1) return live[0].list.slice();
  const at = live.map(() => 0);
  const out: T[] = [];
  for (;;) {
    let best = -1;
    for (let k = 0; k < live.length; k++) {
      if (at[k] >= live[k].list.length) continue;
      if (best < 0 || live[k].order[at[k]] < live[best].order[at[best]])
        best = k;
    }
    if (best < 0) return out;
    out.push(live[best].list[at[best]++]);
  }
}

const NONE: readonly number[] = Object.freeze([]) as readonly number[];

/**
 * Positions (ascending, distinct) of the elements of an index that match a
 * workload selected by the selections `selectors`.
 */
export function matchPositions(
  index: ElementIndex,
  selectors: readonly number[],
): readonly number[] {
  const { bySel, wild } = index;
  let found: readonly number[] | undefined = wild.length ? wild : undefined;
  let many: number[] | undefined;
  if (bySel.size) {
    for (const s of selectors) {
      const l = bySel.get(s);
      if (!l) continue;
      if (!found) found = l;
      else {
        if (!many) many = found.slice();
        for (const p of l) many.push(p);
      }
    }
  }
  if (!many) return found || NONE;
  many.sort((x, y) => x - y);
  let n = 0;
  for (let i = 0; i < many.length; i++)
    if (i === 0 || many[i] !== many[i - 1]) many[n++] = many[i];
  many.length = n;
  return many;
}

/** Whether any of `selectors` names an allow of the profile. */
export function profileNames(
  prof: Profile,
  selectors: readonly number[],
): boolean {
  for (const g of prof.groups) {
    const { bySel } = g.allows;
    if (!bySel.size) continue;
    for (const s of selectors) if (bySel.has(s)) return true;
  }
  return false;
}

/** Positions matched in one group's allow or deny elements. */
export interface Part {
  index: ElementIndex;
  pos: readonly number[];
}

const NO_PARTS: Part[] = [];

/** The positions `pick` selects in each group of a profile (groups without any left out; do not change the list). */
export function matchParts(
  prof: Profile,
  deny: boolean,
  pick: (index: ElementIndex) => readonly number[],
): Part[] {
  let parts: Part[] | undefined;
  for (const g of prof.groups) {
    const index = deny ? g.denies : g.allows;
    if (!index.list.length) continue;
    const pos = pick(index);
    if (!pos.length) continue;
    if (!parts) parts = [];
    parts.push({ index, pos });
  }
  return parts || NO_PARTS;
}

/** The elements of parts, in engine order. */
export function partElements(parts: readonly Part[]): ResolvedElement[] {
  if (parts.length === 1) {
    const { index, pos } = parts[0];
    return pos.map(p => index.list[p]);
  }
  return mergeBy(
    parts.map(({ index, pos }) => ({
      list: pos.map(p => index.list[p]),
      order: pos.map(p => index.order[p]),
    })),
  );
}

/** What the elements of a part grant together, and whether one carries L7 rules. */
export interface PartSummary {
  conn: ConnSet;
  l7: boolean;
}

// Parts made of an index's own position lists (one selection's elements)
// come back for every peer that selection selects: summarise them once.
const summaries = new WeakMap<readonly number[], PartSummary>();

/** The summary of a part towards a destination with these ports. */
export function partSummary(
  part: Part,
  dstPorts?: readonly ContainerPort[],
): PartSummary {
  const hit = summaries.get(part.pos);
  if (hit) return hit;
  let conn = ConnSet.NONE;
  let l7 = false;
  let constant = true;
  for (const p of part.pos) {
    const re = part.index.list[p];
    if (re.constConn === undefined) constant = false;
    const c = elementConn(re, dstPorts);
    conn = conn.union(c);
    if (!l7 && !c.isEmpty() && elementL7(re, dstPorts).length) l7 = true;
  }
  const summary = { conn, l7 };
  if (constant) summaries.set(part.pos, summary);
  return summary;
}

/**
 * The elements of a profile (allows or denies) that `pick` selects in each
 * group, in engine order.
 */
export function pickElements(
  prof: Profile,
  deny: boolean,
  pick: (index: ElementIndex) => readonly number[],
): ResolvedElement[] {
  let only: { index: ElementIndex; pos: readonly number[] } | undefined;
  let parts: Array<{ list: ResolvedElement[]; order: number[] }> | undefined;
  for (const g of prof.groups) {
    const index = deny ? g.denies : g.allows;
    if (!index.list.length) continue;
    const pos = pick(index);
    if (!pos.length) continue;
    if (!only && !parts) {
      only = { index, pos };
      continue;
    }
    if (!parts) {
      parts = [listOf(only!.index, only!.pos)];
      only = undefined;
    }
    parts.push(listOf(index, pos));
  }
  if (only) return only.pos.map(p => only!.index.list[p]);
  return parts ? mergeBy(parts) : [];
}

function listOf(index: ElementIndex, pos: readonly number[]) {
  return {
    list: pos.map(p => index.list[p]),
    order: pos.map(p => index.order[p]),
  };
}
