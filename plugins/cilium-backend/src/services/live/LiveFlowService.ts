import { LoggerService } from '@backstage/backend-plugin-api';
import { Entity } from '@backstage/catalog-model';
import {
  CiliumStatusResponse,
  ClusterTrafficStatus,
  EntityFlowsResponse,
  EntityTrafficHistoryResponse,
  EntityTrafficResponse,
  FlowRecord,
  FlowStreamBatch,
  TrafficHistoryCounts,
  TrafficHistoryPeer,
} from '@cilium-zero-trust/plugin-cilium-common';
import {
  decodeFlowLean,
  FlowStream,
  flowToJson,
  HubbleRelayClient,
  HubbleRelayClientOptions,
  LeanFlow,
} from '@cilium-zero-trust/plugin-cilium-node';
import { EdgeTable } from './EdgeTable';
import { EntityWorkloadIndex } from '../EntityWorkloadIndex';
import { FlowSubscriber } from './FlowSubscriber';
import { describePeer } from './peers';
import { FlowRing, FlowRingEntry } from './FlowRing';
import {
  DEFAULT_TRAFFIC_HISTORY_LIMITS,
  EntityTrafficHistory,
  TrafficHistoryQuery,
} from '../history/EntityTrafficHistory';
import { historyPeerOf } from '../history/historyPeer';
import {
  DROPPED,
  FORWARDED,
  MINUTE_MS,
  MinuteCounters,
  verdictCounter,
} from '../history/MinuteCounters';

/** A cluster the service follows. */
export interface LiveCluster {
  name: string;
  /** Undefined: the cluster has no Hubble Relay configured; its status says `disabled`. */
  hubble?: Omit<HubbleRelayClientOptions, 'logger'>;
}

/** Tunables of the live-flow service (config `cilium.live`). */
export interface LiveFlowOptions {
  /** Flows kept per entity (in each cluster it runs in). */
  flowsPerEntity: number;
  /**
   * Bytes of flow data kept per entity (one arena each, resident as it
   * fills; the oldest flows go when either this or `flowsPerEntity` runs
   * out). Hubble flows are 1–2 KB encoded; the default,
   * `flowsPerEntity` × 2 KiB, keeps `flowsPerEntity` of them.
   */
  bytesPerEntity: number;
  /** Traffic rows kept per entity. */
  edgesPerEntity: number;
  /** Flows queued per stream subscriber before the oldest are dropped. */
  maxQueuedPerSubscriber: number;
  /** How often subscribers get a batch (250 ms = at most 4 a second). */
  flushIntervalMs: number;
  /** Entities with per-minute traffic counters (the least recently seen go first). */
  historyEntities: number;
  /** Peers with per-minute counters per entity (the least recently seen go first). */
  historyPeersPerEntity: number;
}

/** Arena bytes per buffered flow when `bytesPerEntity` is not set. */
const BYTES_PER_FLOW = 2048;

export const DEFAULT_LIVE_FLOW_OPTIONS: LiveFlowOptions = {
  flowsPerEntity: 1000,
  bytesPerEntity: 1000 * BYTES_PER_FLOW,
  edgesPerEntity: 2000,
  maxQueuedPerSubscriber: 2000,
  flushIntervalMs: 250,
  historyEntities: DEFAULT_TRAFFIC_HISTORY_LIMITS.maxEntities,
  historyPeersPerEntity: DEFAULT_TRAFFIC_HISTORY_LIMITS.peersPerEntity,
};

/** One entity's live state in one cluster. */
interface EntityState {
  /** The entity's key in the traffic history: its cluster and ref. */
  historyKey: string;
  flows: FlowRing;
  edges: EdgeTable;
  subscribers: Set<FlowSubscriber>;
}

interface ClusterState {
  cluster: LiveCluster;
  client?: HubbleRelayClient;
  stream?: FlowStream;
  namespaces: string[];
  /** Flow counts of the last seconds, for flows/s. */
  buckets: Map<number, number>;
  /** Flows received since start, by verdict (over every stream of the cluster). */
  verdicts: Map<string, number>;
  /** Events Relay reported lost since start, by LostEvent source. */
  lost: Map<string, number>;
  /** Stream breaks or failed connects, each followed by a reconnect attempt. */
  reconnects: number;
  /** Largest arrival delay (ms) of the flows since the last `takeIngestLag`; -Infinity when none. */
  lagWindowMs: number;
  /** The value `takeIngestLag` last reported. */
  lastLagMs?: number;
  /** Forwarded and dropped flows per minute over the last hour (every flow of the cluster). */
  history: MinuteCounters;
}

