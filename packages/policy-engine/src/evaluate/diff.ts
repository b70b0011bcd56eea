import { cmp } from '../model/compare';
import { ConnSet } from '../model/connset';
import { formatRange, IpFamily } from '../model/ip';
import type { Inventory } from '../model/inventory';
import type { Direction, Policy } from '../model/policy';
import type { PolicyEngine } from './engine';
import type { Edge, Graph } from './types';

/**
 * One difference between two graphs (netpol-analyzer `diff` semantics).
 *
 * @public
 */
export interface DiffEntry {
  type: 'added' | 'removed' | 'changed';
  src: string;
  dst: string;
  /** Connections in the baseline (`ref1`, `--dir1`). */
  ref1: ConnSet;
  /** Connections in the changed version (`ref2`, `--dir2`). */
  ref2: ConnSet;
  /** `workload ns/name[Kind] added|removed` when a peer exists on one side only. */
  workloadsDiffInfo?: string;
  /** The edges behind the entry (for provenance). */
  before?: Edge;
  after?: Edge;
}

interface Piece {
  src: string;
  dst: string;
  conn: ConnSet;
  edge: Edge;
}

type Cuts = Map<string, Set<bigint>>;

function extKey(family: IpFamily, dir: 'in' | 'out'): string {
  return `${dir}:${family}`;
}

function collectCuts(edges: readonly Edge[], cuts: Cuts): void {
  for (const e of edges) {
    for (const [p, dir] of [
      [e.src, 'in'],
      [e.dst, 'out'],
    ] as const) {
      if (p.type !== 'external') continue;
      const k = extKey(p.family, dir);
      const s = cuts.get(k) ?? new Set<bigint>();
      s.add(p.start);
      s.add(p.end + 1n);
      cuts.set(k, s);
    }
  }
}

function pieces(edges: readonly Edge[], cuts: Cuts): Map<string, Piece> {
  const out = new Map<string, Piece>();
  const sorted = new Map<string, bigint[]>();
  for (const [k, s] of cuts) sorted.set(k, [...s].sort(cmp));
  for (const e of edges) {
    if (e.conn.isEmpty()) continue;
    let ext: { p: Edge['src']; dir: 'in' | 'out' } | undefined;
    if (e.src.type === 'external') ext = { p: e.src, dir: 'in' };
    else if (e.dst.type === 'external') ext = { p: e.dst, dir: 'out' };
    if (!ext || ext.p.type !== 'external') {
      out.set(`${e.src.id}\u0000${e.dst.id}`, {
        src: e.src.id,
        dst: e.dst.id,
        conn: e.conn,
        edge: e,
      });
      continue;
    }
    const { family, start, end } = ext.p;
    const pts = (sorted.get(extKey(family, ext.dir)) ?? []).filter(
      x => x > start && x <= end,
    );
    let s = start;
    for (const cut of [...pts, end + 1n]) {
      const id = `${formatRange({
        family,
        start: s,
        end: cut - 1n,
      })}[External]`;
      const src = ext.dir === 'in' ? id : e.src.id;
      const dst = ext.dir === 'out' ? id : e.dst.id;
      out.set(`${src}\u0000${dst}`, { src, dst, conn: e.conn, edge: e });
      s = cut;
    }
  }
  return out;
}

/**
 * Diffs two graphs: edges added, removed and changed (`ref1` = `a`, the
 * baseline; `ref2` = `b`). External ranges of both graphs are refined to common
 * boundaries first, so differently cut address spaces compare correctly.
 *
 * @public
 */
export function diffGraphs(
  a: Pick<Graph, 'edges' | 'peers'>,
  b: Pick<Graph, 'edges' | 'peers'>,
): DiffEntry[] {
  const cuts: Cuts = new Map();
  collectCuts(a.edges, cuts);
  collectCuts(b.edges, cuts);
  const pa = pieces(a.edges, cuts);
  const pb = pieces(b.edges, cuts);
  const wa = new Set(a.peers.filter(p => p.type === 'workload').map(p => p.id));
  const wb = new Set(b.peers.filter(p => p.type === 'workload').map(p => p.id));
  const info = (src: string, dst: string): string | undefined => {
    for (const id of [src, dst]) {
      if (wb.has(id) && !wa.has(id)) return `workload ${id} added`;
      if (wa.has(id) && !wb.has(id)) return `workload ${id} removed`;
    }
    return undefined;
  };
  const out: DiffEntry[] = [];
  for (const [k, x] of pa) {
    const y = pb.get(k);
    if (!y) {
      const wi = info(x.src, x.dst);
      out.push({
        type: 'removed',
        src: x.src,
        dst: x.dst,
        ref1: x.conn,
        ref2: ConnSet.NONE,
        before: x.edge,
        ...(wi ? { workloadsDiffInfo: wi } : {}),
      });
    } else if (!x.conn.equals(y.conn)) {
      out.push({
        type: 'changed',
        src: x.src,
        dst: x.dst,
        ref1: x.conn,
        ref2: y.conn,
        before: x.edge,
        after: y.edge,
      });
    }
  }
  for (const [k, y] of pb) {
    if (pa.has(k)) continue;
    const wi = info(y.src, y.dst);
    out.push({
      type: 'added',
      src: y.src,
      dst: y.dst,
      ref1: ConnSet.NONE,
      ref2: y.conn,
      after: y.edge,
      ...(wi ? { workloadsDiffInfo: wi } : {}),
    });
  }
  const order = { changed: 0, added: 1, removed: 2 };
  return out.sort(
    (p, q) =>
      order[p.type] - order[q.type] || cmp(p.src, q.src) || cmp(p.dst, q.dst),
  );
}

