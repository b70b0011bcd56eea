import { cmp } from '../model/compare';
import type { Inventory } from '../model/inventory';
import { familyMax, IpFamily, IpRange } from '../model/ip';
import {
  CLUSTER_LABEL,
  EndpointLabels,
  NAMESPACE_LABELS_PREFIX,
  POD_NAMESPACE_LABEL,
  SERVICE_ACCOUNT_LABEL,
} from '../model/labels';
import {
  Direction,
  PEER_ENTITIES,
  PeerEntity,
  Policy,
  PolicyRef,
  PolicyRule,
} from '../model/policy';
import {
  CachedSelection,
  SelectorCache,
  WorkloadLabels,
} from '../selectors/selector-cache';
import { selectorMatches } from '../selectors/selector';
import { buildGroup, Profile, RuleGroup, RuleInfo } from './profile';
import { LayeredMap } from './layered-map';
import { Reach } from './reach';
import { resolveElement, ResolveContext, ResolvedElement } from './resolve';

/** Options with their defaults applied. */
export interface ResolvedOptions {
  clusterName: string;
  allowLocalhost: boolean;
  entityPeers: 'referenced' | 'all' | 'none';
  enforcement: 'default' | 'always' | 'never';
  ipv6: boolean;
  extraBoundaries: IpRange[];
}

/** An external address range peer (a piece of the address space no policy cuts further). */
export interface Atom {
  family: IpFamily;
  start: bigint;
  end: bigint;
}

/**
 * What an engine and every engine derived from it share: the workloads, their
 * labels and the selector cache over them, the resolved rules, the interned
 * profiles. Nothing in it changes once made; it only grows.
 */
export interface Family {
  options: ResolvedOptions;
  cache: SelectorCache;
  entityLabels: Map<PeerEntity, EndpointLabels>;
  /** Whether external ranges include IPv6 (changes the meaning of "all of world"). */
  hasV6: boolean;
  ctx: Omit<ResolveContext, 'warn'>;
  infos: WeakMap<PolicyRule, RuleInfo>;
  nextRuleId: number;
  nextGroupId: number;
  profiles: Record<Direction, Map<string, Profile>>;
  /** Sizes after the first build (to notice when derived engines left too much behind). */
  baseSelectors: number;
  baseProfiles: number;
}

/** The state of one engine. */
export interface EngineState {
  family: Family;
  inventory: Inventory;
  infos: RuleInfo[];
  rules: PolicyRule[];
  hostRules: PolicyRule[];
  /** Order of the policies (derived engines keep a replaced policy's place). */
  policyKey: LayeredMap<Policy, number>;
  nextKey: number;
  /** The policies by reference (`kind/namespace/name`), in order. */
  byRef: LayeredMap<string, Policy[]>;
  /** Identifies this state (derived states name the state they come from). */
  token: object;
  /** The state this one was derived from, and the policies that differ. */
  derivedFrom?: { token: object; removed: Policy[]; added: Policy[] };
  /** Pod rules with an IPv6 CIDR peer. */
  v6Rules: number;
  /** The rule groups of each direction by subject selection id. */
  groups: Record<Direction, LayeredMap<number, RuleGroup>>;
  profiles: Array<Record<Direction, Profile>>;
  /** Workloads whose direction accepts any workload peer (ascending). */
  open: Record<Direction, number[]>;
  /** Built on first use (graph and views need it; single flows do not). */
  reach?: Record<Direction, Reach>;
  /** For a derived state whose reach is not built yet: how to derive it. */
  reachFrom?: {
    parent: EngineState;
    removed: readonly RuleInfo[];
    added: readonly RuleInfo[];
  };
  /** Reference counts behind the atoms and the entity and FQDN peers. */
  counts: Counts;
  atoms: Record<Direction, Atom[]>;
  entityPeers: PeerEntity[];
  fqdnPeers: string[];
  warnings: string[];
}

/** How many elements reference each entity, FQDN and external range boundary. */
interface Counts {
  entities: Map<PeerEntity, number>;
  fqdns: Map<string, number>;
  /** Boundaries (`family/address`) cutting the external address space, per direction. */
  cuts: Record<Direction, Map<string, number>>;
}