/** Counters of one cluster's flow ingest, for metrics. */
export interface ClusterIngestCounters {
  cluster: string;
  /**
   * The Relay stream's state: `connecting`, `connected`, `backoff`,
   * `stopped`, `failed`, or `disabled` (no Hubble Relay configured, or not
   * followed yet).
   */
  state: string;
  /** Flows received since start, by verdict. */
  flowsByVerdict: ReadonlyMap<string, number>;
  /** Events Relay reported lost since start, by source. */
  eventsLostBySource: ReadonlyMap<string, number>;
  reconnects: number;
}

/** Distinct values counted per label (verdicts, lost-event sources); more are counted as `OTHER`. */
const MAX_COUNTED_VALUES = 32;

function countValue(counts: Map<string, number>, key: string, n: number) {
  const current = counts.get(key);
  if (current !== undefined) counts.set(key, current + n);
  else if (counts.size < MAX_COUNTED_VALUES) counts.set(key, n);
  else counts.set('OTHER', (counts.get('OTHER') ?? 0) + n);
}

/** What `ingest` works out once per flow for both of its entities. */
interface FlowMeta {
  timeMs: number;
  source?: string;
  destination?: string;
  /** The flow as sent to stream subscribers, decoded on first need. */
  record?: FlowRecord;
}

/** A buffered or live flow as the routes send it: the full decode plus its entities. */
function toRecord(
  raw: Uint8Array,
  meta: { source?: string; destination?: string },
): FlowRecord {
  const flow = flowToJson(raw) as Record<string, unknown>;
  return {
    flow,
    node_name:
      typeof flow.node_name === 'string' && flow.node_name
        ? flow.node_name
        : undefined,
    time: typeof flow.time === 'string' ? flow.time : undefined,
    backstage: { source: meta.source, destination: meta.destination },
  };
}

function policyNames(
  refs: Array<{ kind: string; namespace: string; name: string }>,
): string[] {
  return refs.map(p =>
    [p.kind || 'Policy', p.namespace, p.name].filter(Boolean).join('/'),
  );
}

/**
 * Holds one Hubble Relay follow stream per cluster, maps each flow's ends to
 * catalog entities and fans out in process: a bounded ring of flows and an
 * aggregated traffic table per entity and cluster (a service running in dev
 * and prod has one of each per cluster, each bounded on its own), and
 * batched, bounded subscriptions for the browser.
 */
export class LiveFlowService {
  private index: EntityWorkloadIndex;
  /** Per cluster, per entity: a service in dev and prod has two of everything. */
  private readonly entities = new Map<string, Map<string, EntityState>>();
  private readonly clusters = new Map<string, ClusterState>();
  private readonly options: LiveFlowOptions;
  private stopped = false;
  private subscriberCount = 0;
  private droppedForSubscribers = 0;
  private readonly onSubscriberDrop = () => {
    this.droppedForSubscribers++;
  };
  private readonly history: EntityTrafficHistory;
  /** Reused for every flow's history peer (the hot path allocates none). */
  private readonly peerScratch: TrafficHistoryPeer = { type: 'entity', id: '' };
  private readonly startedMs: number;

  constructor(
    private readonly deps: {
      clusters: LiveCluster[];
      defaultCluster: string;
      logger: LoggerService;
      /** Creates Relay clients; injectable for tests. */
      clientFactory?: (options: HubbleRelayClientOptions) => HubbleRelayClient;
      now?: () => number;
    },
    options: {
      [K in keyof LiveFlowOptions]?: LiveFlowOptions[K] | undefined;
    } = {},
  ) {
    const defined = Object.fromEntries(
      Object.entries(options).filter(([, v]) => v !== undefined),
    ) as Partial<LiveFlowOptions>;
    this.options = {
      ...DEFAULT_LIVE_FLOW_OPTIONS,
      ...defined,
      bytesPerEntity:
        defined.bytesPerEntity ??
        (defined.flowsPerEntity ?? DEFAULT_LIVE_FLOW_OPTIONS.flowsPerEntity) *
          BYTES_PER_FLOW,
    };
    this.history = new EntityTrafficHistory({
      maxEntities: this.options.historyEntities,
      peersPerEntity: this.options.historyPeersPerEntity,
    });
    this.startedMs = this.now();
    this.index = new EntityWorkloadIndex([], deps.defaultCluster);
    for (const cluster of deps.clusters) {
      this.clusters.set(cluster.name, {
        cluster,
        namespaces: [],
        buckets: new Map(),
        verdicts: new Map(),
        lost: new Map(),
        reconnects: 0,
        lagWindowMs: -Infinity,
        history: new MinuteCounters(),
      });
    }
  }

