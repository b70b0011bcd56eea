import {
  TrafficEdge,
  TrafficPeer,
} from '@cilium-zero-trust/plugin-cilium-common';

interface MutableEdge {
  direction: 'ingress' | 'egress';
  peer: TrafficPeer;
  protocol: string;
  port: number;
  verdicts: Record<string, number>;
  firstSeenMs: number;
  lastSeenMs: number;
  policies: Set<string>;
  dropReasons: Set<string>;
  l7: string[];
}

/** One observation to fold into the table. */
export interface EdgeObservation {
  direction: 'ingress' | 'egress';
  peer: TrafficPeer;
  protocol: string;
  port: number;
  verdict: string;
  timeMs: number;
  policies: string[];
  dropReason: string;
  l7Summary: string;
}

/**
 * The aggregated traffic of one entity: one row per (direction, peer,
 * protocol, port), bounded in size (the least recently seen rows go first).
 */
export class EdgeTable {
  private readonly edges = new Map<string, MutableEdge>();

  constructor(private readonly maxEdges: number = 2000) {}

  get size(): number {
    return this.edges.size;
  }

  add(o: EdgeObservation): void {
    const key = `${o.direction}|${o.peer.id}|${o.protocol}|${o.port}`;
    let edge = this.edges.get(key);
    if (!edge) {
      if (this.edges.size >= this.maxEdges) this.evictOldest();
      edge = {
        direction: o.direction,
        peer: o.peer,
        protocol: o.protocol,
        port: o.port,
        verdicts: {},
        firstSeenMs: o.timeMs,
        lastSeenMs: o.timeMs,
        policies: new Set(),
        dropReasons: new Set(),
        l7: [],
      };
      this.edges.set(key, edge);
    }
    edge.verdicts[o.verdict] = (edge.verdicts[o.verdict] ?? 0) + 1;
    if (o.timeMs > edge.lastSeenMs) edge.lastSeenMs = o.timeMs;
    if (o.timeMs < edge.firstSeenMs) edge.firstSeenMs = o.timeMs;
    for (const p of o.policies) edge.policies.add(p);
    if (o.dropReason) edge.dropReasons.add(o.dropReason);
    if (o.l7Summary && edge.l7[edge.l7.length - 1] !== o.l7Summary) {
      edge.l7.push(o.l7Summary);
      if (edge.l7.length > 5) edge.l7.shift();
    }
  }

  private evictOldest(): void {
    let oldestKey: string | undefined;
    let oldest = Infinity;
    for (const [k, e] of this.edges) {
      if (e.lastSeenMs < oldest) {
        oldest = e.lastSeenMs;
        oldestKey = k;
      }
    }
    if (oldestKey) this.edges.delete(oldestKey);
  }

  /** Rows, most recently seen first. */
  snapshot(): TrafficEdge[] {
    return [...this.edges.values()]
      .sort((a, b) => b.lastSeenMs - a.lastSeenMs)
      .map(e => ({
        direction: e.direction,
        peer: e.peer,
        protocol: e.protocol,
        port: e.port,
        verdicts: { ...e.verdicts },
        firstSeen: new Date(e.firstSeenMs).toISOString(),
        lastSeen: new Date(e.lastSeenMs).toISOString(),
        policies: [...e.policies].sort(),
        dropReasons: [...e.dropReasons].sort(),
        l7: [...e.l7],
      }));
  }
}
