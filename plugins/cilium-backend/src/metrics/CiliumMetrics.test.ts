import { mockServices } from '@backstage/backend-test-utils';
import type {
  MetricAttributes,
  MetricsService,
  MetricsServiceObservableCallback,
} from '@backstage/backend-plugin-api/alpha';
import { CONNECTIVITY_REQUEST_STATES } from '@cilium-zero-trust/plugin-cilium-common';
import type {
  PolicyChange,
  PolicyPublisher,
  Publication,
} from '@cilium-zero-trust/plugin-cilium-node';
import { RequestStatistics } from '../requests/RequestStatistics';
import { CiliumMetrics } from './CiliumMetrics';

type Measurement = { value: number; attributes?: MetricAttributes };

/** A MetricsService that keeps what is recorded, and collects observables on demand. */
class RecordingMetrics implements MetricsService {
  readonly recorded = new Map<string, Measurement[]>();
  readonly callbacks = new Map<string, MetricsServiceObservableCallback[]>();

  private push(name: string, m: Measurement) {
    this.recorded.set(name, [...(this.recorded.get(name) ?? []), m]);
  }
  private sync(name: string) {
    const record = (value: number, attributes?: MetricAttributes) =>
      this.push(name, { value, attributes });
    return { add: record, record };
  }
  private observable(name: string) {
    return {
      addCallback: (cb: MetricsServiceObservableCallback) =>
        this.callbacks.set(name, [...(this.callbacks.get(name) ?? []), cb]),
      removeCallback: (cb: MetricsServiceObservableCallback) =>
        this.callbacks.set(
          name,
          (this.callbacks.get(name) ?? []).filter(c => c !== cb),
        ),
    };
  }
  createCounter = (name: string) => this.sync(name);
  createUpDownCounter = (name: string) => this.sync(name);
  createHistogram = (name: string) => this.sync(name);
  createGauge = (name: string) => this.sync(name);
  createObservableCounter = (name: string) => this.observable(name);
  createObservableUpDownCounter = (name: string) => this.observable(name);
  createObservableGauge = (name: string) => this.observable(name);

  async collect(name: string): Promise<Measurement[]> {
    const out: Measurement[] = [];
    for (const cb of this.callbacks.get(name) ?? [])
      await cb({
        observe: (value, attributes) => out.push({ value, attributes }),
      });
    return out;
  }
}

const change = { id: 'r1' } as PolicyChange;

class FakePublisher implements PolicyPublisher {
  readonly type = 'fake';
  private readonly states: Publication['state'][] = ['open'];
  constructor(private readonly fail: boolean) {}
  async publish(c: PolicyChange): Promise<Publication> {
    if (this.fail) throw new Error('the remote refused the push');
    return { publisher: this.type, branch: `netpol/${c.id}`, state: 'open' };
  }
  async status(): Promise<Publication['state']> {
    return this.states[0];
  }
}

describe('CiliumMetrics', () => {
  it('times publishes and counts the failed ones, leaving the publisher otherwise as it is', async () => {
    const metrics = new RecordingMetrics();
    const cilium = new CiliumMetrics(metrics, mockServices.logger.mock());
    const ok = cilium.measurePublisher(new FakePublisher(false));
    const failing = cilium.measurePublisher(new FakePublisher(true));

    expect(ok.type).toBe('fake');
    // Members other than publish run on the publisher itself (private state).
    await expect(ok.status({} as Publication)).resolves.toBe('open');
    await expect(ok.publish(change)).resolves.toMatchObject({
      branch: 'netpol/r1',
    });
    await expect(failing.publish(change)).rejects.toThrow(
      'the remote refused the push',
    );

    const durations = metrics.recorded.get('cilium.requests.publish.duration')!;
    expect(durations.map(d => d.attributes)).toEqual([
      { publisher: 'fake', outcome: 'success' },
      { publisher: 'fake', outcome: 'failure' },
    ]);
    for (const d of durations) expect(d.value).toBeGreaterThanOrEqual(0);
    const failures = metrics.recorded.get('cilium.requests.publish.failures')!;
    // One zero per measured publisher (the series exist from the start), then the failure.
    expect(failures.reduce((sum, f) => sum + f.value, 0)).toBe(1);
    expect(failures.filter(f => f.value > 0)).toEqual([
      { value: 1, attributes: { publisher: 'fake' } },
    ]);
  });

  it('reports every request state (zero when none) and skips a collection the database could not answer', async () => {
    const metrics = new RecordingMetrics();
    const logger = mockServices.logger.mock();
    const cilium = new CiliumMetrics(metrics, logger);
    let broken = false;
    const statistics = {
      requestsByState: async () => {
        if (broken) throw new Error('connection refused');
        return new Map([
          ['submitted', 2],
          ['published', 1],
        ]);
      },
      outboxBacklog: async () => new Map([['pending', 3]]),
    } as unknown as RequestStatistics;
    cilium.observeRequests(statistics);

    const requests = await metrics.collect('cilium.requests');
    expect(requests).toHaveLength(CONNECTIVITY_REQUEST_STATES.length);
    expect(
      Object.fromEntries(requests.map(r => [r.attributes!.state, r.value])),
    ).toMatchObject({ submitted: 2, published: 1, approved: 0, expired: 0 });
    expect(await metrics.collect('cilium.requests.outbox.backlog')).toEqual([
      { value: 3, attributes: { status: 'pending' } },
      { value: 0, attributes: { status: 'running' } },
      { value: 0, attributes: { status: 'failed' } },
    ]);

    broken = true;
    expect(await metrics.collect('cilium.requests')).toEqual([]);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining('connection refused'),
    );

    cilium.stop();
    expect(await metrics.collect('cilium.requests.outbox.backlog')).toEqual([]);
  });
});
