import { cmp } from '../model/compare';
import { ConnSet, Protocol } from '../model/connset';
import type { ContainerPort, Inventory, Workload } from '../model/inventory';
import {
  familyMax,
  formatRange,
  IpFamily,
  IpRange,
  parseAddress,
  rangesHave,
  isIpAddress,
} from '../model/ip';
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
  PolicyRef,
  PolicyRule,
  RuleRef,
} from '../model/policy';
import { LabelIndex } from '../selectors/label-index';
import { Selector, selectorMatches } from '../selectors/selector';
import { dnsCovers } from './fqdn';
import type { DnsPattern } from './fqdn';
import {
  elementConn,
  elementL7,
  resolveElement,
  ResolvedElement,
} from './resolve';
import type { Edge, Grant, Graph, Peer, SideResult } from './types';

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
  /** Workloads explicitly named by the allow elements (when not open). */
  candidates: number[];
  /** DNS patterns visible to the DNS proxy (egress). */
  dns: DnsPattern[];
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

/** Internal resolved peer. */
type Endpoint =
  | { t: 'w'; i: number; key: string }
  | {
      t: 'adhoc';
      labels: EndpointLabels;
      profile: { ingress: DirectionProfile; egress: DirectionProfile };
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

function emptyProfile(): DirectionProfile {
  return {
    isolated: false,
    isolatedBy: [],
    selectedBy: [],
    allows: [],
    denies: [],
    open: true,
    candidates: [],
    dns: [],
  };
}

/**
 * The connectivity engine: resolves every policy against the workload universe
 * once (selectors indexed by label, selected workloads precomputed per rule)
 * and answers graph, per-workload and single-flow questions.
 *
 * @public
 */
export class PolicyEngine {
  readonly inventory: Inventory;
  readonly options: Required<Omit<EngineOptions, 'extraBoundaries'>> & {
    extraBoundaries: IpRange[];
  };
  readonly workloads: readonly Workload[];
  /** Rules that apply to pods. */
  readonly rules: readonly PolicyRule[];
  /** Host policies (nodeSelector): parsed and reported, not applied to pods. */
  readonly hostRules: readonly PolicyRule[];
  /** Warnings produced while resolving (unknown services, CIDR groups...). */
  readonly warnings: string[] = [];

  private readonly labels: EndpointLabels[];
  private readonly index: LabelIndex;
  private readonly byId = new Map<string, number>();
  private readonly profiles: Array<Record<Direction, DirectionProfile>>;
  private readonly resolved: ResolvedElement[] = [];
  private readonly entityLabels = new Map<PeerEntity, EndpointLabels>();
  private readonly entityPeers: PeerEntity[];
  private readonly fqdnPeers: string[];
  /** External range atoms per direction of the workload's policy (ingress: sources, egress: destinations). */
  private readonly atoms: Record<
    Direction,
    Array<{ family: IpFamily; start: bigint; end: bigint }>
  >;
  private readonly ruleElements = new Map<PolicyRule, ResolvedElement[]>();
  private readonly egressOpen: number[] = [];
  private readonly egressReach: number[][];
  private readonly ingressOpen: number[] = [];
  private readonly ingressReach: number[][];
  private readonly flowCache = new Map<
    string,
    { egress: SideResult; ingress: SideResult }
  >();
  private readonly adhocCache = new Map<string, Endpoint>();

  constructor(inventory: Inventory, options: EngineOptions = {}) {
    this.inventory = inventory;
    this.options = {
      clusterName: options.clusterName ?? 'default',
      allowLocalhost: options.allowLocalhost ?? true,
      entityPeers: options.entityPeers ?? 'referenced',
      enforcement: options.enforcement ?? 'default',
      extraBoundaries: options.extraBoundaries ?? [],
      ipv6: options.ipv6 ?? false,
    };
    this.workloads = inventory.workloads;
    const nsLabels = new Map(inventory.namespaces.map(n => [n.name, n.labels]));
    this.labels = this.workloads.map(w =>
      this.endpointLabels(
        w.namespace,
        w.labels,
        nsLabels.get(w.namespace) ?? {},
        w.serviceAccount,
      ),
    );
    this.workloads.forEach((w, i) => this.byId.set(w.id, i));
    this.index = new LabelIndex(this.labels);
    for (const e of PEER_ENTITIES)
      this.entityLabels.set(e, new Map([[`reserved:${e}`, '']]));

    const rules: PolicyRule[] = [];
    const hostRules: PolicyRule[] = [];
    for (const p of inventory.policies)
      for (const r of p.rules) (r.subject ? rules : hostRules).push(r);
    this.rules = rules;
    this.hostRules = hostRules;

    const hasV6 =
      this.options.ipv6 ||
      rules.some(r =>
        Object.values(r.sections).some(els =>
          (els ?? []).some(
            el =>
              el.peers !== 'any' &&
              el.peers.some(
                p => p.type === 'cidr' && p.ranges.some(x => x.family === 6),
              ),
          ),
        ),
      );
    const ctx = {
      index: this.index,
      entityLabels: this.entityLabels,
      services: inventory.services,
      cidrGroups: inventory.cidrGroups,
      hasV6,
      warn: (m: string) => this.warnings.push(m),
    };
    const referenced = new Set<PeerEntity>();
    const fqdns = new Set<string>();
    for (const r of rules) {
      const list: ResolvedElement[] = [];
      for (const els of Object.values(r.sections)) {
        for (const el of els ?? []) {
          const re = resolveElement(el, ctx);
          list.push(re);
          this.resolved.push(re);
          for (const e of re.referencedEntities) referenced.add(e);
          for (const f of re.fqdns) fqdns.add(f.text);
        }
      }
      this.ruleElements.set(r, list);
    }
    const modes: Record<string, PeerEntity[]> = {
      all: [...PEER_ENTITIES],
      none: [],
      referenced: PEER_ENTITIES.filter(e => referenced.has(e)),
    };
    this.entityPeers = modes[this.options.entityPeers];
    this.fqdnPeers = [...fqdns].sort();

    // Profiles: precompute the workloads each rule selects.
    this.profiles = this.workloads.map(() => ({
      ingress: emptyProfile(),
      egress: emptyProfile(),
    }));
    for (const r of rules) {
      const selected = this.index.resolve(r.subject!);
      const els = this.ruleElements.get(r)!;
      for (const i of selected) this.addRuleToProfile(this.profiles[i], r, els);
    }
    this.profiles.forEach(p => {
      this.finishProfile(p.ingress);
      this.finishProfile(p.egress);
    });
    this.egressReach = this.workloads.map(() => []);
    this.ingressReach = this.workloads.map(() => []);
    this.profiles.forEach((p, i) => {
      if (p.egress.open) this.egressOpen.push(i);
      else for (const j of p.egress.candidates) this.egressReach[j].push(i);
      if (p.ingress.open) this.ingressOpen.push(i);
      else for (const j of p.ingress.candidates) this.ingressReach[j].push(i);
    });
    this.atoms = {
      ingress: this.computeAtoms(hasV6, 'ingress'),
      egress: this.computeAtoms(hasV6, 'egress'),
    };
  }

  private endpointLabels(
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
    m.set(`k8s:${CLUSTER_LABEL}`, this.options.clusterName);
    return m;
  }

  private addRuleToProfile(
    p: Record<Direction, DirectionProfile>,
    r: PolicyRule,
    els: ResolvedElement[],
  ): void {
    for (const dir of ['ingress', 'egress'] as const) {
      const has =
        (r.sections[dir]?.length ?? 0) +
          (r.sections[dir === 'ingress' ? 'ingressDeny' : 'egressDeny']
            ?.length ?? 0) >
        0;
      if (!has) continue;
      const prof = p[dir];
      prof.selectedBy.push(r.policy);
      const dd =
        this.options.enforcement === 'default' ? r.defaultDeny[dir] : true;
      if (dd) {
        prof.isolated = true;
        if (!prof.isolatedBy.includes(r.policy)) prof.isolatedBy.push(r.policy);
      }
    }
    for (const re of els) {
      const prof = p[re.el.ref.direction];
      if (re.el.ref.deny) prof.denies.push(re);
      else {
        prof.allows.push(re);
        if (re.dns.length) prof.dns.push(...re.dns);
      }
    }
  }

  private finishProfile(p: DirectionProfile): void {
    if (this.options.enforcement === 'always') p.isolated = true;
    if (this.options.enforcement === 'never') {
      p.isolated = false;
      p.denies = [];
    }
    p.open = !p.isolated || p.allows.some(a => a.anyPeer || a.allWorkloads);
    if (!p.open) {
      const s = new Set<number>();
      for (const a of p.allows) for (const i of a.workloadList) s.add(i);
      p.candidates = [...s].sort((a, b) => a - b);
    }
  }

  private computeAtoms(
    hasV6: boolean,
    dir: Direction,
  ): Array<{ family: IpFamily; start: bigint; end: bigint }> {
    const out: Array<{ family: IpFamily; start: bigint; end: bigint }> = [];
    for (const family of (hasV6 ? [4, 6] : [4]) as IpFamily[]) {
      const cuts = new Set<bigint>([0n]);
      const max = familyMax(family);
      const add = (r: IpRange) => {
        if (r.family !== family) return;
        cuts.add(r.start);
        if (r.end < max) cuts.add(r.end + 1n);
      };
      for (const re of this.resolved)
        if (re.el.ref.direction === dir) for (const r of re.rawExt) add(r);
      for (const r of this.options.extraBoundaries) add(r);
      const sorted = [...cuts].sort(cmp);
      sorted.forEach((s, i) =>
        out.push({
          family,
          start: s,
          end: i + 1 < sorted.length ? sorted[i + 1] - 1n : max,
        }),
      );
    }
    return out;
  }

  // ---------------------------------------------------------------- peers

  /** Graph peer for a workload index. */
  private workloadPeer(i: number): Peer {
    const w = this.workloads[i];
    return { type: 'workload', id: w.id, workload: w };
  }

  private atomPeer(a: { family: IpFamily; start: bigint; end: bigint }): Peer {
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
      ...uniqueAtoms([...this.atoms.ingress, ...this.atoms.egress]).map(a =>
        this.atomPeer(a),
      ),
      ...this.entityPeers.map(e => this.entityPeer(e)),
      ...this.fqdnPeers.map(f => this.fqdnPeer(f)),
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
    return i === undefined ? undefined : this.profiles[i];
  }

  // ---------------------------------------------------------------- matching

  private matches(re: ResolvedElement, peer: Endpoint): boolean {
    if (re.anyPeer) return true;
    switch (peer.t) {
      case 'w':
        return re.allWorkloads || re.workloads.has(peer.i);
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
        return this.rangeCovered(re, peer);
      case 'fqdn':
        return re.extAll || re.fqdns.some(f => dnsCovers(f.re, peer.name));
      default:
        return false;
    }
  }

  private rangeCovered(
    re: ResolvedElement,
    r: { family: IpFamily; start: bigint; end: bigint },
  ): boolean {
    for (const x of re.ext)
      if (x.family === r.family && x.start <= r.start && x.end >= r.end)
        return true;
    return false;
  }

  private dstPorts(ep: Endpoint): readonly ContainerPort[] | undefined {
    return ep.t === 'w' ? this.workloads[ep.i].ports : undefined;
  }

  /**
   * Evaluates one side. `self` is the policed endpoint, `peer` the other end;
   * `dst` is whichever of the two is the destination (named ports resolve on it).
   */
  private side(
    prof: DirectionProfile,
    dir: Direction,
    peer: Endpoint,
    dst: Endpoint,
    detail: boolean,
  ): SideResult {
    const dstPorts = this.dstPorts(dst);
    let granted = ConnSet.NONE;
    const allowedBy: Grant[] = [];
    for (const re of prof.allows) {
      if (!this.matches(re, peer)) continue;
      let c = elementConn(re, dstPorts);
      let ineffective: string | undefined;
      if (peer.t === 'fqdn' && !re.anyPeer && !re.extAll) {
        // Reached through toFQDNs only: IPs are learned only via the DNS proxy.
        if (!prof.dns.some(d => dnsCovers(d, peer.name))) {
          ineffective =
            'toFQDNs without a DNS rule (rules.dns) that covers this name: no IPs are learned, traffic is dropped';
          c = ConnSet.NONE;
        }
      }
      granted = granted.union(c);
      if (detail && (!c.isEmpty() || ineffective)) {
        const l7 = elementL7(re, dstPorts).filter(x => !x.conn.isEmpty());
        allowedBy.push({
          conn: c,
          rule: re.el.ref,
          ...(l7.length ? { l7 } : {}),
          ...(ineffective ? { ineffective } : {}),
        });
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
    for (const re of prof.denies) {
      if (!this.matches(re, peer)) continue;
      const c = elementConn(re, dstPorts);
      denied = denied.union(c);
      if (detail && !c.isEmpty()) deniedBy.push({ conn: c, rule: re.el.ref });
    }
    const conn = denied.isEmpty() ? granted : granted.subtract(denied);
    return {
      direction: dir,
      isolated: prof.isolated,
      isolatedBy: prof.isolatedBy,
      conn,
      granted,
      allowedBy,
      deniedBy,
      ...(defaultAllow ? { defaultAllow } : {}),
    };
  }

  private profileOf(
    ep: Endpoint,
  ): Record<Direction, DirectionProfile> | undefined {
    if (ep.t === 'w') return this.profiles[ep.i];
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
      ? this.side(dp.ingress, 'ingress', src, dst, false)
      : undefined;
    if (ing && ing.granted.isEmpty()) return undefined;
    const eg = sp ? this.side(sp.egress, 'egress', dst, dst, false) : undefined;
    if (eg && eg.granted.isEmpty()) return undefined;
    if (!ing && !eg) return undefined;
    const conn = (eg?.conn ?? ConnSet.ALL).intersect(ing?.conn ?? ConnSet.ALL);
    const granted = (eg?.granted ?? ConnSet.ALL).intersect(
      ing?.granted ?? ConnSet.ALL,
    );
    const denied = granted.subtract(conn);
    if (conn.isEmpty() && denied.isEmpty()) return undefined;
    const e: Edge = { src: srcPeer(), dst: dstPeer(), conn, denied };
    if (detail) {
      if (sp) e.egress = this.side(sp.egress, 'egress', dst, dst, true);
      if (dp) e.ingress = this.side(dp.ingress, 'ingress', src, dst, true);
    }
    return e;
  }

  // ---------------------------------------------------------------- graph

  /**
   * The full graph: every ordered pair of distinct peers with a non-empty
   * allowed (or denied) set. Pairs are enumerated from the rules' candidate
   * sets, not by testing every pair against every policy.
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
      const ip = this.profiles[t].ingress;
      const srcs = ip.open
        ? mergeSorted(this.egressOpen, this.egressReach[t])
        : ip.candidates;
      for (const s of srcs) {
        if (s === t) continue;
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
      this.externalEdges(i, wEp[i], wPeers[i], detail, edges);
    return { peers: this.peers(), edges };
  }

  private externalEdges(
    _i: number,
    ep: Endpoint,
    peer: Peer,
    detail: boolean,
    edges: Edge[],
  ): void {
    for (const a of this.atoms.ingress) {
      const ae: Endpoint = {
        t: 'range',
        family: a.family,
        start: a.start,
        end: a.end,
        key: '',
      };
      const inE = this.edge(
        ae,
        ep,
        () => this.atomPeer(a),
        () => peer,
        detail,
      );
      if (inE) edges.push(inE);
    }
    for (const a of this.atoms.egress) {
      const ae: Endpoint = {
        t: 'range',
        family: a.family,
        start: a.start,
        end: a.end,
        key: '',
      };
      const outE = this.edge(
        ep,
        ae,
        () => peer,
        () => this.atomPeer(a),
        detail,
      );
      if (outE) edges.push(outE);
    }
    for (const en of this.entityPeers) {
      const ee: Endpoint = { t: 'e', e: en, key: en };
      const inE = this.edge(
        ee,
        ep,
        () => this.entityPeer(en),
        () => peer,
        detail,
      );
      if (inE) edges.push(inE);
      const outE = this.edge(
        ep,
        ee,
        () => peer,
        () => this.entityPeer(en),
        detail,
      );
      if (outE) edges.push(outE);
    }
    for (const f of this.fqdnPeers) {
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

  /**
   * One workload's view: every edge where it is source or destination, with
   * provenance. Fast: only the workload's own rules and its candidate peers.
   */
  workloadView(workload: string): WorkloadView | undefined {
    const t = this.findWorkloadIndex(workload);
    if (t === undefined) return undefined;
    const ep: Endpoint = { t: 'w', i: t, key: this.workloads[t].id };
    const me = this.workloadPeer(t);
    const ingress: Edge[] = [];
    const egress: Edge[] = [];
    const p = this.profiles[t];
    const srcs = p.ingress.open
      ? mergeSorted(this.egressOpen, this.egressReach[t])
      : p.ingress.candidates;
    for (const s of srcs) {
      if (s === t) continue;
      const e = this.edge(
        { t: 'w', i: s, key: '' },
        ep,
        () => this.workloadPeer(s),
        () => me,
      );
      if (e) ingress.push(e);
    }
    const dsts = p.egress.open
      ? mergeSorted(this.ingressOpen, this.ingressReach[t])
      : p.egress.candidates;
    for (const d of dsts) {
      if (d === t) continue;
      const e = this.edge(
        ep,
        { t: 'w', i: d, key: '' },
        () => me,
        () => this.workloadPeer(d),
      );
      if (e) egress.push(e);
    }
    const ext: Edge[] = [];
    this.externalEdges(t, ep, me, true, ext);
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

  private resolveQuery(q: PeerQuery): Endpoint {
    if (typeof q === 'string') {
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
    const labels = this.endpointLabels(
      q.namespace,
      q.labels,
      nsLabels,
      q.serviceAccount ?? 'default',
    );
    const profile = { ingress: emptyProfile(), egress: emptyProfile() };
    for (const r of this.rules)
      if (selectorMatches(r.subject!, labels))
        this.addRuleToProfile(profile, r, this.ruleElements.get(r)!);
    this.finishProfile(profile.ingress);
    this.finishProfile(profile.egress);
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
    const key = `${s.key}>${d.key}`;
    let sides = this.flowCache.get(key);
    if (!sides) {
      const sp = this.profileOf(s);
      const dp = this.profileOf(d);
      sides = {
        egress: sp
          ? this.side(sp.egress, 'egress', d, d, true)
          : notPoliced('egress'),
        ingress: dp
          ? this.side(dp.ingress, 'ingress', s, d, true)
          : notPoliced('ingress'),
      };
      if (this.flowCache.size > 200000) this.flowCache.clear();
      this.flowCache.set(key, sides);
    }
    const eg = decide(sides.egress, protocol, port, !!this.profileOf(s));
    const ing = decide(sides.ingress, protocol, port, !!this.profileOf(d));
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
    return {
      allowed: reason === 'allowed',
      reason,
      ...(droppedAt ? { droppedAt } : {}),
      egress: eg,
      ingress: ing,
      decidedBy,
    };
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
      const p = this.profiles[i];
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
    return this.index.resolve(rule.subject).map(i => this.workloads[i]);
  }

  /** Workloads an endpoint selector matches (in any namespace). */
  workloadsMatching(selector: Selector): Workload[] {
    return this.index.resolve(selector).map(i => this.workloads[i]);
  }

  /** Resolved elements of a rule (for lint and generate). */
  elementsOf(rule: PolicyRule): readonly ResolvedElement[] {
    return this.ruleElements.get(rule) ?? [];
  }

  /** External range atoms currently used. */
  externalAtoms(direction: Direction): IpRange[] {
    return this.atoms[direction].map(a => ({ ...a }));
  }
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

function notPoliced(direction: Direction): SideResult {
  return {
    direction,
    isolated: false,
    isolatedBy: [],
    conn: ConnSet.ALL,
    granted: ConnSet.ALL,
    allowedBy: [],
    deniedBy: [],
  };
}

function decide(
  sr: SideResult,
  protocol: Protocol,
  port: number,
  evaluated: boolean,
): SideDecision {
  const allowedBy = sr.allowedBy
    .filter(g => g.conn.has(protocol, port))
    .map(g => g.rule);
  const deniedBy = sr.deniedBy
    .filter(g => g.conn.has(protocol, port))
    .map(g => g.rule);
  const l7: SideDecision['l7'] = [];
  for (const g of sr.allowedBy)
    for (const x of g.l7 ?? [])
      if (x.conn.has(protocol, port)) l7.push({ rule: g.rule, rules: x.rules });
  return {
    direction: sr.direction,
    evaluated,
    allowed: sr.conn.has(protocol, port),
    isolated: sr.isolated,
    isolatedBy: sr.isolatedBy,
    allowedBy,
    deniedBy,
    ...(sr.defaultAllow && evaluated ? { defaultAllow: sr.defaultAllow } : {}),
    ...(evaluated ? {} : { defaultAllow: 'not-policed' as const }),
    l7,
  };
}

function uniqueAtoms<
  T extends { family: IpFamily; start: bigint; end: bigint },
>(list: T[]): T[] {
  const seen = new Set<string>();
  return list.filter(a => {
    const k = `${a.family}:${a.start}:${a.end}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function mergeSorted(a: number[], b: number[]): number[] {
  if (!b.length) return a;
  if (!a.length) return b;
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i++] : b[j++];
    if (out[out.length - 1] !== x) out.push(x);
  }
  return out;
}
