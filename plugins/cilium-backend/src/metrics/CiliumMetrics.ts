import { LoggerService } from '@backstage/backend-plugin-api';
import type {
  MetricAttributes,
  MetricsService,
  MetricsServiceCounter,
  MetricsServiceHistogram,
  MetricsServiceObservable,
  MetricsServiceObservableCallback,
} from '@backstage/backend-plugin-api/alpha';
import { CONNECTIVITY_REQUEST_STATES } from '@cilium-zero-trust/plugin-cilium-common';
import type { PolicyPublisher } from '@cilium-zero-trust/plugin-cilium-node';
import {
  OUTBOX_BACKLOG_STATUSES,
  RequestStatistics,
} from '../requests/RequestStatistics';
import type { ClusterReload } from '../services/ClusterModel';
import type { ClusterRegistry } from '../services/ClusterRegistry';
import type { LiveFlowService } from '../services/live/LiveFlowService';

/** States a cluster's Relay stream reports (`disabled`: no Relay configured or not followed yet). */
const RELAY_STATES = [
  'connecting',
  'connected',
  'backoff',
  'stopped',
  'failed',
  'disabled',
];

/** Histogram buckets (seconds) of a publish: a git push or a few GitHub API calls. */
const PUBLISH_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** Histogram buckets (seconds) of a policy-source reload: read, parse, evaluate. */
const RELOAD_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The plugin's OpenTelemetry instruments (through Backstage's alpha
 * MetricsService, so they are scoped to the plugin like Backstage's own).
 *
 * The flow path only bumps plain integers in the live-flow service; the
 * instruments read them through observable callbacks when the metrics are
 * collected (a Prometheus scrape), so no attribute object is made per flow.
 * Names and meanings are listed in the package README.
 */
export class CiliumMetrics {
  private readonly callbacks: Array<() => void> = [];
  private readonly publishDuration: MetricsServiceHistogram;
  private readonly publishFailures: MetricsServiceCounter;
  private readonly reloadDuration: MetricsServiceHistogram;

  constructor(
    private readonly metrics: MetricsService,
    private readonly logger: LoggerService,
  ) {
    this.publishDuration = metrics.createHistogram(
      'cilium.requests.publish.duration',
      {
        description:
          'Time a publisher took to publish an approved request (branch, pull request)',
        unit: 's',
        advice: { explicitBucketBoundaries: PUBLISH_BUCKETS },
      },
    );
    this.publishFailures = metrics.createCounter(
      'cilium.requests.publish.failures',
      {
        description:
          'Publish attempts that failed (each is retried with back-off, up to the attempt limit)',
        unit: '{failure}',
      },
    );
    this.reloadDuration = metrics.createHistogram(
      'cilium.policy_source.reload.duration',
      {
        description:
          "Time to read and evaluate a cluster's policy and workload sources after they changed",
        unit: 's',
        advice: { explicitBucketBoundaries: RELOAD_BUCKETS },
      },
    );
  }

  /** Adds a callback to an observable instrument; `stop()` removes it again. */
  private observe<T extends MetricAttributes>(
    instrument: MetricsServiceObservable<T>,
    callback: MetricsServiceObservableCallback<T>,
  ): void {
    instrument.addCallback(callback);
    this.callbacks.push(() => instrument.removeCallback(callback));
  }

  /** Flow ingest, Relay connections and live streams of the live-flow service. */
  observeLive(live: LiveFlowService): void {
    const m = this.metrics;
    this.observe(
      m.createObservableCounter('cilium.hubble.flows.received', {
        description:
          'Flows received from Hubble Relay (after de-duplication), by cluster and verdict',
        unit: '{flow}',
      }),
      result => {
        for (const c of live.ingestCounters()) {
          for (const [verdict, n] of c.flowsByVerdict)
            result.observe(n, { cluster: c.cluster, verdict });
        }
      },
    );
    this.observe(
      m.createObservableGauge('cilium.hubble.relay.connection.state', {
        description:
          "State of each cluster's Hubble Relay follow stream: 1 for the current state, 0 for the others",
        unit: '1',
      }),
      result => {
        for (const c of live.ingestCounters()) {
          for (const state of RELAY_STATES)
            result.observe(state === c.state ? 1 : 0, {
              cluster: c.cluster,
              state,
            });
        }
      },
    );
    this.observe(
      m.createObservableCounter('cilium.hubble.relay.reconnects', {
        description:
          'Hubble Relay streams that broke or could not be opened, each followed by a reconnect after back-off',
        unit: '{reconnect}',
      }),
      result => {
        for (const c of live.ingestCounters())
          result.observe(c.reconnects, { cluster: c.cluster });
      },
    );
    this.observe(
      m.createObservableGauge('cilium.hubble.ingest.lag', {
        description:
          "Largest delay between a flow's Hubble time and its arrival at the backend, over the flows since the previous collection",
        unit: 's',
      }),
      result => {
        for (const { cluster, lagMs } of live.takeIngestLag())
          result.observe(lagMs / 1000, { cluster });
      },
    );
    this.observe(
      m.createObservableCounter('cilium.hubble.events.lost', {
        description:
          'Events Hubble reported lost (LostEvent messages through Relay), by cluster and source',
        unit: '{event}',
      }),
      result => {
        for (const c of live.ingestCounters()) {
          for (const [source, n] of c.eventsLostBySource)
            result.observe(n, { cluster: c.cluster, source });
        }
      },
    );
    this.observe(
      m.createObservableUpDownCounter('cilium.live.subscribers', {
        description: 'Live flow streams (browser tabs) open now',
        unit: '{subscriber}',
      }),
      result => result.observe(live.subscribers()),
    );
    this.observe(
      m.createObservableCounter('cilium.live.flows.dropped', {
        description:
          "Flows dropped, oldest first, from live streams' queues because the browser did not keep up",
        unit: '{flow}',
      }),
      result => result.observe(live.subscriberDrops()),
    );
  }