  private now(): number {
    return this.deps.now ? this.deps.now() : Date.now();
  }

  /** The current map from workloads and external peers to catalog entities. */
  entityIndex(): EntityWorkloadIndex {
    return this.index;
  }

  /**
   * Replaces the entity index (from a fresh catalog read) and restarts a
   * cluster's stream when the namespaces it must ask Relay for changed.
   */
  updateEntities(entities: Entity[]): void {
    // A catalog refresh that finishes during shutdown must not open new streams.
    if (this.stopped) return;
    this.index = new EntityWorkloadIndex(entities, this.deps.defaultCluster);
    for (const state of this.clusters.values()) {
      const namespaces = this.index.namespaces(state.cluster.name);
      if (
        !state.stream ||
        namespaces.join(',') !== state.namespaces.join(',')
      ) {
        state.namespaces = namespaces;
        if (state.cluster.hubble) this.follow(state);
      }
    }
  }

  private follow(state: ClusterState): void {
    const { cluster } = state;
    if (!cluster.hubble) return;
    if (!state.client) {
      const options = { ...cluster.hubble, logger: this.deps.logger };
      state.client = this.deps.clientFactory
        ? this.deps.clientFactory(options)
        : new HubbleRelayClient(options);
    }
    const prefixes = state.namespaces.map(ns => `${ns}/`);
    const whitelist =
      prefixes.length > 0
        ? [{ source_pod: prefixes }, { destination_pod: prefixes }]
        : undefined;
    if (state.stream && state.stream.status().state !== 'failed') {
      // Same stream, new filters: it resumes at its newest flow and keeps its
      // duplicate filter, so no flow is stored or counted twice.
      state.stream.setFilters({ whitelist });
      this.deps.logger.info(
        `Following Hubble Relay ${cluster.hubble.address} for cluster ${
          cluster.name
        } with new filters (namespaces: ${
          state.namespaces.join(', ') || 'all'
        })`,
      );
      return;
    }
    const since = state.stream?.status().lastFlowTime;
    state.stream?.removeAllListeners();
    state.stream?.cancel();
    const stream = state.client.follow({ whitelist, since });
    stream.on('flow', (flow: LeanFlow) => this.ingest(cluster.name, flow));
    stream.on('lostEvents', event =>
      countValue(state.lost, event.source || 'UNKNOWN', event.numEventsLost),
    );
    stream.on('disconnected', () => {
      state.reconnects++;
    });
    stream.on('gap', gap =>
      this.deps.logger.warn(
        `Hubble Relay ${cluster.hubble?.address} (cluster ${cluster.name}) was unreachable for ${gap.durationMs} ms: ${gap.reason}`,
      ),
    );
    stream.on('nodeStatus', event => {
      if (event.state === 'NODE_ERROR') {
        this.deps.logger.warn(
          `Hubble Relay (cluster ${
            cluster.name
          }) reports a node error on ${event.nodeNames.join(', ')}: ${
            event.message
          }`,
        );
      }
    });
    stream.on('failed', error =>
      this.deps.logger.error(
        `Hubble Relay stream of cluster ${cluster.name} failed for good: ${error.message}`,
      ),
    );
    state.stream = stream;
    this.deps.logger.info(
      `Following Hubble Relay ${cluster.hubble.address} for cluster ${
        cluster.name
      } (namespaces: ${state.namespaces.join(', ') || 'all'})`,
    );
  }

  /** The entities seen in a cluster (created on first use). */
  private entitiesIn(cluster: string): Map<string, EntityState> {
    let entities = this.entities.get(cluster);
    if (!entities) {
      entities = new Map();
      this.entities.set(cluster, entities);
    }
    return entities;
  }

  private existing(
    entityRef: string,
    cluster: string | undefined,
  ): EntityState | undefined {
    return this.entities
      .get(cluster ?? this.deps.defaultCluster)
      ?.get(entityRef);
  }