/**
 * A change to the policies of an engine.
 *
 * @public
 */
export interface PolicyChanges {
  /**
   * Policies to add. One with the reference (kind, namespace, name) of a
   * policy the engine has replaces it, in its place.
   */
  add?: readonly Policy[];
  /** References (kind, namespace, name) of policies to remove. */
  remove?: readonly PolicyRef[];
}

const DIRECTIONS: readonly Direction[] = ['ingress', 'egress'];

/** `kind/namespace/name` of a policy reference. */
export function policyRefKey(r: PolicyRef): string {
  return `${r.kind}/${r.namespace ?? ''}/${r.name}`;
}

/** The labels of an endpoint as Cilium derives them. */
export function endpointLabels(
  clusterName: string,
  ns: string,
  labels: Record<string, string>,
  nsLabels: Record<string, string>,
  sa: string,
): Map<string, string> {
  const m = new Map<string, string>();
  for (const [k, v] of Object.entries(labels)) m.set(`k8s:${k}`, v);
  m.set(`k8s:${POD_NAMESPACE_LABEL}`, ns);
  for (const [k, v] of Object.entries(nsLabels))
    m.set(`k8s:${NAMESPACE_LABELS_PREFIX}${k}`, v);
  if (!nsLabels['kubernetes.io/metadata.name'])
    m.set(`k8s:${NAMESPACE_LABELS_PREFIX}kubernetes.io/metadata.name`, ns);
  m.set(`k8s:${SERVICE_ACCOUNT_LABEL}`, sa);
  m.set(`k8s:${CLUSTER_LABEL}`, clusterName);
  return m;
}

/**
 * The workloads' labels as {@link endpointLabels} derives them, split into the
 * part from the namespace (one map per namespace) and their own.
 */
function workloadLabels(
  inventory: Inventory,
  options: ResolvedOptions,
): WorkloadLabels[] {
  const nsLabels = new Map(inventory.namespaces.map(n => [n.name, n.labels]));
  const shared = new Map<string, Map<string, string>>();
  return inventory.workloads.map(w => {
    let namespace = shared.get(w.namespace);
    if (!namespace) {
      const full = endpointLabels(
        options.clusterName,
        w.namespace,
        {},
        nsLabels.get(w.namespace) ?? {},
        '',
      );
      full.delete(`k8s:${SERVICE_ACCOUNT_LABEL}`);
      namespace = full;
      shared.set(w.namespace, namespace);
    }
    const own = new Map<string, string>();
    for (const [k, v] of Object.entries(w.labels)) {
      const key = `k8s:${k}`;
      if (!namespace.has(key)) own.set(key, v);
    }
    own.set(`k8s:${SERVICE_ACCOUNT_LABEL}`, w.serviceAccount);
    return { namespace, own };
  });
}

function hasV6Cidr(r: PolicyRule): boolean {
  return Object.values(r.sections).some(els =>
    (els ?? []).some(
      el =>
        el.peers !== 'any' &&
        el.peers.some(
          p => p.type === 'cidr' && p.ranges.some(x => x.family === 6),
        ),
    ),
  );
}

function podRules(policies: readonly Policy[]) {
  const out: Array<{ rule: PolicyRule; policy: Policy; position: number }> = [];
  for (const p of policies)
    p.rules.forEach((rule, position) => {
      if (rule.subject) out.push({ rule, policy: p, position });
    });
  return out;
}

function ruleInfo(
  fam: Family,
  rule: PolicyRule,
  policy: Policy,
  position: number,
): RuleInfo {
  const hit = fam.infos.get(rule);
  if (hit) return hit;
  const warnings: string[] = [];
  const ctx: ResolveContext = { ...fam.ctx, warn: m => warnings.push(m) };
  const elements: ResolvedElement[] = [];
  for (const els of Object.values(rule.sections))
    if (els) for (const el of els) elements.push(resolveElement(el, ctx));
  const has = (a: 'ingress' | 'egress', b: 'ingressDeny' | 'egressDeny') =>
    (rule.sections[a] || []).length + (rule.sections[b] || []).length > 0;
  const info: RuleInfo = {
    id: fam.nextRuleId++,
    rule,
    policy,
    position,
    subject: fam.cache.get(rule.subject!),
    elements,
    warnings,
    dirs: {
      ingress: has('ingress', 'ingressDeny'),
      egress: has('egress', 'egressDeny'),
    },
  };
  fam.infos.set(rule, info);
  return info;
}

