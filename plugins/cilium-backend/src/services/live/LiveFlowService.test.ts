import { mockServices } from '@backstage/backend-test-utils';
import { EventEmitter } from 'events';
import { encodeGetFlowsResponse } from '@cilium-zero-trust/hubble-relay-sim';
import {
  decodeGetFlowsResponseLean,
  FlowJson,
  HubbleRelayClient,
  LeanFlow,
} from '@cilium-zero-trust/plugin-cilium-node';
import { kubernetesComponent } from '../../__testUtils__/sampleWorld';
import { LiveFlowService } from './LiveFlowService';

const component = (name: string, ns: string) =>
  kubernetesComponent(name, ns, `app=${name}`);

const T0 = Date.parse('2026-11-26T10:00:00Z');

/** Flow n from storefront (web) to checkout (shop), as the Relay client decodes it. */
function flow(n: number): LeanFlow {
  const endpoint = (app: string, ns: string, identity: number) => ({
    ID: identity,
    identity,
    namespace: ns,
    labels: [`k8s:app=${app}`, `k8s:io.kubernetes.pod.namespace=${ns}`],
    pod_name: `${app}-7d9f-${n}`,
    workloads: [{ name: app, kind: 'Deployment' }],
  });
  const json: FlowJson = {
    time: new Date(T0 + n * 1000).toISOString(),
    uuid: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    verdict: 'FORWARDED',
    IP: { source: '10.0.0.1', destination: '10.0.1.1', ipVersion: 'IPv4' },
    l4: {
      TCP: {
        source_port: 40000 + n,
        destination_port: 8080,
        flags: { SYN: true },
      },
    },
    source: endpoint('storefront', 'web', 1001),
    destination: endpoint('checkout', 'shop', 1002),
    Type: 'L3_L4',
    node_name: 'sim-node-1',
    is_reply: false,
    traffic_direction: 'EGRESS',
  };
  const r = decodeGetFlowsResponseLean(
    encodeGetFlowsResponse({
      flow: json,
      node_name: 'sim-node-1',
      time: json.time,
    }),
  );
  if (r.kind !== 'flow') throw new Error('not a flow');
  return r.flow;
}

function service(
  options: {
    flowsPerEntity?: number;
    bytesPerEntity?: number;
    maxQueuedPerSubscriber?: number;
  },
  now?: () => number,
) {
  const live = new LiveFlowService(
    {
      clusters: [{ name: 'dev' }],
      defaultCluster: 'dev',
      logger: mockServices.logger.mock(),
      now,
    },
    options,
  );
  live.updateEntities([
    component('storefront', 'web'),
    component('checkout', 'shop'),
  ]);
  return live;
}

const STOREFRONT = 'component:default/storefront';
const CHECKOUT = 'component:default/checkout';
const uuidNumber = (uuid: unknown) => Number(String(uuid).slice(-12));

describe('LiveFlowService buffers', () => {
  it('keeps the newest flows per entity, oldest first, with the evicted count and the limit', () => {
    const live = service({ flowsPerEntity: 5 });
    for (let n = 1; n <= 8; n++) live.ingest('dev', flow(n));
    for (const ref of [STOREFRONT, CHECKOUT]) {
      const all = live.flows(ref);
      expect(all.flows.map(f => uuidNumber(f.flow.uuid))).toEqual([
        4, 5, 6, 7, 8,
      ]);
      expect(all.evicted).toBe(3);
      expect(all.flows[0]).toMatchObject({
        node_name: 'sim-node-1',
        time: '2026-11-26T10:00:04Z',
        backstage: { source: STOREFRONT, destination: CHECKOUT },
      });
      expect(
        live.flows(ref, 2).flows.map(f => uuidNumber(f.flow.uuid)),
      ).toEqual([7, 8]);
    }
    expect(live.traffic(STOREFRONT).since).toBe(
      new Date(T0 + 4000).toISOString(),
    );
    expect(live.flows('component:default/unknown')).toEqual({
      entityRef: 'component:default/unknown',
      cluster: 'dev',
      flows: [],
      evicted: 0,
    });
  });

  it('keeps the newest flows that fit in its byte budget', () => {
    const size = flow(11).raw.length; // flows 11..20 have the same size
    const live = service({
      flowsPerEntity: 1000,
      bytesPerEntity: size * 3 + 10,
    });
    for (let n = 11; n <= 20; n++) live.ingest('dev', flow(n));
    const { flows, evicted } = live.flows(STOREFRONT);
    expect(flows.map(f => uuidNumber(f.flow.uuid))).toEqual([18, 19, 20]);
    expect(evicted).toBe(7);
  });

  it('sizes the byte budget from flowsPerEntity when it is not set, so a larger buffer keeps all its flows', () => {
    const live = service({ flowsPerEntity: 3000 });
    for (let n = 1; n <= 3200; n++) live.ingest('dev', flow(n));
    const { flows, evicted } = live.flows(STOREFRONT);
    expect(flows).toHaveLength(3000);
    expect(evicted).toBe(200);
    expect(uuidNumber(flows[0].flow.uuid)).toBe(201);
  });

  it('gives request replay the buffered flows decoded as they arrived, detached from the buffer', () => {
    const live = service({ flowsPerEntity: 3 });
    for (let n = 1; n <= 4; n++) live.ingest('dev', flow(n));
    const recent = live.recentFlows(STOREFRONT);
    const expected = [2, 3, 4].map(n => flow(n));
    expect(recent.map(f => ({ ...f, raw: [...f.raw] }))).toEqual(
      expected.map(f => ({ ...f, raw: [...f.raw] })),
    );
    // later flows overwrite the buffer, not the flows handed out
    for (let n = 5; n <= 10; n++) live.ingest('dev', flow(n));
    expect(recent.map(f => f.uuid)).toEqual(expected.map(f => f.uuid));
    expect(recent.map(f => [...f.raw])).toEqual(expected.map(f => [...f.raw]));
  });
});