  private entityState(
    entities: Map<string, EntityState>,
    cluster: string,
    entityRef: string,
  ): EntityState {
    let state = entities.get(entityRef);
    if (!state) {
      state = {
        historyKey: `${cluster} ${entityRef}`,
        flows: new FlowRing(
          this.options.flowsPerEntity,
          this.options.bytesPerEntity,
        ),
        edges: new EdgeTable(this.options.edgesPerEntity),
        subscribers: new Set(),
      };
      entities.set(entityRef, state);
    }
    return state;
  }

  /**
   * The hot path: one flow from a cluster's stream. Public so benchmarks and
   * tests can drive it without a Relay.
   */
  ingest(clusterName: string, flow: LeanFlow): void {
    const cluster = this.clusters.get(clusterName);
    const now = this.now();
    const counter = verdictCounter(flow.verdict);
    if (cluster) {
      const second = Math.floor(now / 1000);
      cluster.buckets.set(second, (cluster.buckets.get(second) ?? 0) + 1);
      if (cluster.buckets.size > 10) {
        for (const key of cluster.buckets.keys())
          if (key < second - 6) cluster.buckets.delete(key);
      }
      // Plain counters for metrics, read when they are collected.
      countValue(cluster.verdicts, flow.verdict, 1);
      const lag = now - flow.timeMs;
      if (lag > cluster.lagWindowMs) cluster.lagWindowMs = lag;
      if (counter >= 0) {
        // In the minute of the flow's own time (arrival time if it is ahead of ours).
        const t = flow.timeMs > 0 && flow.timeMs < now ? flow.timeMs : now;
        cluster.history.add(Math.floor(t / MINUTE_MS), counter);
      }
    }
    const src =
      this.index.lookupPod(
        clusterName,
        flow.source.namespace,
        flow.source.labels,
        flow.source.identity,
      ) ??
      (flow.source.namespace
        ? undefined
        : this.index.lookupExternal([], flow.sourceIp));
    const dst =
      this.index.lookupPod(
        clusterName,
        flow.destination.namespace,
        flow.destination.labels,
        flow.destination.identity,
      ) ??
      (flow.destination.namespace
        ? undefined
        : this.index.lookupExternal(flow.destinationNames, flow.destinationIp));
    if (!src && !dst) return;

    // Each entity's ring copies the flow's bytes (`flow.raw` is a view into
    // the gRPC message) into its arena; the decoded LeanFlow is not kept.
    const meta: FlowMeta = {
      timeMs: flow.timeMs,
      source: src,
      destination: dst,
    };
    const reply = flow.isReply === true;
    const entities = this.entitiesIn(clusterName);
    if (src)
      this.record(
        this.entityState(entities, clusterName, src),
        flow,
        meta,
        'egress',
        reply,
        counter,
        now,
      );
    if (dst && dst !== src)
      this.record(
        this.entityState(entities, clusterName, dst),
        flow,
        meta,
        'ingress',
        reply,
        counter,
        now,
      );
  }

  private record(
    state: EntityState,
    flow: LeanFlow,
    meta: FlowMeta,
    direction: 'ingress' | 'egress',
    reply: boolean,
    counter: number,
    now: number,
  ): void {
    state.flows.push(flow.raw, meta);
    // The table counts requests, each at the observation point of its side:
    // a pod-to-pod flow is seen leaving the source and entering the
    // destination, and each side counts its own.
    const observedHere =
      !flow.trafficDirection ||
      flow.trafficDirection === 'TRAFFIC_DIRECTION_UNKNOWN' ||
      flow.trafficDirection === (direction === 'egress' ? 'EGRESS' : 'INGRESS');
    if (!reply && observedHere && counter >= 0) {
      // Counted like the table: per minute, per peer (no allocation).
      const peer =
        direction === 'egress'
          ? historyPeerOf(
              this.peerScratch,
              flow.destination,
              flow.destinationNames,
              meta.destination,
            )
          : historyPeerOf(this.peerScratch, flow.source, [], meta.source);
      this.history.count(
        state.historyKey,
        peer.id,
        peer.type,
        counter,
        flow.timeMs,
        now,
      );
    }
    if (!reply && observedHere) {
      const peer =
        direction === 'egress'
          ? describePeer(
              flow.destination,
              flow.destinationIp,
              flow.destinationNames,
              meta.destination,
            )
          : describePeer(flow.source, flow.sourceIp, [], meta.source);
      state.edges.add({
        direction,
        peer,
        protocol: flow.protocol,
        port: flow.destinationPort,
        verdict: flow.verdict || 'VERDICT_UNKNOWN',
        timeMs: flow.timeMs,
        policies:
          direction === 'egress'
            ? policyNames([...flow.egressAllowedBy, ...flow.egressDeniedBy])
            : policyNames([...flow.ingressAllowedBy, ...flow.ingressDeniedBy]),
        dropReason: flow.dropReason,
        l7Summary: flow.l7Summary,
      });
    }
    if (state.subscribers.size > 0) {
      // Decoded once per flow, whichever of its two entities is watched first.
      meta.record ??= toRecord(flow.raw, meta);
      for (const s of state.subscribers) s.offer(meta.record);
    }
  }