function intern(
  fam: Family,
  groups: readonly RuleGroup[],
  dir: Direction,
): Profile {
  let key = '';
  for (const g of groups) key += `${g.id},`;
  const table = fam.profiles[dir];
  let p = table.get(key);
  if (!p) {
    p = new Profile(key, groups, dir, fam.options.enforcement);
    table.set(key, p);
  }
  return p;
}

/** The order keys of the policies. */
interface Keys {
  get(p: Policy): number | undefined;
}

/** Order key of a rule: its policy's place, then its place in the policy. */
function orderKey(policyKey: Keys, info: RuleInfo): number {
  return (
    policyKey.get(info.policy as Policy)! * 65536 +
    Math.min(info.position, 65535)
  );
}

function makeGroup(
  fam: Family,
  rules: RuleInfo[],
  policyKey: Keys,
  dir: Direction,
): RuleGroup {
  return buildGroup(
    fam.nextGroupId++,
    rules,
    rules.map(r => orderKey(policyKey, r)),
    dir,
    fam.options.enforcement,
  );
}

function openOf(
  profiles: ReadonlyArray<Record<Direction, Profile>>,
  dir: Direction,
): number[] {
  const out: number[] = [];
  profiles.forEach((p, i) => {
    if (p[dir].open) out.push(i);
  });
  return out;
}

/**
 * The pod rules in engine order: the old list without the rules of the
 * removed policies, with the added ones merged in by their order keys.
 */
function infosInOrder(
  s: EngineState,
  removed: ReadonlySet<Policy>,
  added: readonly RuleInfo[],
  order: (a: RuleInfo, b: RuleInfo) => number,
): RuleInfo[] {
  const kept = removed.size
    ? s.infos.filter(i => !removed.has(i.policy as Policy))
    : s.infos;
  if (!added.length) return kept.slice();
  const more = added.slice().sort(order);
  const out: RuleInfo[] = [];
  let j = 0;
  for (const info of kept) {
    while (j < more.length && order(more[j], info) < 0) out.push(more[j++]);
    out.push(info);
  }
  while (j < more.length) out.push(more[j++]);
  return out;
}

/**
 * The reach index of a derived state: updated from the parent's when that is
 * built, otherwise derived on first use from the nearest state that has one
 * (built there if needed, so that engines derived from one base share it).
 * Changes over several derivations are composed, so no intermediate state is
 * kept alive.
 */
function deriveReach(
  s: EngineState,
  removed: readonly RuleInfo[],
  added: readonly RuleInfo[],
): Pick<EngineState, 'reach' | 'reachFrom'> {
  if (s.reach)
    return {
      reach: {
        ingress: s.reach.ingress.with(removed, added),
        egress: s.reach.egress.with(removed, added),
      },
    };
  if (!s.reachFrom) return { reachFrom: { parent: s, removed, added } };
  // compose: first the parent's change, then this one
  const before = s.reachFrom;
  const removedNow = new Set(removed);
  const addedBefore = new Set(before.added);
  return {
    reachFrom: {
      parent: before.parent,
      removed: [...before.removed, ...removed.filter(i => !addedBefore.has(i))],
      added: [...before.added.filter(i => !removedNow.has(i)), ...added],
    },
  };
}

/** The reach index of a direction, built on first use. */
export function reachOf(s: EngineState, dir: Direction): Reach {
  if (!s.reach) {
    const from = s.reachFrom;
    s.reach = from
      ? {
          ingress: reachOf(from.parent, 'ingress').with(
            from.removed,
            from.added,
          ),
          egress: reachOf(from.parent, 'egress').with(from.removed, from.added),
        }
      : {
          ingress: Reach.build(s.infos, 'ingress'),
          egress: Reach.build(s.infos, 'egress'),
        };
    s.reachFrom = undefined;
  }
  return s.reach[dir];
}

