import {
  EntityTrafficHistoryBucket,
  EntityTrafficHistoryResponse,
  TrafficHistoryPeer,
  TrafficHistoryPeerCounts,
} from '@cilium-zero-trust/plugin-cilium-common';
import {
  DROPPED,
  FORWARDED,
  HISTORY_MINUTES,
  MINUTE_MS,
  MinuteCounters,
} from './MinuteCounters';
import { CounterPool } from './CounterPool';

/** Bounds of the per-entity history (config `cilium.live.history`). */
export interface TrafficHistoryLimits {
  /** Entities with counters; beyond it the entity whose last flow is oldest goes. */
  maxEntities: number;
  /** Peers with counters per entity; beyond it the peer whose last flow is oldest goes. */
  peersPerEntity: number;
}

export const DEFAULT_TRAFFIC_HISTORY_LIMITS: TrafficHistoryLimits = {
  maxEntities: 1000,
  peersPerEntity: 30,
};

type PeerType = TrafficHistoryPeer['type'];

/** One series of the pool, with what eviction needs. */
class PooledCounters extends MinuteCounters {
  /** The arrival minute of the last flow counted. */
  touched: number;

  constructor(pool: CounterPool, readonly poolId: number, minute: number) {
    super(pool.array(poolId), pool.base(poolId));
    this.touched = minute;
  }
}

/** One peer's counters. */
class PeerCounters extends PooledCounters {
  constructor(
    readonly type: PeerType,
    pool: CounterPool,
    poolId: number,
    minute: number,
  ) {
    super(pool, poolId, minute);
  }
}

interface EntityCounters {
  total: PooledCounters;
  /** In order of the minute they were last touched, oldest first. */
  peers: Map<string, PeerCounters>;
  /** The arrival minute of the entity's last flow. */
  touched: number;
  sinceMs: number;
  peersEvicted: number;
  /** The minute in which the peers were last found full and all busy; -1 if never. */
  peersBusyMinute: number;
}

/** One entity's history in one cluster, as the route answers it without the names. */
export type EntityTrafficHistorySeries = Omit<
  EntityTrafficHistoryResponse,
  'entityRef' | 'cluster'
>;

/** What a reader asks for. */
export interface TrafficHistoryQuery {
  /** Minutes to return, newest last (1–60). */
  minutes: number;
  /** Peers to list per minute (0 to the per-entity cap); the rest is summed in `otherPeers`. */
  peers: number;
}

function byFlows(a: TrafficHistoryPeerCounts, b: TrafficHistoryPeerCounts) {
  return (
    b.forwarded + b.dropped - (a.forwarded + a.dropped) ||
    (a.peer.id < b.peer.id ? -1 : 1)
  );
}

/**
 * Forwarded and dropped flows per minute over the last hour, per entity and per
 * peer of the entity, bounded: at most `maxEntities` entities and
 * `peersPerEntity` peers each. The entity seen longest ago is evicted for a
 * new one; a peer only once it has had no flow for a whole minute (until then
 * a further peer is counted in its entity's totals only). Each
 * entity and each peer holds one {@link MinuteCounters} series: 480 bytes of
 * counters in a shared {@link CounterPool} plus its object and map entry
 * (measured in `bench/traffic-history.bench.js`); evicted series are reused.
 *
 * `count` is the live ingest's hot path: two map lookups and two increments,
 * no allocation unless an entity or peer is new. Recency is kept by moving an
 * entity (or peer) to the end of its map the first time it is counted in a
 * minute, so the first key is always the least recently seen (to the minute).
 */
export class EntityTrafficHistory {
  private readonly entities = new Map<string, EntityCounters>();
  private readonly pool = new CounterPool();
  private readonly limits: TrafficHistoryLimits;
  /** Entities evicted to stay within `maxEntities`, since start. */
  entitiesEvicted = 0;

  constructor(limits: Partial<TrafficHistoryLimits> = {}) {
    this.limits = { ...DEFAULT_TRAFFIC_HISTORY_LIMITS, ...limits };
    if (this.limits.maxEntities < 1 || this.limits.peersPerEntity < 1) {
      throw new Error(
        'cilium.live.history: maxEntities and peersPerEntity must be at least 1',
      );
    }
  }

  /** Entities with counters now. */
  get size(): number {
    return this.entities.size;
  }

  /** One-hour series held now (each entity's totals and its peers). */
  get series(): number {
    return this.pool.inUse;
  }

