import { mockServices } from '@backstage/backend-test-utils';
import { encodeGetFlowsResponse } from '@cilium-zero-trust/hubble-relay-sim';
import {
  decodeGetFlowsResponseLean,
  FlowJson,
  LeanFlow,
} from '@cilium-zero-trust/plugin-cilium-node';
import { kubernetesComponent } from '../../__testUtils__/sampleWorld';
import { LiveFlowService } from './LiveFlowService';

const T0 = Date.parse('2026-11-26T10:00:00Z');
const MINUTE = 60_000;

type End =
  | { app: string; ns: string; identity: number }
  | { ip: string; identity: number; names?: string[] };

let seq = 0;
/** A flow as the Relay client decodes it. */
function flow(o: {
  src: End;
  dst: End;
  verdict: string;
  direction: 'EGRESS' | 'INGRESS';
  reply?: boolean;
  timeMs: number;
}): LeanFlow {
  seq++;
  const endpoint = (e: End) =>
    'app' in e
      ? {
          identity: e.identity,
          namespace: e.ns,
          labels: [
            `k8s:app=${e.app}`,
            `k8s:io.kubernetes.pod.namespace=${e.ns}`,
          ],
          pod_name: `${e.app}-7d9f-${seq}`,
          workloads: [{ name: e.app, kind: 'Deployment' }],
        }
      : { identity: e.identity, labels: ['reserved:world'] };
  const json: FlowJson = {
    time: new Date(o.timeMs).toISOString(),
    uuid: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    verdict: o.verdict,
    IP: {
      source: 'ip' in o.src ? o.src.ip : '10.0.0.1',
      destination: 'ip' in o.dst ? o.dst.ip : '10.0.1.1',
      ipVersion: 'IPv4',
    },
    l4: { TCP: { source_port: 40000, destination_port: 8080 } },
    source: endpoint(o.src),
    destination: endpoint(o.dst),
    ...('names' in o.dst && o.dst.names
      ? { destination_names: o.dst.names }
      : {}),
    Type: 'L3_L4',
    node_name: 'sim-node-1',
    is_reply: o.reply ?? false,
    traffic_direction: o.direction,
  };
  const r = decodeGetFlowsResponseLean(
    encodeGetFlowsResponse({ flow: json, node_name: 'sim-node-1' }),
  );
  if (r.kind !== 'flow') throw new Error('not a flow');
  return r.flow;
}

const storefront = { app: 'storefront', ns: 'web', identity: 1001 };
const checkout = { app: 'checkout', ns: 'shop', identity: 1002 };
const dns = { app: 'kube-dns', ns: 'kube-system', identity: 1003 };
const world = { ip: '203.0.113.9', identity: 16777217 };