/** Builds the state of an engine from scratch. */
export function buildState(
  inventory: Inventory,
  options: ResolvedOptions,
): EngineState {
  const cache = new SelectorCache(workloadLabels(inventory, options));
  const entityLabels = new Map<PeerEntity, EndpointLabels>();
  for (const e of PEER_ENTITIES)
    entityLabels.set(e, new Map([[`reserved:${e}`, '']]));
  const pod = podRules(inventory.policies);
  const v6Rules = pod.filter(r => hasV6Cidr(r.rule)).length;
  const hasV6 = options.ipv6 || v6Rules > 0;
  const fam: Family = {
    options,
    cache,
    entityLabels,
    hasV6,
    ctx: {
      cache,
      entitiesOf: memoEntities(entityLabels),
      services: inventory.services,
      cidrGroups: inventory.cidrGroups,
      hasV6,
    },
    infos: new WeakMap(),
    nextRuleId: 0,
    nextGroupId: 0,
    profiles: { ingress: new Map(), egress: new Map() },
    baseSelectors: 0,
    baseProfiles: 0,
  };
  const policyKey = new Map<Policy, number>();
  const byRef = new Map<string, Policy[]>();
  inventory.policies.forEach((p, i) => {
    policyKey.set(p, i);
    const k = policyRefKey(p.ref);
    const l = byRef.get(k);
    if (l) l.push(p);
    else byRef.set(k, [p]);
  });
  const infos = pod.map(r => ruleInfo(fam, r.rule, r.policy, r.position));

  // Rules grouped by subject selection; each workload's profile is the list
  // of groups whose selection selects it (one per distinct list).
  const W = inventory.workloads.length;
  const groups = {} as Record<Direction, LayeredMap<number, RuleGroup>>;
  const lists: Record<Direction, RuleGroup[][]> = {
    ingress: Array.from({ length: W }, () => []),
    egress: Array.from({ length: W }, () => []),
  };
  for (const dir of DIRECTIONS) {
    const buckets = new Map<number, RuleInfo[]>();
    for (const info of infos) {
      if (!info.dirs[dir]) continue;
      const b = buckets.get(info.subject.id);
      if (b) b.push(info);
      else buckets.set(info.subject.id, [info]);
    }
    const map = new Map<number, RuleGroup>();
    groups[dir] = LayeredMap.of(map);
    for (const [sid, rules] of buckets) {
      const g = makeGroup(fam, rules, policyKey, dir);
      map.set(sid, g);
      for (const w of g.subject.workloads) lists[dir][w].push(g);
    }
  }
  const profiles = inventory.workloads.map((_, w) => ({
    ingress: intern(fam, lists.ingress[w], 'ingress'),
    egress: intern(fam, lists.egress[w], 'egress'),
  }));
  fam.baseSelectors = cache.size;
  fam.baseProfiles = fam.profiles.ingress.size + fam.profiles.egress.size;
  return {
    family: fam,
    inventory,
    infos,
    rules: infos.map(i => i.rule),
    hostRules: hostRulesOf(inventory.policies),
    policyKey: LayeredMap.of(policyKey),
    nextKey: inventory.policies.length,
    byRef: LayeredMap.of(byRef),
    token: {},
    v6Rules,
    groups,
    profiles,
    open: {
      ingress: openOf(profiles, 'ingress'),
      egress: openOf(profiles, 'egress'),
    },
    ...summarize(fam, infos),
  };
}

/** The entities a selection's selector matches, computed once per selection. */
function memoEntities(
  entityLabels: ReadonlyMap<PeerEntity, EndpointLabels>,
): (selection: CachedSelection) => readonly PeerEntity[] {
  const memo = new Map<number, PeerEntity[]>();
  return selection => {
    let hit = memo.get(selection.id);
    if (!hit) {
      hit = [];
      for (const [e, labels] of entityLabels)
        if (selectorMatches(selection.selector, labels)) hit.push(e);
      memo.set(selection.id, hit);
    }
    return hit;
  };
}

