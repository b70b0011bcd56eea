import { DefaultDenyCoverage } from '@cilium-zero-trust/plugin-cilium-common';
import type { ClusterSnapshot } from '../ClusterModel';
import { ClusterRegistry } from '../ClusterRegistry';
import { HISTORY_MINUTES, MINUTE_MS } from './MinuteCounters';

/** One cluster's coverage samples: a ring of one slot per minute. */
class CoverageSamples {
  /** The minute each slot holds, -1 when empty. */
  private readonly minutes = new Int32Array(HISTORY_MINUTES).fill(-1);
  /** `[workloads, ingressIsolated, egressIsolated]` per slot. */
  private readonly values = new Uint32Array(HISTORY_MINUTES * 3);

  set(minute: number, c: DefaultDenyCoverage): void {
    const slot = minute % HISTORY_MINUTES;
    this.minutes[slot] = minute;
    this.values[slot * 3] = c.workloads;
    this.values[slot * 3 + 1] = c.ingressIsolated;
    this.values[slot * 3 + 2] = c.egressIsolated;
  }

  get(minute: number): DefaultDenyCoverage | undefined {
    const slot = minute % HISTORY_MINUTES;
    if (this.minutes[slot] !== minute) return undefined;
    return {
      workloads: this.values[slot * 3],
      ingressIsolated: this.values[slot * 3 + 1],
      egressIsolated: this.values[slot * 3 + 2],
    };
  }
}

/** A cluster's coverage now, or why it is unknown. */
export interface CurrentCoverage {
  coverage?: DefaultDenyCoverage;
  unavailable?: string;
}

/**
 * Default-deny coverage of every configured cluster over the last hour: the
 * number of workloads in the cluster's workload source and how many of them
 * the policies isolate per direction (the policy engine's `coverage()`).
 *
 * Coverage only changes when the policy or workload source does, so it is
 * sampled, not counted: `sample()` runs once a minute (a scheduled task) and
 * on every read, and keeps one sample per minute. A minute without a sample
 * (before the backend started, or while the policy source could not be read)
 * has none; the chart leaves a gap rather than show a guess. Computing a
 * sample walks the workloads once per policy snapshot (cached by snapshot).
 */
export class CoverageHistory {
  private readonly samples = new Map<string, CoverageSamples>();
  private readonly computed = new WeakMap<
    ClusterSnapshot,
    DefaultDenyCoverage
  >();

  constructor(
    private readonly deps: {
      clusters: ClusterRegistry;
      now?: () => number;
    },
  ) {}

  private now(): number {
    return this.deps.now ? this.deps.now() : Date.now();
  }

  /** Takes this minute's sample of every cluster and returns each cluster's current coverage. */
  async sample(): Promise<Map<string, CurrentCoverage>> {
    const minute = Math.floor(this.now() / MINUTE_MS);
    const out = new Map<string, CurrentCoverage>();
    for (const cluster of this.deps.clusters.all()) {
      const current = await this.current(cluster.name);
      if (current.coverage) {
        let samples = this.samples.get(cluster.name);
        if (!samples) {
          samples = new CoverageSamples();
          this.samples.set(cluster.name, samples);
        }
        samples.set(minute, current.coverage);
      }
      out.set(cluster.name, current);
    }
    return out;
  }

  /** The sample of `minute` (minutes since the epoch), if one was taken. */
  at(cluster: string, minute: number): DefaultDenyCoverage | undefined {
    return this.samples.get(cluster)?.get(minute);
  }

  private async current(name: string): Promise<CurrentCoverage> {
    let snapshot: ClusterSnapshot;
    try {
      snapshot = await this.deps.clusters.get(name).model.current();
    } catch (error) {
      return {
        unavailable: `The cluster's sources could not be read: ${
          (error as Error).message
        }`,
      };
    }
    if (snapshot.policiesUnavailable) {
      return { unavailable: snapshot.policiesUnavailable };
    }
    let coverage = this.computed.get(snapshot);
    if (!coverage) {
      coverage = { workloads: 0, ingressIsolated: 0, egressIsolated: 0 };
      for (const c of snapshot.engine.coverage()) {
        coverage.workloads++;
        if (c.ingress.isolated) coverage.ingressIsolated++;
        if (c.egress.isolated) coverage.egressIsolated++;
      }
      this.computed.set(snapshot, coverage);
    }
    return { coverage };
  }
}