  /**
   * The entity's recent flows in `cluster` (default: the default cluster),
   * oldest first, at most `limit`.
   */
  flows(
    entityRef: string,
    limit?: number,
    cluster: string = this.deps.defaultCluster,
  ): EntityFlowsResponse {
    const state = this.existing(entityRef, cluster);
    if (!state) return { entityRef, cluster, flows: [], evicted: 0 };
    return {
      entityRef,
      cluster,
      flows: state.flows.entries(limit).map(e => toRecord(e.raw, e)),
      evicted: state.flows.evicted,
    };
  }

  /**
   * The entity's buffered flows as decoded from Relay (oldest first), for
   * replaying them against changed policies. Decoded again from the kept
   * bytes; each flow's `raw` is its own copy.
   */
  recentFlows(entityRef: string, cluster?: string): LeanFlow[] {
    const entries = this.existing(entityRef, cluster)?.flows.entries() ?? [];
    return entries.map((e: FlowRingEntry) =>
      decodeFlowLean(Buffer.from(e.raw)),
    );
  }

  /** The entity's aggregated traffic in `cluster` (default: the default cluster). */
  traffic(
    entityRef: string,
    cluster: string = this.deps.defaultCluster,
  ): EntityTrafficResponse {
    const state = this.existing(entityRef, cluster);
    if (!state) return { entityRef, cluster, edges: [] };
    const oldest = state.flows.oldestTimeMs();
    return {
      entityRef,
      cluster,
      edges: state.edges.snapshot(),
      since: oldest !== undefined ? new Date(oldest).toISOString() : undefined,
    };
  }

  /**
   * The entity's forwarded and dropped flows per minute over the last
   * `query.minutes` minutes in `cluster` (default: the default cluster),
   * with the peers of each minute.
   */
  trafficHistory(
    entityRef: string,
    query: TrafficHistoryQuery,
    cluster: string = this.deps.defaultCluster,
  ): EntityTrafficHistoryResponse {
    return {
      entityRef,
      cluster,
      ...this.history.read(`${cluster} ${entityRef}`, this.now(), query),
    };
  }

  /** The most peers the history keeps per entity (`cilium.live.history.peersPerEntity`). */
  historyPeersPerEntity(): number {
    return this.options.historyPeersPerEntity;
  }

  /**
   * Per cluster: every flow's verdict per minute over the last `minutes`
   * minutes (oldest first, ending with the current one), and since when this
   * service counts.
   */
  clusterTrafficHistory(minutes: number): Array<{
    cluster: string;
    since: string;
    buckets: Array<TrafficHistoryCounts & { minute: number }>;
  }> {
    const nowMinute = Math.floor(this.now() / MINUTE_MS);
    return [...this.clusters.values()].map(state => {
      const buckets: Array<TrafficHistoryCounts & { minute: number }> = [];
      for (let m = nowMinute - minutes + 1; m <= nowMinute; m++) {
        buckets.push({
          minute: m,
          forwarded: state.history.get(m, FORWARDED),
          dropped: state.history.get(m, DROPPED),
        });
      }
      return {
        cluster: state.cluster.name,
        since: new Date(this.startedMs).toISOString(),
        buckets,
      };
    });
  }