function hostRulesOf(policies: readonly Policy[]): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const p of policies)
    for (const r of p.rules) if (!r.subject) out.push(r);
  return out;
}

function bump<K>(m: Map<K, number>, k: K, delta: number): boolean {
  const n = (m.get(k) || 0) + delta;
  if (n > 0) m.set(k, n);
  else m.delete(k);
  return n === 0 || n === delta;
}

function cutKeys(r: IpRange): string[] {
  const out = [`${r.family}/${r.start}`];
  if (r.end < familyMax(r.family)) out.push(`${r.family}/${r.end + 1n}`);
  return out;
}

/**
 * Counts updated by removed and added rules (copies of the maps they touch),
 * and which of the derived lists changed.
 */
function count(
  old: Counts | undefined,
  removed: readonly RuleInfo[],
  added: readonly RuleInfo[],
): {
  counts: Counts;
  changed: { entities: boolean; fqdns: boolean } & Record<Direction, boolean>;
} {
  const counts: Counts = old
    ? {
        entities: old.entities,
        fqdns: old.fqdns,
        cuts: { ...old.cuts },
      }
    : {
        entities: new Map(),
        fqdns: new Map(),
        cuts: { ingress: new Map(), egress: new Map() },
      };
  const changed = {
    entities: false,
    fqdns: false,
    ingress: false,
    egress: false,
  };
  const copied = new Set<unknown>();
  const own = <M>(m: M, copy: () => M): M => {
    if (!old || copied.has(m)) return m;
    const c = copy();
    copied.add(c);
    return c;
  };
  for (const [list, delta] of [
    [removed, -1],
    [added, 1],
  ] as const) {
    for (const info of list)
      for (const re of info.elements) {
        if (re.referencedEntities.size) {
          counts.entities = own(
            counts.entities,
            () => new Map(counts.entities),
          );
          for (const e of re.referencedEntities)
            if (bump(counts.entities, e, delta)) changed.entities = true;
        }
        if (re.fqdns.length) {
          counts.fqdns = own(counts.fqdns, () => new Map(counts.fqdns));
          for (const f of re.fqdns)
            if (bump(counts.fqdns, f.text, delta)) changed.fqdns = true;
        }
        if (re.rawExt.length) {
          const dir = re.el.ref.direction;
          const m = own(counts.cuts[dir], () => new Map(counts.cuts[dir]));
          counts.cuts[dir] = m;
          for (const r of re.rawExt)
            for (const k of cutKeys(r))
              if (bump(m, k, delta)) changed[dir] = true;
        }
      }
  }
  return { counts, changed };
}

function entityPeersOf(fam: Family, counts: Counts): PeerEntity[] {
  if (fam.options.entityPeers === 'all') return [...PEER_ENTITIES];
  if (fam.options.entityPeers === 'none') return [];
  return PEER_ENTITIES.filter(e => counts.entities.has(e));
}

function atomsOf(fam: Family, cuts: Map<string, number>): Atom[] {
  const out: Atom[] = [];
  const families = (fam.hasV6 ? [4, 6] : [4]) as IpFamily[];
  const byFamily = new Map<IpFamily, Set<bigint>>(
    families.map(f => [f, new Set<bigint>([0n])]),
  );
  const add = (f: IpFamily, at: bigint) => byFamily.get(f)?.add(at);
  for (const k of cuts.keys()) {
    const slash = k.indexOf('/');
    add(Number(k.slice(0, slash)) as IpFamily, BigInt(k.slice(slash + 1)));
  }
  for (const r of fam.options.extraBoundaries)
    for (const k of cutKeys(r)) {
      const slash = k.indexOf('/');
      add(r.family, BigInt(k.slice(slash + 1)));
    }
  for (const family of families) {
    const max = familyMax(family);
    const sorted = [...byFamily.get(family)!].sort(cmp);
    sorted.forEach((start, i) =>
      out.push({
        family,
        start,
        end: i + 1 < sorted.length ? sorted[i + 1] - 1n : max,
      }),
    );
  }
  return out;
}

