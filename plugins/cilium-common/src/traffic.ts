/**
 * Types of the live-traffic routes (`/flows`, `/traffic`, `/flows/stream`, `/status`).
 */

/**
 * The other end of a flow, as specific as the data allows: a catalog entity, a
 * workload, a pod, a Cilium reserved identity (world, host, …), a DNS name or
 * an IP address.
 * @public
 */
export interface TrafficPeer {
  type: 'entity' | 'workload' | 'pod' | 'reserved' | 'fqdn' | 'ip';
  /** A stable display id: an entity ref, `ns/name[Kind]`, `reserved:world`, a name or an IP. */
  id: string;
  namespace?: string;
}

/**
 * Observed traffic between an entity and one peer on one port, aggregated over
 * the live window.
 * @public
 */
export interface TrafficEdge {
  /** `egress`: the entity called the peer; `ingress`: the peer called the entity. */
  direction: 'ingress' | 'egress';
  peer: TrafficPeer;
  /** `TCP`, `UDP`, `SCTP`, `ICMPv4`, `ICMPv6` or ''. */
  protocol: string;
  /** Destination port (0 for ICMP). */
  port: number;
  /** Flow counts by Hubble verdict (`FORWARDED`, `DROPPED`, `AUDIT`, …). */
  verdicts: Record<string, number>;
  firstSeen: string;
  lastSeen: string;
  /** Policies that allowed or denied these flows, as `Kind/namespace/name` (from `*_allowed_by`/`*_denied_by`). */
  policies: string[];
  /** Drop reasons seen (`drop_reason_desc`). */
  dropReasons: string[];
  /** L7 summaries seen most recently (at most 5). */
  l7: string[];
}

/**
 * A flow as `hubble observe -o json` prints it (`flow`, `node_name`, `time`),
 * plus the catalog entities its ends map to.
 * @public
 */
export interface FlowRecord {
  flow: Record<string, unknown>;
  node_name?: string;
  time?: string;
  /** Catalog entities of the ends, where they map to one. */
  backstage?: { source?: string; destination?: string };
}

/** @public */
export interface EntityFlowsResponse {
  entityRef: string;
  /** The cluster whose flows these are (`?cluster=`, else the entity's default). */
  cluster: string;
  /** Newest last. */
  flows: FlowRecord[];
  /** Flows of this entity that left the ring buffer since the service started. */
  evicted: number;
}

/** @public */
export interface EntityTrafficResponse {
  entityRef: string;
  /** The cluster whose flows these are (`?cluster=`, else the entity's default). */
  cluster: string;
  edges: TrafficEdge[];
  /** The oldest flow still counted. */
  since?: string;
}

/**
 * One batch of the `/flows/stream` server-sent events (event name `flows`).
 * @public
 */
export interface FlowStreamBatch {
  flows: FlowRecord[];
  /** Flows this subscriber missed because it read too slowly (drop-oldest), since the last batch. */
  lost: number;
  /** When the backend sent the batch (ISO 8601), so a client can tell transfer delay from flow age. */
  sentAt?: string;
}

/** @public */
export interface ClusterTrafficStatus {
  cluster: string;
  /** Relay address, or undefined when the cluster has no `hubble` configured. */
  address?: string;
  state:
    | 'disabled'
    | 'connecting'
    | 'connected'
    | 'backoff'
    | 'stopped'
    | 'failed';
  connected: boolean;
  /** Flows per second over the last few seconds. */
  flowsPerSecond: number;
  /** Milliseconds between now and the newest flow's time. */
  lagMs?: number;
  flowsReceived: number;
  duplicatesDropped: number;
  eventsLost: number;
  /** Namespaces the Relay-side filter asks for. */
  namespaces: string[];
  nodes: Array<{ name: string; state: string; message?: string }>;
  lastError?: { message: string; at: string };
  /** Recent reconnection gaps. */
  gaps: Array<{
    disconnectedAt: string;
    reconnectedAt: string;
    durationMs: number;
    reason: string;
  }>;
}

/**
 * Whether approved change requests are published, and where.
 * @public
 */
export interface CiliumPublishingStatus {
  /**
   * Whether a publisher is configured (`cilium.requests.publisher`). Without
   * one, requests are previewed, filed and reviewed, and approvals recorded,
   * but nothing is published.
   */
  configured: boolean;
  /** The publisher's type, e.g. `local-git` or `github`, when configured. */
  type?: string;
}

/** @public */
export interface CiliumStatusResponse {
  clusters: ClusterTrafficStatus[];
  /** Publishing of approved change requests. */
  publishing: CiliumPublishingStatus;
}