describe('LiveFlowService streams', () => {
  it('opens no Relay stream after stop, even when a catalog refresh lands during shutdown', () => {
    const follows: string[][] = [];
    const fakeClient = () =>
      ({
        follow: (request: { whitelist?: Array<{ source_pod?: string[] }> }) => {
          follows.push(request.whitelist?.[0]?.source_pod ?? []);
          return Object.assign(new EventEmitter(), {
            cancel: () => undefined,
            status: () => ({ state: 'connected' }),
            setFilters: (filters: {
              whitelist?: Array<{ source_pod?: string[] }>;
            }) => follows.push(filters.whitelist?.[0]?.source_pod ?? []),
          });
        },
        close: () => undefined,
      } as unknown as HubbleRelayClient);
    const live = new LiveFlowService({
      clusters: [{ name: 'dev', hubble: { address: '127.0.0.1:4245' } }],
      defaultCluster: 'dev',
      logger: mockServices.logger.mock(),
      clientFactory: fakeClient,
    });
    live.updateEntities([component('storefront', 'web')]);
    live.updateEntities([
      component('storefront', 'web'),
      component('checkout', 'shop'),
    ]);
    expect(follows).toEqual([['web/'], ['shop/', 'web/']]);
    live.stop();
    live.updateEntities([
      component('storefront', 'web'),
      component('cart', 'cart'),
    ]);
    expect(follows).toHaveLength(2);
  });
});

describe('LiveFlowService counters for metrics', () => {
  it('counts flows by verdict, bounding the number of distinct verdicts', () => {
    const live = service({});
    const verdicts = ['FORWARDED', 'DROPPED', 'FORWARDED', 'AUDIT'];
    verdicts.forEach((verdict, i) =>
      live.ingest('dev', { ...flow(i + 1), verdict }),
    );
    // A Relay that sends ever new enum numbers must not make ever new series.
    for (let i = 0; i < 100; i++)
      live.ingest('dev', { ...flow(100 + i), verdict: String(100 + i) });
    const [dev] = live.ingestCounters();
    expect(dev.cluster).toBe('dev');
    expect(dev.state).toBe('disabled');
    expect(dev.flowsByVerdict.get('FORWARDED')).toBe(2);
    expect(dev.flowsByVerdict.get('DROPPED')).toBe(1);
    expect(dev.flowsByVerdict.get('AUDIT')).toBe(1);
    expect(dev.flowsByVerdict.size).toBeLessThanOrEqual(33);
    const total = [...dev.flowsByVerdict.values()].reduce((a, b) => a + b, 0);
    expect(total).toBe(verdicts.length + 100);
  });

  it('reports the largest arrival delay since the previous collection, and repeats it while no flows arrive', () => {
    let now = T0;
    const live = service({}, () => now);
    expect(live.takeIngestLag()).toEqual([]);
    now = T0 + 2500; // flow(1) is stamped T0 + 1 s, flow(2) T0 + 2 s
    live.ingest('dev', flow(1));
    live.ingest('dev', flow(2));
    expect(live.takeIngestLag()).toEqual([{ cluster: 'dev', lagMs: 1500 }]);
    expect(live.takeIngestLag()).toEqual([{ cluster: 'dev', lagMs: 1500 }]);
    now = T0 + 3100;
    live.ingest('dev', flow(3));
    expect(live.takeIngestLag()).toEqual([{ cluster: 'dev', lagMs: 100 }]);
    // A node clock ahead of the backend's does not make a negative delay.
    now = T0;
    live.ingest('dev', flow(4));
    expect(live.takeIngestLag()).toEqual([{ cluster: 'dev', lagMs: 0 }]);
  });

  it('counts open live streams and the flows dropped from their queues', () => {
    const live = service({ maxQueuedPerSubscriber: 2 });
    const a = live.subscribe(CHECKOUT, () => true);
    const b = live.subscribe(STOREFRONT, () => true);
    expect(live.subscribers()).toBe(2);
    // Both entities see each flow; five flows into queues of two.
    for (let n = 1; n <= 5; n++) live.ingest('dev', flow(n));
    expect(live.subscriberDrops()).toBe(6);
    live.unsubscribe(CHECKOUT, a);
    live.unsubscribe(CHECKOUT, a);
    expect(live.subscribers()).toBe(1);
    expect(live.subscriberDrops()).toBe(6);
    live.unsubscribe(STOREFRONT, b);
    expect(live.subscribers()).toBe(0);
  });
});