function warningsOf(infos: readonly RuleInfo[]): string[] {
  const out: string[] = [];
  for (const info of infos) for (const w of info.warnings) out.push(w);
  return out;
}

/** What depends on every rule at once: external atoms, entity and FQDN peers, warnings. */
function summarize(fam: Family, infos: readonly RuleInfo[]) {
  const { counts } = count(undefined, [], infos);
  return {
    counts,
    entityPeers: entityPeersOf(fam, counts),
    fqdnPeers: [...counts.fqdns.keys()].sort(),
    warnings: warningsOf(infos),
    atoms: {
      ingress: atomsOf(fam, counts.cuts.ingress),
      egress: atomsOf(fam, counts.cuts.egress),
    },
  };
}

/** The summary after a change, reusing what it does not touch. */
function resummarize(
  fam: Family,
  s: EngineState,
  infos: readonly RuleInfo[],
  removed: readonly RuleInfo[],
  added: readonly RuleInfo[],
) {
  const { counts, changed } = count(s.counts, removed, added);
  return {
    counts,
    entityPeers: changed.entities ? entityPeersOf(fam, counts) : s.entityPeers,
    fqdnPeers: changed.fqdns ? [...counts.fqdns.keys()].sort() : s.fqdnPeers,
    warnings: [...removed, ...added].some(i => i.warnings.length)
      ? warningsOf(infos)
      : s.warnings,
    atoms: {
      ingress: changed.ingress
        ? atomsOf(fam, counts.cuts.ingress)
        : s.atoms.ingress,
      egress: changed.egress
        ? atomsOf(fam, counts.cuts.egress)
        : s.atoms.egress,
    },
  };
}

/**
 * The state after a policy change, sharing everything the change does not
 * touch; or the inventory to build from scratch when the change alters what
 * the shared part assumed (IPv6 appearing or disappearing) or when derived
 * engines have left too much behind in it.
 */