  /** Parse errors in each cluster's current sources. */
  observeClusters(clusters: ClusterRegistry): void {
    this.observe(
      this.metrics.createObservableGauge('cilium.policy_source.parse_errors', {
        description:
          "Errors in a cluster's current policy or workload source: unreadable files and manifests that do not parse or validate",
        unit: '{error}',
      }),
      result => {
        for (const c of clusters.all()) {
          const errors = c.model.parseErrors();
          if (!errors) continue;
          result.observe(errors.policies, {
            cluster: c.name,
            role: 'policies',
          });
          result.observe(errors.workloads, {
            cluster: c.name,
            role: 'workloads',
          });
        }
      },
    );
  }

  /** Requests by state and the outbox backlog, counted in the database at collection. */
  observeRequests(statistics: RequestStatistics): void {
    this.observe(
      this.metrics.createObservableGauge('cilium.requests', {
        description:
          'Connectivity requests in the database, by state (the same figures on every replica)',
        unit: '{request}',
      }),
      async result => {
        const counts = await this.query('requests by state', () =>
          statistics.requestsByState(),
        );
        if (!counts) return;
        const states = new Set<string>([
          ...CONNECTIVITY_REQUEST_STATES,
          ...counts.keys(),
        ]);
        for (const state of states)
          result.observe(counts.get(state) ?? 0, { state });
      },
    );
    this.observe(
      this.metrics.createObservableGauge('cilium.requests.outbox.backlog', {
        description:
          'Outbox rows not done, by status: pending (due or waiting for a retry), running (claimed by a replica), failed (gave up; a reviewer can retry)',
        unit: '{item}',
      }),
      async result => {
        const counts = await this.query('the outbox backlog', () =>
          statistics.outboxBacklog(),
        );
        if (!counts) return;
        for (const status of OUTBOX_BACKLOG_STATUSES)
          result.observe(counts.get(status) ?? 0, { status });
      },
    );
  }

  private async query<T>(
    what: string,
    fn: () => Promise<T>,
  ): Promise<T | undefined> {
    try {
      return await fn();
    } catch (error) {
      this.logger.warn(`Metrics: could not count ${what}: ${error}`);
      return undefined;
    }
  }

  /** Records a reload of a cluster's sources (pass to the cluster registry). */
  readonly recordReload = (reload: ClusterReload): void => {
    this.reloadDuration.record(reload.durationMs / 1000, {
      cluster: reload.cluster,
      outcome: reload.ok ? 'success' : 'failure',
      mode: reload.mode,
    });
  };

  /**
   * The publisher with its `publish` calls timed and failures counted; every
   * other member is the publisher's own.
   */
  measurePublisher(publisher: PolicyPublisher): PolicyPublisher {
    const attributes = { publisher: publisher.type };
    // The series exist from the start, so a dashboard shows 0, not "no data".
    this.publishFailures.add(0, attributes);
    const publish: PolicyPublisher['publish'] = async change => {
      const started = performance.now();
      let ok = false;
      try {
        const publication = await publisher.publish(change);
        ok = true;
        return publication;
      } finally {
        this.publishDuration.record((performance.now() - started) / 1000, {
          ...attributes,
          outcome: ok ? 'success' : 'failure',
        });
        if (!ok) this.publishFailures.add(1, attributes);
      }
    };
    return new Proxy(publisher, {
      get(target, property) {
        if (property === 'publish') return publish;
        const value = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  /** Removes the observable callbacks (backend shutdown). */
  stop(): void {
    for (const remove of this.callbacks.splice(0)) remove();
  }
}