  /**
   * Counts one flow of the entity counted under `key` (the live service
   * keys each entity per cluster) with `peerId` on counter `which`
   * (`FORWARDED` or `DROPPED`) in the minute of `timeMs` (the flow's own
   * time; a time in the future or missing counts now). `peerType` is kept
   * from the peer's first flow.
   */
  count(
    key: string,
    peerId: string,
    peerType: PeerType,
    which: number,
    timeMs: number,
    nowMs: number,
  ): void {
    const nowMinute = Math.floor(nowMs / MINUTE_MS);
    const minute =
      timeMs > 0 && timeMs < nowMs ? Math.floor(timeMs / MINUTE_MS) : nowMinute;
    if (minute <= nowMinute - HISTORY_MINUTES) return;

    const entities = this.entities;
    let entity = entities.get(key);
    if (!entity) {
      if (entities.size >= this.limits.maxEntities) this.evictOldestEntity();
      entity = {
        total: new PooledCounters(this.pool, this.pool.take(), nowMinute),
        peers: new Map(),
        touched: nowMinute,
        sinceMs: nowMs,
        peersEvicted: 0,
        peersBusyMinute: -1,
      };
      entities.set(key, entity);
    } else if (entity.touched !== nowMinute) {
      entities.delete(key);
      entities.set(key, entity);
      entity.touched = nowMinute;
    }
    entity.total.add(minute, which);

    const peers = entity.peers;
    let peer = peers.get(peerId);
    if (!peer) {
      if (peers.size >= this.limits.peersPerEntity) {
        // The first peer is the one seen longest ago. It goes only after a
        // whole minute without flows: while every tracked peer is busy, a
        // further peer's flows count in the totals only (its minute's
        // `otherPeers`), so busy peers are not evicted and re-created in turn.
        // Checked once a minute (the answer holds until the minute changes).
        if (entity.peersBusyMinute === nowMinute) return;
        const [oldest, counters] = peers.entries().next().value!;
        if (counters.touched >= nowMinute - 1) {
          entity.peersBusyMinute = nowMinute;
          return;
        }
        peers.delete(oldest);
        this.pool.release(counters.poolId);
        entity.peersEvicted++;
      }
      peer = new PeerCounters(peerType, this.pool, this.pool.take(), nowMinute);
      peers.set(peerId, peer);
    } else if (peer.touched !== nowMinute) {
      peers.delete(peerId);
      peers.set(peerId, peer);
      peer.touched = nowMinute;
    }
    peer.add(minute, which);
  }

  private evictOldestEntity(): void {
    const [ref, oldest] = this.entities.entries().next().value!;
    this.entities.delete(ref);
    this.pool.release(oldest.total.poolId);
    for (const peer of oldest.peers.values()) this.pool.release(peer.poolId);
    this.entitiesEvicted++;
  }

  /**
   * The last `query.minutes` minutes of the series counted under `key` up to
   * the minute of `nowMs`, oldest first.
   */
  read(
    key: string,
    nowMs: number,
    query: TrafficHistoryQuery,
  ): EntityTrafficHistorySeries {
    const entity = this.entities.get(key);
    const nowMinute = Math.floor(nowMs / MINUTE_MS);
    const buckets: EntityTrafficHistoryBucket[] = [];
    const peers = entity ? [...entity.peers] : [];
    for (let m = nowMinute - query.minutes + 1; m <= nowMinute; m++) {
      const forwarded = entity?.total.get(m, FORWARDED) ?? 0;
      const dropped = entity?.total.get(m, DROPPED) ?? 0;
      const listed: TrafficHistoryPeerCounts[] = [];
      if (forwarded + dropped > 0) {
        for (const [id, counters] of peers) {
          const f = counters.get(m, FORWARDED);
          const d = counters.get(m, DROPPED);
          if (f + d > 0) {
            listed.push({
              peer: { type: counters.type, id: displayId(id, counters.type) },
              forwarded: f,
              dropped: d,
            });
          }
        }
      }
      listed.sort(byFlows);
      const shown = listed.slice(0, query.peers);
      let f = 0;
      let d = 0;
      for (const p of shown) {
        f += p.forwarded;
        d += p.dropped;
      }
      buckets.push({
        start: new Date(m * MINUTE_MS).toISOString(),
        forwarded,
        dropped,
        peers: shown,
        otherPeers: {
          forwarded: Math.max(0, forwarded - f),
          dropped: Math.max(0, dropped - d),
        },
      });
    }
    return {
      bucketSeconds: MINUTE_MS / 1000,
      buckets,
      since: entity ? new Date(entity.sinceMs).toISOString() : undefined,
      peersEvicted: entity?.peersEvicted ?? 0,
    };
  }
}

/** DNS names as Hubble sends them end with a dot; shown without it, like the traffic table. */
function displayId(id: string, type: PeerType): string {
  return type === 'fqdn' && id.endsWith('.') ? id.slice(0, -1) : id;
}