describe('LiveFlowService traffic history', () => {
  let now = T0;
  function service() {
    const live = new LiveFlowService(
      {
        clusters: [{ name: 'dev' }],
        defaultCluster: 'dev',
        logger: mockServices.logger.mock(),
        now: () => now,
      },
      { historyPeersPerEntity: 5 },
    );
    live.updateEntities(
      ['storefront', 'checkout'].map(name =>
        kubernetesComponent(
          name,
          name === 'storefront' ? 'web' : 'shop',
          `app=${name}`,
        ),
      ),
    );
    return live;
  }

  it('counts each request once per side where it was observed, per minute and per peer; the cluster counts every flow', () => {
    now = T0 + 30_000;
    const live = service();
    // storefront → checkout, seen leaving storefront and entering checkout: 2 flows.
    const at = now - 1000;
    live.ingest(
      'dev',
      flow({
        src: storefront,
        dst: checkout,
        verdict: 'FORWARDED',
        direction: 'EGRESS',
        timeMs: at,
      }),
    );
    live.ingest(
      'dev',
      flow({
        src: storefront,
        dst: checkout,
        verdict: 'FORWARDED',
        direction: 'INGRESS',
        timeMs: at,
      }),
    );
    // The reply: not a request.
    live.ingest(
      'dev',
      flow({
        src: checkout,
        dst: storefront,
        verdict: 'FORWARDED',
        direction: 'EGRESS',
        reply: true,
        timeMs: at,
      }),
    );
    // checkout calls a namespace no entity stands for and the world: dropped.
    live.ingest(
      'dev',
      flow({
        src: checkout,
        dst: dns,
        verdict: 'DROPPED',
        direction: 'EGRESS',
        timeMs: at,
      }),
    );
    live.ingest(
      'dev',
      flow({
        src: checkout,
        dst: { ...world, names: ['api.stripe.com.'] },
        verdict: 'DROPPED',
        direction: 'EGRESS',
        timeMs: at,
      }),
    );
    live.ingest(
      'dev',
      flow({
        src: world,
        dst: checkout,
        verdict: 'DROPPED',
        direction: 'INGRESS',
        timeMs: at,
      }),
    );
    // AUDIT is neither forwarded nor dropped.
    live.ingest(
      'dev',
      flow({
        src: storefront,
        dst: checkout,
        verdict: 'AUDIT',
        direction: 'EGRESS',
        timeMs: at,
      }),
    );

    const c = live.trafficHistory('component:default/checkout', {
      minutes: 60,
      peers: 10,
    });
    const minute = c.buckets[59];
    expect(minute.start).toBe('2026-11-26T10:00:00.000Z');
    expect(minute).toMatchObject({ forwarded: 1, dropped: 3 });
    expect(minute.peers).toEqual(
      expect.arrayContaining([
        {
          peer: { type: 'entity', id: 'component:default/storefront' },
          forwarded: 1,
          dropped: 0,
        },
        {
          peer: { type: 'namespace', id: 'kube-system' },
          forwarded: 0,
          dropped: 1,
        },
        {
          peer: { type: 'fqdn', id: 'api.stripe.com' },
          forwarded: 0,
          dropped: 1,
        },
        {
          peer: { type: 'reserved', id: 'reserved:world' },
          forwarded: 0,
          dropped: 1,
        },
      ]),
    );
    expect(minute.peers).toHaveLength(4);

    const s = live.trafficHistory('component:default/storefront', {
      minutes: 1,
      peers: 10,
    });
    expect(s.buckets).toEqual([
      {
        start: '2026-11-26T10:00:00.000Z',
        forwarded: 1,
        dropped: 0,
        peers: [
          {
            peer: { type: 'entity', id: 'component:default/checkout' },
            forwarded: 1,
            dropped: 0,
          },
        ],
        otherPeers: { forwarded: 0, dropped: 0 },
      },
    ]);

    // The cluster: every flow, replies included (3 forwarded, 3 dropped).
    const [dev] = live.clusterTrafficHistory(60);
    expect(dev.cluster).toBe('dev');
    expect(dev.buckets).toHaveLength(60);
    expect(dev.buckets[59]).toEqual({
      minute: Math.floor(T0 / MINUTE),
      forwarded: 3,
      dropped: 3,
    });
  });

  it('moves with the clock: the minute counted leaves the window an hour later', () => {
    now = T0;
    const live = service();
    live.ingest(
      'dev',
      flow({
        src: storefront,
        dst: checkout,
        verdict: 'DROPPED',
        direction: 'EGRESS',
        timeMs: T0,
      }),
    );
    const dropped = () =>
      live
        .trafficHistory('component:default/storefront', {
          minutes: 60,
          peers: 0,
        })
        .buckets.reduce((n, b) => n + b.dropped, 0);
    const clusterDropped = () =>
      live
        .clusterTrafficHistory(60)[0]
        .buckets.reduce((n, b) => n + b.dropped, 0);
    now = T0 + 59 * MINUTE;
    expect(dropped()).toBe(1);
    expect(clusterDropped()).toBe(1);
    now = T0 + 60 * MINUTE;
    expect(dropped()).toBe(0);
    expect(clusterDropped()).toBe(0);
  });
});