function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map(
        k =>
          `${JSON.stringify(k)}:${stable((v as Record<string, unknown>)[k])}`,
      )
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

const DIRECTIONS: readonly Direction[] = ['ingress', 'egress'];

/**
 * Diffs two engines. When both have the same workloads, namespaces, services
 * and CIDR groups, only the workloads selected by a policy that differs are
 * recomputed, and only in the directions its rules have (a one-policy change
 * costs a few workload views, not two full graphs). Engines made with
 * `PolicyEngine.withChanges` share their world and their unchanged policies,
 * so this comparison is immediate for them.
 *
 * @public
 */
export function diffEngines(a: PolicyEngine, b: PolicyEngine): DiffEntry[] {
  if (!sameWorld(a.inventory, b.inventory))
    return diffGraphs(a.graph(), b.graph());
  const changed = changedPolicies(a, b);
  if (!changed.length) return [];
  const affected = new Map<string, Set<Direction>>();
  for (const [eng, p] of changed) {
    for (const r of p.rules) {
      const dirs = DIRECTIONS.filter(
        d =>
          (r.sections[d]?.length ?? 0) +
            (r.sections[d === 'ingress' ? 'ingressDeny' : 'egressDeny']
              ?.length ?? 0) >
          0,
      );
      if (!dirs.length) continue;
      for (const w of eng.selectedWorkloads(r)) {
        const s = affected.get(w.id) ?? new Set<Direction>();
        for (const d of dirs) s.add(d);
        affected.set(w.id, s);
      }
    }
  }
  const collect = (eng: PolicyEngine): Graph => {
    const edges: Edge[] = [];
    const seen = new Set<string>();
    for (const [id, dirs] of affected) {
      const v = eng.workloadView(id, { directions: [...dirs] });
      if (!v) continue;
      for (const e of [...v.ingress.edges, ...v.egress.edges]) {
        const k = `${e.src.id}\u0000${e.dst.id}`;
        if (seen.has(k)) continue;
        seen.add(k);
        edges.push(e);
      }
    }
    // same workloads on both sides: no peer is added or removed
    return { edges, peers: [] };
  };
  return diffGraphs(collect(a), collect(b));
}

/** The policies that differ between two engines, each with the engine that has it. */
function changedPolicies(
  a: PolicyEngine,
  b: PolicyEngine,
): Array<[PolicyEngine, Policy]> {
  const forward = b.policyChangesSince(a);
  if (forward)
    return [
      ...forward.removed.map(p => [a, p] as [PolicyEngine, Policy]),
      ...forward.added.map(p => [b, p] as [PolicyEngine, Policy]),
    ];
  const backward = a.policyChangesSince(b);
  if (backward)
    return [
      ...backward.added.map(p => [a, p] as [PolicyEngine, Policy]),
      ...backward.removed.map(p => [b, p] as [PolicyEngine, Policy]),
    ];
  // policies by reference; a reference can (wrongly) name several documents
  const byRef = (eng: PolicyEngine) => {
    const m = new Map<string, Policy[]>();
    for (const p of eng.inventory.policies) {
      const k = `${p.ref.kind}/${p.ref.namespace ?? ''}/${p.ref.name}`;
      const l = m.get(k);
      if (l) l.push(p);
      else m.set(k, [p]);
    }
    return m;
  };
  const ma = byRef(a);
  const mb = byRef(b);
  const same = (x: Policy[], y: Policy[]) =>
    x.length === y.length &&
    x.every((p, i) => p === y[i] || stable(p.raw) === stable(y[i].raw));
  const out: Array<[PolicyEngine, Policy]> = [];
  for (const [k, ps] of ma) {
    const qs = mb.get(k) ?? [];
    if (same(ps, qs)) continue;
    for (const p of ps) out.push([a, p]);
    for (const q of qs) out.push([b, q]);
  }
  for (const [k, qs] of mb)
    if (!ma.has(k)) for (const q of qs) out.push([b, q]);
  return out;
}

function sameWorld(a: Inventory, b: Inventory): boolean {
  const fields = ['workloads', 'namespaces', 'services', 'cidrGroups'] as const;
  if (fields.every(f => a[f] === b[f])) return true;
  const workloads = (inv: Inventory) =>
    stable(inv.workloads.map(w => [w.id, w.labels, w.ports, w.serviceAccount]));
  return (
    workloads(a) === workloads(b) &&
    stable(a.namespaces) === stable(b.namespaces) &&
    stable(a.services) === stable(b.services) &&
    stable(a.cidrGroups) === stable(b.cidrGroups)
  );
}
