import { ConnSet, Protocol } from '../model/connset';
import type { ContainerPort, Inventory, Workload } from '../model/inventory';
import {
  formatRange,
  IpFamily,
  IpRange,
  parseAddress,
  rangesHave,
  isIpAddress,
} from '../model/ip';
import { EndpointLabels } from '../model/labels';
import {
  Direction,
  PEER_ENTITIES,
  PeerEntity,
  Policy,
  PolicyRef,
  PolicyRule,
  RuleRef,
} from '../model/policy';
import { Selector, selectorMatches } from '../selectors/selector';
import { dnsCovers } from './fqdn';
import { atomCandidates, AtomCandidateCache, uniqueAtoms } from './external';
import {
  buildGroup,
  DirectionProfile,
  ElementIndex,
  matchParts,
  matchPositions,
  Part,
  partElements,
  partSummary,
  pickElements,
  Profile,
  profileNames,
  RuleInfo,
} from './profile';
import { elementConn, elementL7, ResolvedElement } from './resolve';
import {
  Atom,
  buildState,
  deriveState,
  endpointLabels,
  EngineState,
  PolicyChanges,
  reachOf,
} from './state';
import type { Edge, Grant, Graph, Peer, SideResult } from './types';

export type { DirectionProfile } from './profile';
export type { PolicyChanges } from './state';

/**
 * Options of the engine.
 *
 * @public
 */
export interface EngineOptions {
  /** Local cluster name (label `io.cilium.k8s.policy.cluster`); default `default`. */
  clusterName?: string;
  /** Cilium `--allow-localhost=auto`: the local host may always reach local pods. Default true. */
  allowLocalhost?: boolean;
  /** Which entity peers appear in the graph: those some policy references (default), all, or none. */
  entityPeers?: 'referenced' | 'all' | 'none';
  /** Policy enforcement mode (`--enable-policy`); default `default`. */
  enforcement?: 'default' | 'always' | 'never';
  /** Extra external range boundaries (used to align two graphs for a diff). */
  extraBoundaries?: IpRange[];
  /** Show IPv6 external ranges even when no policy mentions an IPv6 CIDR. */
  ipv6?: boolean;
}

/**
 * A peer given to a query.
 *
 * @public
 */
export type PeerQuery =
  | string
  | { workload: string }
  | { ip: string }
  | { fqdn: string }
  | { entity: PeerEntity | 'world' }
  | {
      namespace: string;
      labels: Record<string, string>;
      namespaceLabels?: Record<string, string>;
      serviceAccount?: string;
    };

type Profiles = Record<Direction, Profile>;

/** Internal resolved peer. */
type Endpoint =
  | { t: 'w'; i: number; key: string }
  | {
      t: 'adhoc';
      labels: EndpointLabels;
      profile: Profiles;
      key: string;
      name: string;
    }
  | { t: 'e'; e: PeerEntity; key: string }
  | { t: 'ip'; family: IpFamily; v: bigint; key: string; text: string }
  | { t: 'range'; family: IpFamily; start: bigint; end: bigint; key: string }
  | { t: 'fqdn'; name: string; key: string };

/**
 * One side's decision for a single flow.
 *
 * @public
 */
export interface SideDecision {
  direction: Direction;
  /** False when the side is not policed (external or entity endpoint). */
  evaluated: boolean;
  allowed: boolean;
  isolated: boolean;
  isolatedBy: PolicyRef[];
  allowedBy: RuleRef[];
  deniedBy: RuleRef[];
  defaultAllow?: 'not-isolated' | 'allow-localhost' | 'not-policed';
  /** L7 rules that apply to the flow (enforced by the proxy, recorded here). */
  l7: Array<{ rule: RuleRef; rules: unknown }>;
}

/**
 * Verdict for one flow.
 *
 * @public
 */
export interface FlowVerdict {
  allowed: boolean;
  /** `allowed`; `denied` = an explicit deny rule; `default-deny` = isolated and no allow rule. */
  reason: 'allowed' | 'denied' | 'default-deny';
  /** Which side dropped it (egress checked first, like the datapath). */
  droppedAt?: Direction;
  egress: SideDecision;
  ingress: SideDecision;
  /** The rules that decided: allow rules of both sides, or the deny rules, or (default deny) the isolating policies. */
  decidedBy: Array<RuleRef | PolicyRef>;
}

/**
 * Options of {@link PolicyEngine.workloadView}.
 *
 * @public
 */
export interface WorkloadViewOptions {
  /** The directions to list edges for (default both): `ingress` = edges towards the workload. */
  directions?: readonly Direction[];
}

const BOTH: readonly Direction[] = ['ingress', 'egress'];
const NO_PARTS: Part[] = [];

/**
 * The connectivity engine. Like Cilium's selector cache, it resolves each
 * distinct selector once against the workloads grouped by identical labels,
 * and keeps, per workload and direction, a profile shared by every workload
 * with the same rules. Graph, per-workload and single-flow questions then
 * touch only the selectors that select the workloads involved.
 *
 * An engine never changes; {@link PolicyEngine.withChanges} returns a new one
 * for changed policies that shares everything the change does not touch.
 *
 * @public
 */