export function deriveState(
  s: EngineState,
  changes: PolicyChanges,
): EngineState | { rebuild: Inventory } {
  const fam = s.family;
  const adds = new Map<string, Policy>();
  for (const p of changes.add ?? []) adds.set(policyRefKey(p.ref), p);
  const addedObjects = new Set(adds.values());
  const removeKeys = new Set([
    ...(changes.remove ?? []).map(policyRefKey),
    ...adds.keys(),
  ]);
  const removed = new Set<Policy>();
  for (const k of removeKeys)
    for (const p of s.byRef.get(k) || [])
      if (!addedObjects.has(p)) removed.add(p);
  const added = [...adds.values()].filter(p => !s.policyKey.has(p));
  if (!removed.size && !added.length) return s;

  // A replacement takes the place (and order key) of the first policy it
  // replaces; other added policies go to the end.
  const newKeys = new Map<Policy, number>();
  let nextKey = s.nextKey;
  const replacing = new Map<string, Policy>();
  for (const p of added) replacing.set(policyRefKey(p.ref), p);
  const policies: Policy[] = [];
  for (const p of s.inventory.policies) {
    if (!removed.has(p)) {
      policies.push(p);
      continue;
    }
    const k = policyRefKey(p.ref);
    const q = replacing.get(k);
    if (q) {
      policies.push(q);
      newKeys.set(q, s.policyKey.get(p)!);
      replacing.delete(k);
    }
  }
  for (const p of replacing.values()) {
    policies.push(p);
    newKeys.set(p, nextKey++);
  }
  const policyKey = s.policyKey.with(newKeys, removed);
  const refs = new Map<string, Policy[]>();
  for (const p of [...removed, ...added]) refs.set(policyRefKey(p.ref), []);
  for (const k of refs.keys())
    refs.set(
      k,
      [...(s.byRef.get(k) || []).filter(p => !removed.has(p)), ...added]
        .filter(p => policyRefKey(p.ref) === k)
        .sort((a, b) => policyKey.get(a)! - policyKey.get(b)!),
    );
  const byRef = s.byRef.with(
    [...refs].filter(([, l]) => l.length),
    [...refs].filter(([, l]) => !l.length).map(([k]) => k),
  );
  const inventory: Inventory = { ...s.inventory, policies };

  const removedRules = podRules([...removed]);
  const addedRules = podRules(added);
  const v6Rules =
    s.v6Rules -
    removedRules.filter(r => hasV6Cidr(r.rule)).length +
    addedRules.filter(r => hasV6Cidr(r.rule)).length;
  if (fam.options.ipv6 || v6Rules > 0 ? !fam.hasV6 : fam.hasV6)
    return { rebuild: inventory };
  if (
    fam.cache.size > 2 * fam.baseSelectors + 10000 ||
    fam.profiles.ingress.size + fam.profiles.egress.size >
      2 * fam.baseProfiles + 10000
  )
    return { rebuild: inventory };

  const removedInfos = removedRules.map(r => fam.infos.get(r.rule)!);
  const removedSet = new Set(removedInfos);
  const addedInfos = addedRules.map(r =>
    ruleInfo(fam, r.rule, r.policy, r.position),
  );
  const order = (a: RuleInfo, b: RuleInfo) =>
    orderKey(policyKey, a) - orderKey(policyKey, b);

  const profiles = s.profiles.slice();
  const open = { ...s.open };
  const groups = { ...s.groups };
  for (const dir of DIRECTIONS) {
    const touched = new Map<number, RuleInfo[]>();
    for (const info of removedInfos)
      if (info.dirs[dir] && !touched.has(info.subject.id))
        touched.set(info.subject.id, []);
    for (const info of addedInfos) {
      if (!info.dirs[dir]) continue;
      const l = touched.get(info.subject.id);
      if (l) l.push(info);
      else touched.set(info.subject.id, [info]);
    }
    if (!touched.size) continue;
    const map = s.groups[dir];
    const changedGroups = new Map<number, RuleGroup | undefined>();
    const affected = new Set<number>();
    const addedTo = new Map<number, RuleGroup[]>();
    for (const [sid, more] of touched) {
      const old = map.get(sid);
      const rules = (old?.rules ?? [])
        .filter(i => !removedSet.has(i))
        .concat(more)
        .sort(order);
      for (const w of (old?.subject ?? more[0].subject).workloads)
        affected.add(w);
      if (!rules.length) {
        changedGroups.set(sid, undefined);
        continue;
      }
      const g = makeGroup(fam, rules, policyKey, dir);
      changedGroups.set(sid, g);
      for (const w of g.subject.workloads) {
        const l = addedTo.get(w);
        if (l) l.push(g);
        else addedTo.set(w, [g]);
      }
    }
    groups[dir] = map.with(
      [...changedGroups].filter(
        (e): e is [number, RuleGroup] => e[1] !== undefined,
      ),
      [...changedGroups].filter(([, g]) => !g).map(([sid]) => sid),
    );
    for (const w of affected) {
      const list = profiles[w][dir].groups
        .filter(g => !touched.has(g.subject.id))
        .concat(addedTo.get(w) ?? [])
        .sort((x, y) => x.id - y.id);
      profiles[w] = { ...profiles[w], [dir]: intern(fam, list, dir) };
    }
    open[dir] = openOf(profiles, dir);
  }
  const infos = infosInOrder(s, removed, addedInfos, order);
  return {
    family: fam,
    inventory,
    infos,
    rules: infos.map(i => i.rule),
    hostRules: [...removed, ...added].some(p => p.rules.some(r => !r.subject))
      ? hostRulesOf(policies)
      : s.hostRules,
    policyKey,
    nextKey,
    byRef,
    token: {},
    derivedFrom: { token: s.token, removed: [...removed], added },
    v6Rules,
    groups,
    profiles,
    open,
    ...deriveReach(s, removedInfos, addedInfos),
    ...resummarize(fam, s, infos, removedInfos, addedInfos),
  };
}
