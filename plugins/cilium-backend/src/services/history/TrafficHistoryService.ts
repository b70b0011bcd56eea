import { InputError } from '@backstage/errors';
import {
  EntityTrafficHistoryResponse,
  TrafficHistoryResponse,
} from '@cilium-zero-trust/plugin-cilium-common';
import { LiveFlowService } from '../live/LiveFlowService';
import { CoverageHistory } from './CoverageHistory';
import { TrafficHistoryQuery } from './EntityTrafficHistory';
import { HISTORY_MINUTES, MINUTE_MS } from './MinuteCounters';

/** Peers listed per minute when the caller does not say. */
const DEFAULT_PEERS = 10;

/** Reads a whole-number query parameter within bounds; a clear 400 otherwise. */
function wholeNumber(
  name: string,
  value: unknown,
  min: number,
  max: number,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'string' && /^\d{1,6}$/.test(value) ? +value : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    const shown =
      typeof value === 'string'
        ? JSON.stringify(value.slice(0, 40))
        : 'a repeated or nested parameter';
    throw new InputError(
      `${name} must be a whole number from ${min} to ${max}, got ${shown}`,
    );
  }
  return n;
}

/** What the traffic-history routes answer: entity and cluster histories. */
export class TrafficHistoryService {
  constructor(
    private readonly deps: {
      live: LiveFlowService;
      coverage: CoverageHistory;
      /** The per-entity peer cap, the most a caller may list per minute. */
      peersPerEntity: number;
    },
  ) {}

  /** Validates `?minutes=&peers=` of the entity route. */
  parseEntityQuery(query: Record<string, unknown>): TrafficHistoryQuery {
    return {
      minutes: wholeNumber(
        'minutes',
        query.minutes,
        1,
        HISTORY_MINUTES,
        HISTORY_MINUTES,
      ),
      peers: wholeNumber(
        'peers',
        query.peers,
        0,
        this.deps.peersPerEntity,
        Math.min(DEFAULT_PEERS, this.deps.peersPerEntity),
      ),
    };
  }

  /** Validates `?minutes=&cluster=` of the cluster route. */
  parseClusterQuery(
    query: Record<string, unknown>,
    clusters: string[],
  ): { minutes: number; cluster?: string } {
    const minutes = wholeNumber(
      'minutes',
      query.minutes,
      1,
      HISTORY_MINUTES,
      HISTORY_MINUTES,
    );
    const cluster = query.cluster;
    if (cluster === undefined) return { minutes };
    if (typeof cluster !== 'string' || !clusters.includes(cluster)) {
      throw new InputError(
        `cluster must name a configured cluster (${
          clusters.join(', ') || 'none configured'
        })`,
      );
    }
    return { minutes, cluster };
  }

  /** The entity's history in `cluster` (else the default cluster). */
  entity(
    entityRef: string,
    query: TrafficHistoryQuery,
    cluster?: string,
  ): EntityTrafficHistoryResponse {
    return this.deps.live.trafficHistory(entityRef, query, cluster);
  }

  /** Every cluster's (or one cluster's) flows per minute and coverage samples. */
  async clusters(query: {
    minutes: number;
    cluster?: string;
  }): Promise<TrafficHistoryResponse> {
    const current = await this.deps.coverage.sample();
    const clusters = this.deps.live
      .clusterTrafficHistory(query.minutes)
      .filter(c => !query.cluster || c.cluster === query.cluster)
      .map(c => ({
        cluster: c.cluster,
        since: c.since,
        coverage: current.get(c.cluster)?.coverage,
        coverageUnavailable: current.get(c.cluster)?.unavailable,
        buckets: c.buckets.map(b => ({
          start: new Date(b.minute * MINUTE_MS).toISOString(),
          forwarded: b.forwarded,
          dropped: b.dropped,
          coverage: this.deps.coverage.at(c.cluster, b.minute),
        })),
      }));
    return { bucketSeconds: MINUTE_MS / 1000, clusters };
  }
}