export class PolicyEngine {
  private s!: EngineState;
  private flowCache!: Map<
    string | number,
    { egress: SideMatch; ingress: SideMatch }
  >;
  private adhocCache!: Map<string, Endpoint>;
  /** Per profile: the side of a flow whose peer matches nothing. */
  private noMatch!: WeakMap<Profile, SideMatch>;
  /** Workload endpoints, made on first use. */
  private endpoints!: Endpoint[];
  private atomCache!: AtomCandidateCache;
  private byId!: Map<string, number>;
  private stamp!: Int32Array;
  private epoch!: number;

  constructor(inventory: Inventory, options: EngineOptions = {}) {
    this.init(
      buildState(inventory, {
        clusterName: options.clusterName ?? 'default',
        allowLocalhost: options.allowLocalhost ?? true,
        entityPeers: options.entityPeers ?? 'referenced',
        enforcement: options.enforcement ?? 'default',
        extraBoundaries: options.extraBoundaries ?? [],
        ipv6: options.ipv6 ?? false,
      }),
      undefined,
    );
  }

  private init(s: EngineState, byId: Map<string, number> | undefined): void {
    this.s = s;
    this.flowCache = new Map();
    this.adhocCache = new Map();
    this.noMatch = new WeakMap();
    this.endpoints = [];
    this.atomCache = new AtomCandidateCache();
    this.stamp = new Int32Array(s.inventory.workloads.length);
    this.epoch = 0;
    if (byId) this.byId = byId;
    else {
      this.byId = new Map();
      s.inventory.workloads.forEach((w, i) => this.byId.set(w.id, i));
    }
  }

  /** The workloads, namespaces, services and policies the engine answers for. */
  get inventory(): Inventory {
    return this.s.inventory;
  }

  /** The options, with their defaults. */
  get options(): Required<Omit<EngineOptions, 'extraBoundaries'>> & {
    extraBoundaries: IpRange[];
  } {
    return this.s.family.options;
  }

  /** The workloads (their index is their position here). */
  get workloads(): readonly Workload[] {
    return this.s.inventory.workloads;
  }

  /** Rules that apply to pods. */
  get rules(): readonly PolicyRule[] {
    return this.s.rules;
  }

  /** Host policies (nodeSelector): parsed and reported, not applied to pods. */
  get hostRules(): readonly PolicyRule[] {
    return this.s.hostRules;
  }

  /** Warnings produced while resolving (unknown services, CIDR groups...). */
  get warnings(): string[] {
    return this.s.warnings;
  }

  /**
   * The engine with changed policies, computed incrementally: only the
   * workloads the added or removed rules select get new profiles, only new
   * selectors are resolved, and everything else (the workloads, the selector
   * cache, the other profiles) is shared with this engine, which stays as it
   * was. A policy in `add` with the reference of one this engine has replaces
   * it in place. The result answers exactly like
   * `new PolicyEngine({ ...inventory, policies }, options)` for its
   * {@link PolicyEngine.inventory}, and {@link diffEngines} between the two
   * engines only looks at the workloads the change selects.
   *
   * Workload, namespace, service and CIDR group changes need a new engine.
   */
  withChanges(changes: PolicyChanges): PolicyEngine {
    const next = deriveState(this.s, changes);
    if (next === this.s) return this;
    if ('rebuild' in next) return new PolicyEngine(next.rebuild, this.options);
    const e = Object.create(PolicyEngine.prototype) as PolicyEngine;
    e.init(next, this.byId);
    return e;
  }

  /**
   * The policies removed and added by the {@link PolicyEngine.withChanges}
   * call that made this engine from `base`; undefined when this engine was
   * not made from `base` that way.
   */
  policyChangesSince(
    base: PolicyEngine,
  ): { removed: Policy[]; added: Policy[] } | undefined {
    const from = this.s.derivedFrom;
    if (!from || from.token !== base.s.token) return undefined;
    return { removed: from.removed.slice(), added: from.added.slice() };
  }

  // ---------------------------------------------------------------- peers

  /** Graph peer for a workload index. */
  private workloadPeer(i: number): Peer {
    const w = this.workloads[i];
    return { type: 'workload', id: w.id, workload: w };
  }

  private atomPeer(a: Atom): Peer {
    return {
      type: 'external',
      id: `${formatRange(a)}[External]`,
      family: a.family,
      start: a.start,
      end: a.end,
    };
  }

  private entityPeer(e: PeerEntity): Peer {
    return { type: 'entity', id: `${e}[Entity]`, entity: e };
  }

  private fqdnPeer(f: string): Peer {
    return { type: 'fqdn', id: `${f}[FQDN]`, pattern: f };
  }

  /** All peers of the graph: workloads, external ranges, referenced entities, FQDNs. */
  peers(): Peer[] {
    return [
      ...this.workloads.map((_, i) => this.workloadPeer(i)),
      ...uniqueAtoms([...this.s.atoms.ingress, ...this.s.atoms.egress]).map(a =>
        this.atomPeer(a),
      ),
      ...this.s.entityPeers.map(e => this.entityPeer(e)),
      ...this.s.fqdnPeers.map(f => this.fqdnPeer(f)),
    ];
  }

  /** Finds a workload by `ns/name[Kind]`, `ns/name` or a unique `name`. */
  findWorkload(ref: string): Workload | undefined {
    const i = this.findWorkloadIndex(ref);
    return i === undefined ? undefined : this.workloads[i];
  }