  /**
   * Subscribes to an entity's flows as they arrive; `send` gets batches and
   * returns false when the connection's buffer is full. Returns the
   * subscriber; call `unsubscribe` with it when the connection closes.
   */
  subscribe(
    entityRef: string,
    send: (batch: FlowStreamBatch) => boolean | void,
    cluster: string = this.deps.defaultCluster,
  ): FlowSubscriber {
    const subscriber = new FlowSubscriber(send, {
      maxQueued: this.options.maxQueuedPerSubscriber,
      flushIntervalMs: this.options.flushIntervalMs,
      onDrop: this.onSubscriberDrop,
    });
    this.entityState(
      this.entitiesIn(cluster),
      cluster,
      entityRef,
    ).subscribers.add(subscriber);
    this.subscriberCount++;
    return subscriber;
  }

  unsubscribe(
    entityRef: string,
    subscriber: FlowSubscriber,
    cluster?: string,
  ): void {
    subscriber.close();
    if (this.existing(entityRef, cluster)?.subscribers.delete(subscriber))
      this.subscriberCount--;
  }

  /** Live-stream subscriptions open now, over every entity. */
  subscribers(): number {
    return this.subscriberCount;
  }

  /** Flows dropped (oldest first) from subscribers' queues since start: browsers that fell behind. */
  subscriberDrops(): number {
    return this.droppedForSubscribers;
  }

  /** Per cluster: the stream's state and the ingest counters since start. */
  ingestCounters(): ClusterIngestCounters[] {
    return [...this.clusters.values()].map(state => ({
      cluster: state.cluster.name,
      state: state.stream ? state.stream.status().state : 'disabled',
      flowsByVerdict: state.verdicts,
      eventsLostBySource: state.lost,
      reconnects: state.reconnects,
    }));
  }

  /**
   * Per cluster that has received flows: the largest delay (ms, at least 0)
   * between a flow's Hubble time and its arrival here, over the flows since
   * the previous call; while none arrive, the previous value again.
   */
  takeIngestLag(): Array<{ cluster: string; lagMs: number }> {
    const out: Array<{ cluster: string; lagMs: number }> = [];
    for (const state of this.clusters.values()) {
      if (state.lagWindowMs !== -Infinity) {
        state.lastLagMs = Math.max(0, state.lagWindowMs);
        state.lagWindowMs = -Infinity;
      }
      if (state.lastLagMs !== undefined)
        out.push({ cluster: state.cluster.name, lagMs: state.lastLagMs });
    }
    return out;
  }

  /** Per cluster: connection state, rate, lag, nodes, last error. */
  status(): Pick<CiliumStatusResponse, 'clusters'> {
    const now = this.now();
    const second = Math.floor(now / 1000);
    const clusters: ClusterTrafficStatus[] = [...this.clusters.values()].map(
      state => {
        let recent = 0;
        for (let s = second - 5; s < second; s++)
          recent += state.buckets.get(s) ?? 0;
        const base = {
          cluster: state.cluster.name,
          address: state.cluster.hubble?.address,
          flowsPerSecond: recent / 5,
          namespaces: state.namespaces,
        };
        if (!state.stream) {
          return {
            ...base,
            state: 'disabled',
            connected: false,
            flowsReceived: 0,
            duplicatesDropped: 0,
            eventsLost: 0,
            nodes: [],
            gaps: [],
          };
        }
        const s = state.stream.status();
        return {
          ...base,
          state: s.state,
          connected: s.state === 'connected',
          lagMs: s.lastFlowTime
            ? Math.max(0, now - Date.parse(s.lastFlowTime))
            : undefined,
          flowsReceived: s.flowsReceived,
          duplicatesDropped: s.duplicatesDropped,
          eventsLost: s.eventsLost,
          nodes: Object.entries(s.nodes).map(([name, n]) => ({
            name,
            state: n.state,
            message: n.message,
          })),
          lastError: s.lastError
            ? { message: s.lastError.message, at: s.lastError.at }
            : undefined,
          gaps: s.gaps.map(g => ({
            disconnectedAt: g.disconnectedAt,
            reconnectedAt: g.reconnectedAt,
            durationMs: g.durationMs,
            reason: g.reason,
          })),
        };
      },
    );
    return { clusters };
  }

  /** Cancels every stream and subscription; no stream is opened after this. */
  stop(): void {
    this.stopped = true;
    for (const state of this.clusters.values()) {
      state.stream?.removeAllListeners();
      state.stream?.cancel();
      state.client?.close();
      state.stream = undefined;
      state.client = undefined;
    }
    for (const entities of this.entities.values()) {
      for (const e of entities.values()) {
        e.subscribers.forEach(s => s.close());
        e.subscribers.clear();
      }
    }
    this.subscriberCount = 0;
  }
}
