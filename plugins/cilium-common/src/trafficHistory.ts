/**
 * Types of the traffic-history routes: forwarded and dropped flows per minute
 * over the last hour, per entity (`/entities/:kind/:namespace/:name/traffic/history`)
 * and per cluster with default-deny coverage (`/traffic/history`).
 */

/**
 * Flow counts of one minute.
 * @public
 */
export interface TrafficHistoryCounts {
  /** Flows with Hubble verdict `FORWARDED`. */
  forwarded: number;
  /** Flows with Hubble verdict `DROPPED`. */
  dropped: number;
}

/**
 * The other end of an entity's flows, as the history groups them: a catalog
 * entity (`component:default/payments`), a namespace whose pods map to no
 * entity (`kube-system`), a DNS name the entity called (`api.stripe.com`), or a
 * Cilium reserved identity (`reserved:world` for addresses outside the
 * cluster, `reserved:host`, `reserved:kube-apiserver`, …).
 * @public
 */
export interface TrafficHistoryPeer {
  type: 'entity' | 'namespace' | 'fqdn' | 'reserved';
  id: string;
}

/**
 * One peer's flows in one minute.
 * @public
 */
export interface TrafficHistoryPeerCounts extends TrafficHistoryCounts {
  peer: TrafficHistoryPeer;
}

/**
 * One minute of an entity's traffic.
 * @public
 */
export interface EntityTrafficHistoryBucket extends TrafficHistoryCounts {
  /** Start of the minute (ISO 8601). */
  start: string;
  /** The peers with flows in this minute, most flows first (at most the query's `peers`). */
  peers: TrafficHistoryPeerCounts[];
  /**
   * Flows of this minute whose peer is not in `peers`: beyond the query's
   * limit, or a peer without counters (over `cilium.live.history.peersPerEntity`,
   * or evicted: see `peersEvicted`).
   */
  otherPeers: TrafficHistoryCounts;
}

/**
 * The answer of `GET /entities/:kind/:namespace/:name/traffic/history`:
 * the entity's flows per minute, oldest minute first; the last one is the
 * current minute, still counting. Counted like the traffic table: each request
 * once, at the side where it was observed (replies are not counted).
 * @public
 */
export interface EntityTrafficHistoryResponse {
  entityRef: string;
  /** The cluster whose flows were counted (`?cluster=`, else the entity's default). */
  cluster: string;
  /** Length of a bucket in seconds (60). */
  bucketSeconds: number;
  buckets: EntityTrafficHistoryBucket[];
  /**
   * Since when this backend counts the entity's flows (its first flow since
   * the backend started, or since the entity was last evicted); undefined
   * when it has seen none.
   */
  since?: string;
  /**
   * Peers whose per-minute counts were dropped to make room for another
   * within `cilium.live.history.peersPerEntity` (only peers without flows for
   * a whole minute are); their flows stay in the totals and in `otherPeers`.
   */
  peersEvicted: number;
}

/**
 * Share of a cluster's workloads under default deny, per direction.
 * @public
 */
export interface DefaultDenyCoverage {
  /** Workloads in the cluster's workload source. */
  workloads: number;
  /** Workloads isolated for ingress (a policy selects them for ingress, or `enableDefaultDeny`). */
  ingressIsolated: number;
  /** Workloads isolated for egress. */
  egressIsolated: number;
}

/**
 * One minute of a cluster's traffic and its coverage.
 * @public
 */
export interface ClusterTrafficHistoryBucket extends TrafficHistoryCounts {
  /** Start of the minute (ISO 8601). */
  start: string;
  /**
   * Coverage as sampled in this minute; undefined when there is no sample
   * (before the backend started, or the policy source could not be read).
   */
  coverage?: DefaultDenyCoverage;
}

/**
 * A cluster's flows per minute (every flow Hubble Relay sent, replies
 * included, like the `cilium.hubble.flows.received` metric) and its
 * default-deny coverage over the last hour.
 * @public
 */
export interface ClusterTrafficHistory {
  cluster: string;
  /** Oldest minute first; the last one is the current minute. */
  buckets: ClusterTrafficHistoryBucket[];
  /** Coverage now, from the cluster's current policy and workload sources. */
  coverage?: DefaultDenyCoverage;
  /** Why coverage is unknown (the policy source could not be read). */
  coverageUnavailable?: string;
  /** Since when this backend counts (its start). */
  since: string;
}

/**
 * The answer of `GET /traffic/history`.
 * @public
 */
export interface TrafficHistoryResponse {
  /** Length of a bucket in seconds (60). */
  bucketSeconds: number;
  clusters: ClusterTrafficHistory[];
}