  private findWorkloadIndex(ref: string): number | undefined {
    const direct = this.byId.get(ref);
    if (direct !== undefined) return direct;
    const m = /^(?:([^/]+)\/)?([^[]+)(?:\[(\w+)\])?$/.exec(ref.trim());
    if (!m) return undefined;
    const [, ns, name, kind] = m;
    const hits = this.workloads
      .map((w, i) => ({ w, i }))
      .filter(
        ({ w }) =>
          w.name === name &&
          (!ns || w.namespace === ns) &&
          (!kind || w.kind === kind),
      );
    return hits.length === 1 ? hits[0].i : undefined;
  }

  /** Per-direction policy state of a workload. */
  profile(workload: string): Record<Direction, DirectionProfile> | undefined {
    const i = this.findWorkloadIndex(workload);
    return i === undefined ? undefined : this.s.profiles[i];
  }

  // ---------------------------------------------------------------- matching

  private matches(re: ResolvedElement, peer: Endpoint): boolean {
    if (re.anyPeer) return true;
    switch (peer.t) {
      case 'w':
        return (
          re.allWorkloads ||
          re.peerSelections.some(s => s.workloads.includes(peer.i))
        );
      case 'adhoc':
        return (
          re.allWorkloads ||
          re.selectors.some(s => selectorMatches(s, peer.labels))
        );
      case 'e':
        return re.entities.has(peer.e);
      case 'ip':
        return rangesHave(re.ext, peer.family, peer.v);
      case 'range':
        return rangeCovered(re, peer);
      case 'fqdn':
        return re.extAll || re.fqdns.some(f => dnsCovers(f.re, peer.name));
      default:
        return false;
    }
  }

  /** The allow (or deny) elements of a profile that match `peer`, in engine order. */
  private matching(
    prof: Profile,
    deny: boolean,
    peer: Endpoint,
  ): ResolvedElement[] {
    if (peer.t === 'w') {
      const selectors = this.s.family.cache.selectorsOf(peer.i);
      return pickElements(prof, deny, index =>
        matchPositions(index, selectors),
      );
    }
    const test = (index: ElementIndex, positions: Iterable<number>) => {
      const out: number[] = [];
      for (const p of positions)
        if (this.matches(index.list[p], peer)) out.push(p);
      return out;
    };
    if (peer.t === 'adhoc')
      return pickElements(prof, deny, index => test(index, index.list.keys()));
    return pickElements(prof, deny, index => test(index, index.other));
  }

  /** Like `matching`, as positions per group (no element list is built). */
  private matchingParts(prof: Profile, deny: boolean, peer: Endpoint): Part[] {
    if (peer.t === 'w') {
      const selectors = this.s.family.cache.selectorsOf(peer.i);
      return matchParts(prof, deny, index => matchPositions(index, selectors));
    }
    const test = (index: ElementIndex, positions: Iterable<number>) => {
      const out: number[] = [];
      for (const p of positions)
        if (this.matches(index.list[p], peer)) out.push(p);
      return out;
    };
    if (peer.t === 'adhoc')
      return matchParts(prof, deny, index => test(index, index.list.keys()));
    return matchParts(prof, deny, index => test(index, index.other));
  }

  private dstPorts(ep: Endpoint): readonly ContainerPort[] | undefined {
    return ep.t === 'w' ? this.workloads[ep.i].ports : undefined;
  }

  /**
   * Evaluates one side. `self` is the policed endpoint, `peer` the other end;
   * `dst` is whichever of the two is the destination (named ports resolve on it).
   */
  private side(
    prof: Profile,
    dir: Direction,
    peer: Endpoint,
    dst: Endpoint,
    detail: boolean,
  ): SideResult {
    const dstPorts = this.dstPorts(dst);
    let granted = ConnSet.NONE;
    const allowedBy: Grant[] = [];
    for (const re of this.matching(prof, false, peer)) {
      let c = elementConn(re, dstPorts);
      let ineffective: string | undefined;
      if (peer.t === 'fqdn' && !re.anyPeer && !re.extAll) {
        // Reached through toFQDNs only: IPs are learned only via the DNS proxy.
        if (!prof.dnsSome(d => dnsCovers(d, peer.name))) {
          ineffective =
            'toFQDNs without a DNS rule (rules.dns) that covers this name: no IPs are learned, traffic is dropped';
          c = ConnSet.NONE;
        }
      }
      granted = granted.union(c);
      if (detail && (!c.isEmpty() || ineffective)) {
        const grant: Grant = { conn: c, rule: re.el.ref };
        const l7 = elementL7(re, dstPorts);
        if (l7.length) {
          const effective = l7.filter(x => !x.conn.isEmpty());
          if (effective.length) grant.l7 = effective;
        }
        if (ineffective) grant.ineffective = ineffective;
        allowedBy.push(grant);
      }
    }
    let defaultAllow: SideResult['defaultAllow'];
    if (!prof.isolated) {
      granted = ConnSet.ALL;
      defaultAllow = 'not-isolated';
    }
    if (
      dir === 'ingress' &&
      peer.t === 'e' &&
      peer.e === 'host' &&
      this.options.allowLocalhost
    ) {
      granted = ConnSet.ALL;
      defaultAllow = 'allow-localhost';
    }
    let denied = ConnSet.NONE;
    const deniedBy: Grant[] = [];
    if (prof.groups.some(g => g.denies.list.length)) {
      for (const re of this.matching(prof, true, peer)) {
        const c = elementConn(re, dstPorts);
        denied = denied.union(c);
        if (detail && !c.isEmpty()) deniedBy.push({ conn: c, rule: re.el.ref });
      }
    }
    const conn = denied.isEmpty() ? granted : granted.subtract(denied);
    const result: SideResult = {
      direction: dir,
      isolated: prof.isolated,
      isolatedBy: prof.isolatedBy,
      conn,
      granted,
      allowedBy,
      deniedBy,
    };
    if (defaultAllow) result.defaultAllow = defaultAllow;
    return result;
  }

  /**
   * What one side of a single flow depends on, whatever its port: the allow
   * and deny elements that match the peer and what they grant together
   * (ports are checked by `decide`).
   */
  private sideMatch(
    prof: Profile | undefined,
    dir: Direction,
    peer: Endpoint,
    dst: Endpoint,
  ): SideMatch {
    if (!prof)
      return {
        direction: dir,
        prof: undefined,
        allowParts: NO_PARTS,
        allows: undefined,
        allowed: ConnSet.NONE,
        ineffective: undefined,
        denyParts: NO_PARTS,
        denied: ConnSet.NONE,
        l7: false,
        defaultAllow: undefined,
        dstPorts: undefined,
      };
    const dstPorts = this.dstPorts(dst);
    let defaultAllow: SideMatch['defaultAllow'];
    if (!prof.isolated) defaultAllow = 'not-isolated';
    if (
      dir === 'ingress' &&
      peer.t === 'e' &&
      peer.e === 'host' &&
      this.options.allowLocalhost
    )
      defaultAllow = 'allow-localhost';
    const allowParts = this.matchingParts(prof, false, peer);
    const denyParts = this.groupsHaveDenies(prof)
      ? this.matchingParts(prof, true, peer)
      : NO_PARTS;
    if (
      !allowParts.length &&
      !denyParts.length &&
      defaultAllow !== 'allow-localhost'
    ) {
      // nothing matches: the same for every such peer of the profile
      let none = this.noMatch.get(prof);
      if (!none) {
        none = {
          direction: dir,
          prof,
          allowParts,
          allows: undefined,
          allowed: ConnSet.NONE,
          ineffective: undefined,
          denyParts,
          denied: ConnSet.NONE,
          l7: false,
          defaultAllow,
          dstPorts: undefined,
        };
        this.noMatch.set(prof, none);
      }
      return none;
    }
    const m: SideMatch = {
      direction: dir,
      prof,
      allowParts,
      allows: undefined,
      allowed: ConnSet.NONE,
      ineffective: undefined,
      denyParts,
      denied: ConnSet.NONE,
      l7: false,
      defaultAllow,
      dstPorts,
    };
    if (peer.t === 'fqdn') {
      // reached through toFQDNs only, without a DNS rule covering the name:
      // no IPs are learned, the element grants nothing
      const allows = partElements(m.allowParts);
      for (const re of allows)
        if (
          !re.anyPeer &&
          !re.extAll &&
          !prof.dnsSome(d => dnsCovers(d, peer.name))
        ) {
          if (!m.ineffective) m.ineffective = new Set();
          m.ineffective.add(re);
        }
      m.allows = allows;
      for (const re of allows) {
        const eff = !(m.ineffective && m.ineffective.has(re));
        const c = eff ? elementConn(re, dstPorts) : ConnSet.NONE;
        m.allowed = m.allowed.union(c);
        if ((!eff || !c.isEmpty()) && elementL7(re, dstPorts).length)
          m.l7 = true;
      }
    } else
      for (const part of m.allowParts) {
        const sum = partSummary(part, dstPorts);
        m.allowed = m.allowed.union(sum.conn);
        if (sum.l7) m.l7 = true;
      }
    for (const part of m.denyParts)
      m.denied = m.denied.union(partSummary(part, dstPorts).conn);
    return m;
  }

  private groupsHaveDenies(prof: Profile): boolean {
    for (const g of prof.groups) if (g.denies.list.length) return true;
    return false;
  }

  private profileOf(ep: Endpoint): Profiles | undefined {
    if (ep.t === 'w') return this.s.profiles[ep.i];
    if (ep.t === 'adhoc') return ep.profile;
    return undefined;
  }

  /** Builds the edge src → dst, or undefined when nothing is granted. */
  private edge(
    src: Endpoint,
    dst: Endpoint,
    srcPeer: () => Peer,
    dstPeer: () => Peer,
    detail = true,
  ): Edge | undefined {
    const sp = this.profileOf(src);
    const dp = this.profileOf(dst);
    const ing = dp
      ? this.side(dp.ingress, 'ingress', src, dst, detail)
      : undefined;
    if (ing && ing.granted.isEmpty()) return undefined;
    const eg = sp
      ? this.side(sp.egress, 'egress', dst, dst, detail)
      : undefined;
    if (eg && eg.granted.isEmpty()) return undefined;
    if (!ing && !eg) return undefined;
    // (no optional chaining: this runs for every candidate pair)
    let conn: ConnSet;
    let granted: ConnSet;
    if (eg && ing) {
      conn = eg.conn.intersect(ing.conn);
      granted = eg.granted.intersect(ing.granted);
    } else {
      const one = (eg || ing)!;
      conn = one.conn;
      granted = one.granted;
    }
    const denied = granted.subtract(conn);
    if (conn.isEmpty() && denied.isEmpty()) return undefined;
    const e: Edge = { src: srcPeer(), dst: dstPeer(), conn, denied };
    if (detail) {
      if (eg) e.egress = eg;
      if (ing) e.ingress = ing;
    }
    return e;
  }

  // ---------------------------------------------------------------- graph

  /**
   * The workloads that may be at the other end of an edge of workload `t` in
   * direction `here` (`ingress`: its sources; `egress`: its destinations),
   * ascending, `t` excluded. A superset of the real peers, from whichever
   * side names fewer: the workloads `t`'s own allow rules name, or those
   * whose rules for the other direction name a selector that selects `t`.
   */
  private peersOf(t: number, here: Direction): number[] {
    const there: Direction = here === 'ingress' ? 'egress' : 'ingress';
    const { cache } = this.s.family;
    const profiles = this.s.profiles;
    const P = profiles[t][here];
    const mine = cache.selectorsOf(t);
    const W = this.workloads.length;
    const ownSize = P.open ? W : P.allowSize;
    let otherSize = this.s.open[there].length;
    const reach = reachOf(this.s, there);
    for (const sel of mine) otherSize += reach.size(sel);
    const out: number[] = [];
    const epoch = this.nextEpoch();
    const stamp = this.stamp;
    const take = (x: number, keep: boolean) => {
      if (x === t || stamp[x] === epoch) return;
      stamp[x] = epoch;
      if (keep) out.push(x);
    };
    if (ownSize <= otherSize) {
      const otherNames = (x: number) => {
        const q = profiles[x][there];
        return q.open || profileNames(q, mine);
      };
      if (P.open) for (let x = 0; x < W; x++) take(x, otherNames(x));
      else
        for (const g of P.groups)
          for (const id of g.allows.bySel.keys())
            for (const x of cache.byId(id).workloads) take(x, otherNames(x));
    } else {
      const ownNames = (x: number) =>
        P.open || profileNames(P, cache.selectorsOf(x));
      for (const x of this.s.open[there]) take(x, ownNames(x));
      for (const sel of mine)
        for (const { sel: subject } of reach.subjects(sel))
          for (const x of subject.workloads) take(x, ownNames(x));
    }
    return out.sort((a, b) => a - b);
  }

  private nextEpoch(): number {
    if (this.epoch >= 0x7fffffff) {
      this.stamp.fill(0);
      this.epoch = 0;
    }
    return ++this.epoch;
  }

  /**
   * The full graph: every ordered pair of distinct peers with a non-empty
   * allowed (or denied) set. Each workload's possible peers come from the
   * selector cache (see {@link PolicyEngine.workloadView}), so the work grows
   * with the edges, not with the square of the workloads.
   */
  graph(opts: { detail?: boolean } = {}): Graph {
    const detail = opts.detail ?? true;
    const edges: Edge[] = [];
    const W = this.workloads.length;
    const wEp: Endpoint[] = this.workloads.map((w, i) => ({
      t: 'w',
      i,
      key: w.id,
    }));
    const wPeers = this.workloads.map((_, i) => this.workloadPeer(i));
    for (let t = 0; t < W; t++) {
      for (const s of this.peersOf(t, 'ingress')) {
        const e = this.edge(
          wEp[s],
          wEp[t],
          () => wPeers[s],
          () => wPeers[t],
          detail,
        );
        if (e) edges.push(e);
      }
    }
    for (let i = 0; i < W; i++)
      this.externalEdges(i, wEp[i], wPeers[i], detail, BOTH, edges);
    return { peers: this.peers(), edges };
  }

  private externalEdges(
    i: number,
    ep: Endpoint,
    peer: Peer,
    detail: boolean,
    directions: readonly Direction[],
    edges: Edge[],
  ): void {
    const p = this.s.profiles[i];
    const { atoms } = this.s;
    const inbound = directions.includes('ingress');
    const outbound = directions.includes('egress');
    const rangeEp = (a: Atom): Endpoint => ({
      t: 'range',
      family: a.family,
      start: a.start,
      end: a.end,
      key: '',
    });
    if (inbound) {
      for (const k of atomCandidates(
        this.atomCache,
        p.ingress,
        atoms.ingress,
      )) {
        const a = atoms.ingress[k];
        const inE = this.edge(
          rangeEp(a),
          ep,
          () => this.atomPeer(a),
          () => peer,
          detail,
        );
        if (inE) edges.push(inE);
      }
    }
    if (outbound) {
      for (const k of atomCandidates(this.atomCache, p.egress, atoms.egress)) {
        const a = atoms.egress[k];
        const outE = this.edge(
          ep,
          rangeEp(a),
          () => peer,
          () => this.atomPeer(a),
          detail,
        );
        if (outE) edges.push(outE);
      }
    }
    for (const en of this.s.entityPeers) {
      const ee: Endpoint = { t: 'e', e: en, key: en };
      if (inbound) {
        const inE = this.edge(
          ee,
          ep,
          () => this.entityPeer(en),
          () => peer,
          detail,
        );
        if (inE) edges.push(inE);
      }
      if (outbound) {
        const outE = this.edge(
          ep,
          ee,
          () => peer,
          () => this.entityPeer(en),
          detail,
        );
        if (outE) edges.push(outE);
      }
    }
    if (outbound && (!p.egress.isolated || p.egress.fqdnAllows)) {
      for (const f of this.s.fqdnPeers) {
        const fe: Endpoint = { t: 'fqdn', name: f, key: f };
        const outE = this.edge(
          ep,
          fe,
          () => peer,
          () => this.fqdnPeer(f),
          detail,
        );
        if (outE) edges.push(outE);
      }
    }
  }

  /**
   * One workload's view: every edge where it is source or destination, with
   * provenance. Only the workload's own rules and the selectors that select it
   * are consulted. `options.directions` limits it to the edges towards the
   * workload (`ingress`) or from it (`egress`).
   */
  workloadView(
    workload: string,
    options: WorkloadViewOptions = {},
  ): WorkloadView | undefined {
    const t = this.findWorkloadIndex(workload);
    if (t === undefined) return undefined;
    const directions = options.directions ?? BOTH;
    const ep: Endpoint = { t: 'w', i: t, key: this.workloads[t].id };
    const me = this.workloadPeer(t);
    const ingress: Edge[] = [];
    const egress: Edge[] = [];
    const p = this.s.profiles[t];
    if (directions.includes('ingress')) {
      for (const s of this.peersOf(t, 'ingress')) {
        const e = this.edge(
          { t: 'w', i: s, key: '' },
          ep,
          () => this.workloadPeer(s),
          () => me,
        );
        if (e) ingress.push(e);
      }
    }
    if (directions.includes('egress')) {
      for (const d of this.peersOf(t, 'egress')) {
        const e = this.edge(
          ep,
          { t: 'w', i: d, key: '' },
          () => me,
          () => this.workloadPeer(d),
        );
        if (e) egress.push(e);
      }
    }
    const ext: Edge[] = [];
    this.externalEdges(t, ep, me, true, directions, ext);
    for (const e of ext) (e.dst === me ? ingress : egress).push(e);
    return {
      workload: this.workloads[t],
      ingress: {
        isolated: p.ingress.isolated,
        isolatedBy: p.ingress.isolatedBy,
        selectedBy: p.ingress.selectedBy,
        edges: ingress,
      },
      egress: {
        isolated: p.egress.isolated,
        isolatedBy: p.egress.isolatedBy,
        selectedBy: p.egress.selectedBy,
        edges: egress,
      },
    };
  }

  // ---------------------------------------------------------------- flows

  private workloadEndpoint(i: number): Endpoint {
    let ep = this.endpoints[i];
    if (!ep) {
      ep = { t: 'w', i, key: this.workloads[i].id };
      this.endpoints[i] = ep;
    }
    return ep;
  }

  private resolveQuery(q: PeerQuery): Endpoint {
    if (typeof q === 'string') {
      const id = this.byId.get(q);
      if (id !== undefined) return this.workloadEndpoint(id);
      const s = q.trim();
      const ext = /^(.*)\[External\]$/.exec(s);
      if (ext) return this.resolveQuery({ ip: ext[1].split('-')[0] });
      const ent = /^(.*)\[Entity\]$/.exec(s);
      if (ent) return this.resolveQuery({ entity: ent[1] as PeerEntity });
      const fq = /^(.*)\[FQDN\]$/.exec(s);
      if (fq)
        return { t: 'fqdn', name: fq[1].toLowerCase(), key: `fqdn:${fq[1]}` };
      const i = this.findWorkloadIndex(s);
      if (i !== undefined) return { t: 'w', i, key: this.workloads[i].id };
      if (isIpAddress(s)) return this.resolveQuery({ ip: s });
      if ((PEER_ENTITIES as readonly string[]).includes(s) || s === 'world')
        return this.resolveQuery({ entity: s as PeerEntity });
      if (/^[a-z0-9*][-a-z0-9.*]*\.[a-z]+\.?$/i.test(s) && !s.includes('/'))
        return { t: 'fqdn', name: s.toLowerCase(), key: `fqdn:${s}` };
      throw new Error(
        `unknown peer "${q}" (not a workload, IP, entity or FQDN)`,
      );
    }
    if ('workload' in q) {
      const i = this.findWorkloadIndex(q.workload);
      if (i === undefined) throw new Error(`unknown workload "${q.workload}"`);
      return { t: 'w', i, key: this.workloads[i].id };
    }
    if ('ip' in q) {
      const a = parseAddress(q.ip);
      return {
        t: 'ip',
        family: a.family,
        v: a.value,
        key: `ip:${q.ip}`,
        text: q.ip,
      };
    }
    if ('fqdn' in q)
      return {
        t: 'fqdn',
        name: q.fqdn.toLowerCase().replace(/\.$/, ''),
        key: `fqdn:${q.fqdn}`,
      };
    if ('entity' in q) {
      if (q.entity === 'world')
        return {
          t: 'ip',
          family: 4,
          v: 0x08080808n,
          key: 'ip:world',
          text: 'world',
        };
      return { t: 'e', e: q.entity, key: `e:${q.entity}` };
    }
    const key = `adhoc:${q.namespace}:${JSON.stringify(
      q.labels,
    )}:${JSON.stringify(q.namespaceLabels ?? {})}:${q.serviceAccount ?? ''}`;
    const hit = this.adhocCache.get(key);
    if (hit) return hit;
    const nsLabels =
      q.namespaceLabels ??
      this.inventory.namespaces.find(n => n.name === q.namespace)?.labels ??
      {};
    const labels = endpointLabels(
      this.options.clusterName,
      q.namespace,
      q.labels,
      nsLabels,
      q.serviceAccount ?? 'default',
    );
    const selecting: Record<Direction, RuleInfo[]> = {
      ingress: [],
      egress: [],
    };
    for (const info of this.s.infos)
      if (selectorMatches(info.rule.subject!, labels))
        for (const dir of BOTH) if (info.dirs[dir]) selecting[dir].push(info);
    const { enforcement } = this.options;
    const adhocProfile = (dir: Direction) => {
      const rules = selecting[dir];
      const groups = rules.length
        ? [
            buildGroup(
              -1,
              rules,
              rules.map((_, k) => k),
              dir,
              enforcement,
            ),
          ]
        : [];
      return new Profile('', groups, dir, enforcement);
    };
    const profile = {
      ingress: adhocProfile('ingress'),
      egress: adhocProfile('egress'),
    };
    const ep: Endpoint = {
      t: 'adhoc',
      labels,
      profile,
      key,
      name: `${q.namespace}/${JSON.stringify(q.labels)}`,
    };
    if (this.adhocCache.size > 10000) this.adhocCache.clear();
    this.adhocCache.set(key, ep);
    return ep;
  }

  /**
   * Verdict for one flow `src → dst : port/protocol`. Both the source's egress
   * and the destination's ingress must allow it; deny rules win. Results per
   * (src, dst) pair are cached, so repeated calls cost a map lookup plus a scan
   * of the matching rules.
   */
  evaluate(
    src: PeerQuery,
    dst: PeerQuery,
    port: number,
    protocol: Protocol = 'TCP',
  ): FlowVerdict {
    const s = this.resolveQuery(src);
    const d = this.resolveQuery(dst);
    // workload pairs get a number key (no string to build and hash)
    const key =
      s.t === 'w' && d.t === 'w'
        ? s.i * (this.workloads.length + 1) + d.i
        : `${s.key}>${d.key}`;
    let sides = this.flowCache.get(key);
    if (!sides) {
      const sp = this.profileOf(s);
      const dp = this.profileOf(d);
      sides = {
        egress: this.sideMatch(sp && sp.egress, 'egress', d, d),
        ingress: this.sideMatch(dp && dp.ingress, 'ingress', s, d),
      };
      if (this.flowCache.size > 200000) this.flowCache.clear();
      this.flowCache.set(key, sides);
    }
    const eg = decide(sides.egress, protocol, port);
    const ing = decide(sides.ingress, protocol, port);
    let reason: FlowVerdict['reason'] = 'allowed';
    let droppedAt: Direction | undefined;
    let decidedBy: Array<RuleRef | PolicyRef> = [
      ...eg.allowedBy,
      ...ing.allowedBy,
    ];
    for (const sd of [eg, ing]) {
      if (sd.allowed) continue;
      droppedAt = sd.direction;
      if (sd.deniedBy.length) {
        reason = 'denied';
        decidedBy = sd.deniedBy;
      } else {
        reason = 'default-deny';
        decidedBy = sd.isolatedBy;
      }
      break;
    }
    const allowed = reason === 'allowed';
    // (two literals, not a spread: this runs for every flow)
    return droppedAt
      ? { allowed, reason, droppedAt, egress: eg, ingress: ing, decidedBy }
      : { allowed, reason, egress: eg, ingress: ing, decidedBy };
  }

  /** The connections allowed from src to dst (all ports), with both sides. */
  connection(src: PeerQuery, dst: PeerQuery): Edge | undefined {
    const s = this.resolveQuery(src);
    const d = this.resolveQuery(dst);
    const label = (ep: Endpoint): Peer => {
      switch (ep.t) {
        case 'w':
          return this.workloadPeer(ep.i);
        case 'e':
          return this.entityPeer(ep.e);
        case 'fqdn':
          return this.fqdnPeer(ep.name);
        case 'ip':
          return {
            type: 'external',
            id: `${ep.text}[External]`,
            family: ep.family,
            start: ep.v,
            end: ep.v,
          };
        case 'range':
          return this.atomPeer(ep);
        default:
          return { type: 'entity', id: ep.key, entity: 'unmanaged' };
      }
    };
    return this.edge(
      s,
      d,
      () => label(s),
      () => label(d),
      true,
    );
  }

  /** Per-workload isolation state (coverage). */
  coverage(): CoverageEntry[] {
    return this.workloads.map((w, i) => {
      const p = this.s.profiles[i];
      return {
        workload: w,
        ingress: {
          isolated: p.ingress.isolated,
          isolatedBy: p.ingress.isolatedBy,
          selectedBy: p.ingress.selectedBy,
        },
        egress: {
          isolated: p.egress.isolated,
          isolatedBy: p.egress.isolatedBy,
          selectedBy: p.egress.selectedBy,
        },
      };
    });
  }

  /** Workloads a policy rule selects. */
  selectedWorkloads(rule: PolicyRule): Workload[] {
    if (!rule.subject) return [];
    return this.workloadsMatching(rule.subject);
  }

  /** Workloads an endpoint selector matches (in any namespace). */
  workloadsMatching(selector: Selector): Workload[] {
    return this.s.family.cache
      .get(selector)
      .workloads.map(i => this.workloads[i]);
  }

  /** Workloads a rule element names by endpoint selectors (or services). */
  elementWorkloads(element: ResolvedElement): Workload[] {
    const ids = new Set<number>();
    for (const s of element.peerSelections)
      for (const i of s.workloads) ids.add(i);
    return [...ids].sort((a, b) => a - b).map(i => this.workloads[i]);
  }

  /** Resolved elements of a rule (for lint and generate). */
  elementsOf(rule: PolicyRule): readonly ResolvedElement[] {
    return this.s.family.infos.get(rule)?.elements ?? [];
  }

  /** External range atoms currently used. */
  externalAtoms(direction: Direction): IpRange[] {
    return this.s.atoms[direction].map(a => ({ ...a }));
  }
}

function rangeCovered(
  re: ResolvedElement,
  r: { family: IpFamily; start: bigint; end: bigint },
): boolean {
  for (const x of re.ext)
    if (x.family === r.family && x.start <= r.start && x.end >= r.end)
      return true;
  return false;
}

/**
 * One workload's neighbourhood.
 *
 * @public
 */
export interface WorkloadView {
  workload: Workload;
  ingress: {
    isolated: boolean;
    isolatedBy: PolicyRef[];
    selectedBy: PolicyRef[];
    edges: Edge[];
  };
  egress: {
    isolated: boolean;
    isolatedBy: PolicyRef[];
    selectedBy: PolicyRef[];
    edges: Edge[];
  };
}

/**
 * Isolation of one workload.
 *
 * @public
 */
export interface CoverageEntry {
  workload: Workload;
  ingress: {
    isolated: boolean;
    isolatedBy: PolicyRef[];
    selectedBy: PolicyRef[];
  };
  egress: {
    isolated: boolean;
    isolatedBy: PolicyRef[];
    selectedBy: PolicyRef[];
  };
}

/** What {@link PolicyEngine.evaluate} keeps per (source, destination) pair and side. */
interface SideMatch {
  direction: Direction;
  /** Undefined when the side is not policed (external or entity endpoint). */
  prof: Profile | undefined;
  /** The matching allows, per group; `allows` lists them in order once needed. */
  allowParts: Part[];
  allows: ResolvedElement[] | undefined;
  /** What the allows grant together. */
  allowed: ConnSet;
  /** Allows reached through toFQDNs only, without a DNS rule covering the name. */
  ineffective: Set<ResolvedElement> | undefined;
  denyParts: Part[];
  denied: ConnSet;
  /** Whether a listed allow carries L7 rules. */
  l7: boolean;
  defaultAllow: 'not-isolated' | 'allow-localhost' | undefined;
  dstPorts: readonly ContainerPort[] | undefined;
}

/** One side's decision for a port (what `side()` and its grants say, without building them). */
function decide(m: SideMatch, protocol: Protocol, port: number): SideDecision {
  const evaluated = !!m.prof;
  if (!m.prof)
    return {
      direction: m.direction,
      evaluated,
      allowed: true,
      isolated: false,
      isolatedBy: [],
      allowedBy: [],
      deniedBy: [],
      defaultAllow: 'not-policed',
      l7: [],
    };
  const allowedBy: RuleRef[] = [];
  const l7: SideDecision['l7'] = [];
  const grants = m.allowed.has(protocol, port);
  if (grants || m.l7) {
    if (!m.allows) m.allows = partElements(m.allowParts);
    for (const re of m.allows) {
      const ineffective = !!m.ineffective && m.ineffective.has(re);
      const c = ineffective ? ConnSet.NONE : elementConn(re, m.dstPorts);
      if (c.has(protocol, port)) allowedBy.push(re.el.ref);
      // a grant is listed when it allows something or is ineffective
      if (m.l7 && (ineffective || !c.isEmpty()))
        for (const x of elementL7(re, m.dstPorts))
          if (x.conn.has(protocol, port))
            l7.push({ rule: re.el.ref, rules: x.rules });
    }
  }
  const granted = grants || !!m.defaultAllow;
  const deniedBy: RuleRef[] = [];
  if (m.denied.has(protocol, port))
    for (const re of partElements(m.denyParts))
      if (elementConn(re, m.dstPorts).has(protocol, port))
        deniedBy.push(re.el.ref);
  const allowed = granted && !deniedBy.length;
  const { isolated, isolatedBy } = m.prof;
  const { direction, defaultAllow } = m;
  // (two literals, not a spread: this runs for every flow)
  return defaultAllow
    ? {
        direction,
        evaluated,
        allowed,
        isolated,
        isolatedBy,
        allowedBy,
        deniedBy,
        defaultAllow,
        l7,
      }
    : {
        direction,
        evaluated,
        allowed,
        isolated,
        isolatedBy,
        allowedBy,
        deniedBy,
        l7,
      };
}
