import http from 'http';
import { AddressInfo } from 'net';
import request from 'supertest';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { Entity } from '@backstage/catalog-model';
import { HubbleRelaySim } from '@cilium-zero-trust/hubble-relay-sim';
import type { FlowJson } from '@cilium-zero-trust/plugin-cilium-node';
import { ciliumPlugin } from './plugin';
import { LiveFlowService } from './services/live/LiveFlowService';
import { eventually, kubernetesComponent } from './__testUtils__/sampleWorld';
import { onServerSentEvents } from '@internal/test-shared-data';

const component = kubernetesComponent;

const stripe: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Resource',
  metadata: {
    name: 'stripe-api',
    namespace: 'default',
    annotations: { 'cilium.backstage.io/fqdn': 'api.stripe.com' },
  },
  spec: { type: 'external-api', owner: 'group:default/team-a' },
};

const entities = [
  component('checkout', 'shop', 'app=checkout'),
  component('payments', 'shop', 'app=payments'),
  component('storefront', 'web', 'app=storefront'),
  stripe,
];

let seq = 0;
function flow(options: {
  src: { ns: string; app: string; identity: number } | { ip: string };
  dst:
    | { ns: string; app: string; identity: number }
    | { ip: string; names?: string[] };
  port: number;
  verdict: 'FORWARDED' | 'DROPPED';
  direction: 'EGRESS' | 'INGRESS';
  policy?: { name: string; namespace: string };
}): FlowJson {
  seq++;
  const endpoint = (e: any) =>
    'ns' in e
      ? {
          ID: 100 + e.identity,
          identity: e.identity,
          namespace: e.ns,
          labels: [
            `k8s:app=${e.app}`,
            `k8s:io.kubernetes.pod.namespace=${e.ns}`,
          ],
          pod_name: `${e.app}-7d9f-${seq}`,
          workloads: [{ name: e.app, kind: 'Deployment' }],
        }
      : { identity: 2, labels: ['reserved:world'] };
  const f: FlowJson = {
    time: new Date(Date.now() - 1000 + seq).toISOString(),
    uuid: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    verdict: options.verdict,
    IP: {
      source: 'ip' in options.src ? options.src.ip : `10.0.0.${seq % 250}`,
      destination: 'ip' in options.dst ? options.dst.ip : `10.0.1.${seq % 250}`,
      ipVersion: 'IPv4',
    },
    l4: {
      TCP: {
        source_port: 40000 + seq,
        destination_port: options.port,
        flags: { SYN: true },
      },
    },
    source: endpoint(options.src),
    destination: endpoint(options.dst),
    Type: 'L3_L4',
    node_name: 'sim-node-1',
    ...('names' in options.dst && options.dst.names
      ? { destination_names: options.dst.names }
      : {}),
    is_reply: false,
    traffic_direction: options.direction,
  };
  if (options.verdict === 'DROPPED') {
    f.drop_reason_desc = 'POLICY_DENIED';
  } else if (options.policy) {
    const p = [
      {
        name: options.policy.name,
        namespace: options.policy.namespace,
        kind: 'CiliumNetworkPolicy',
      },
    ];
    if (options.direction === 'EGRESS') f.egress_allowed_by = p;
    else f.ingress_allowed_by = p;
  }
  return f;
}

describe('live traffic routes', () => {
  jest.setTimeout(30000);
  let sim: HubbleRelaySim;
  let port: number;

  beforeEach(async () => {
    sim = new HubbleRelaySim({ nodes: ['sim-node-1'] });
    port = await sim.listen('127.0.0.1:0');
  });
  afterEach(async () => {
    await sim.close();
  });

  async function start(
    permission:
      | AuthorizeResult.ALLOW
      | AuthorizeResult.DENY = AuthorizeResult.ALLOW,
    streams?: Record<string, number | boolean>,
  ) {
    return startTestBackend({
      features: [
        ciliumPlugin,
        mockServices.rootConfig.factory({
          data: {
            cilium: {
              clusters: [
                { name: 'dev', hubble: { address: `127.0.0.1:${port}` } },
              ],
              live: { flushIntervalMs: 50, ...(streams ? { streams } : {}) },
            },
          },
        }),
        catalogServiceMock.factory({ entities }),
        mockServices.permissions.factory({ result: permission }),
      ],
    });
  }

  const checkoutToPayments = () =>
    flow({
      src: { ns: 'shop', app: 'checkout', identity: 1001 },
      dst: { ns: 'shop', app: 'payments', identity: 1002 },
      port: 8443,
      verdict: 'DROPPED',
      direction: 'EGRESS',
    });
  const storefrontToCheckout = () =>
    flow({
      src: { ns: 'web', app: 'storefront', identity: 1003 },
      dst: { ns: 'shop', app: 'checkout', identity: 1001 },
      port: 8080,
      verdict: 'FORWARDED',
      direction: 'INGRESS',
      policy: { name: 'checkout-from-storefront', namespace: 'shop' },
    });

  it('follows Relay, maps flows to catalog entities and aggregates them per entity', async () => {
    const backend = await start();
    try {
      await eventually(async () => (sim.followerCount > 0 ? true : undefined));
      for (let i = 0; i < 3; i++)
        sim.publish(HubbleRelaySim.event({ flow: checkoutToPayments() }));
      sim.publish(HubbleRelaySim.event({ flow: storefrontToCheckout() }));
      sim.publish(
        HubbleRelaySim.event({
          flow: flow({
            src: { ns: 'shop', app: 'payments', identity: 1002 },
            dst: { ip: '203.0.113.10', names: ['api.stripe.com'] },
            port: 443,
            verdict: 'FORWARDED',
            direction: 'EGRESS',
            policy: { name: 'payments-to-stripe', namespace: 'shop' },
          }),
        }),
      );

      const traffic = await eventually(async () => {
        const res = await request(backend.server)
          .get('/api/cilium/entities/component/default/checkout/traffic')
          .set('authorization', mockCredentials.user.header());
        return res.body.edges?.length === 2 ? res.body : undefined;
      });
      const egress = traffic.edges.find((e: any) => e.direction === 'egress');
      expect(egress).toMatchObject({
        peer: { type: 'entity', id: 'component:default/payments' },
        protocol: 'TCP',
        port: 8443,
        verdicts: { DROPPED: 3 },
        dropReasons: ['POLICY_DENIED'],
      });
      const ingress = traffic.edges.find((e: any) => e.direction === 'ingress');
      expect(ingress).toMatchObject({
        peer: { type: 'entity', id: 'component:default/storefront' },
        port: 8080,
        verdicts: { FORWARDED: 1 },
        policies: ['CiliumNetworkPolicy/shop/checkout-from-storefront'],
      });

      const payments = await eventually(async () => {
        const res = await request(backend.server)
          .get('/api/cilium/entities/component/default/payments/traffic')
          .set('authorization', mockCredentials.user.header());
        return res.body.edges?.some((e: any) => e.port === 443)
          ? res.body
          : undefined;
      });
      expect(payments.edges.find((e: any) => e.port === 443).peer).toEqual({
        type: 'entity',
        id: 'resource:default/stripe-api',
      });

      const flows = await request(backend.server)
        .get('/api/cilium/entities/component/default/checkout/flows?limit=2')
        .set('authorization', mockCredentials.user.header());
      expect(flows.status).toBe(200);
      expect(flows.body.flows).toHaveLength(2);
      const last = flows.body.flows[1];
      expect(last.flow).toMatchObject({
        verdict: 'FORWARDED',
        traffic_direction: 'INGRESS',
        source: {
          namespace: 'web',
          pod_name: expect.stringMatching(/^storefront-/),
        },
        ingress_allowed_by: [
          { name: 'checkout-from-storefront', namespace: 'shop' },
        ],
      });
      expect(last.backstage).toEqual({
        source: 'component:default/storefront',
        destination: 'component:default/checkout',
      });

      const status = await request(backend.server)
        .get('/api/cilium/status')
        .set('authorization', mockCredentials.user.header());
      expect(status.body.clusters[0]).toMatchObject({
        cluster: 'dev',
        state: 'connected',
        connected: true,
        namespaces: ['shop', 'web'],
      });
      expect(status.body.clusters[0].flowsReceived).toBeGreaterThanOrEqual(5);
    } finally {
      await backend.stop();
    }
  });

  it('streams new flows as server-sent events in batches', async () => {
    const backend = await start();
    const server = backend.server;
    try {
      await eventually(async () => (sim.followerCount > 0 ? true : undefined));
      const { port: backendPort } = server.address() as AddressInfo;
      const events: any[] = [];
      const req = http.get(
        {
          host: '127.0.0.1',
          port: backendPort,
          path: '/api/cilium/entities/component/default/checkout/flows/stream',
          headers: { authorization: mockCredentials.user.header() },
        },
        res => {
          expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
          onServerSentEvents(res, (event, batch) => {
            if (event === 'flows') events.push(batch);
          });
        },
      );
      await new Promise(r => setTimeout(r, 300));
      for (let i = 0; i < 4; i++)
        sim.publish(HubbleRelaySim.event({ flow: checkoutToPayments() }));
      const received = await eventually(async () => {
        const flows = events.flatMap(e => e.flows);
        return flows.length >= 4 ? flows : undefined;
      });
      expect(received[0].flow.verdict).toBe('DROPPED');
      expect(received[0].backstage.destination).toBe(
        'component:default/payments',
      );
      expect(events.every(e => e.lost === 0)).toBe(true);
      req.destroy();
    } finally {
      await backend.stop();
    }
  });

  it('stores no flow twice when the catalog changes and the Relay stream is re-filtered mid-stream', async () => {
    const live = new LiveFlowService({
      clusters: [{ name: 'dev', hubble: { address: `127.0.0.1:${port}` } }],
      defaultCluster: 'dev',
      logger: mockServices.logger.mock(),
    });
    const checkout = 'component:default/checkout';
    const uuids = () =>
      live.flows(checkout).flows.map(r => (r.flow as { uuid: string }).uuid);
    try {
      live.updateEntities([component('checkout', 'shop', 'app=checkout')]);
      await eventually(async () => (sim.followerCount > 0 ? true : undefined));
      for (let i = 0; i < 5; i++)
        sim.publish(HubbleRelaySim.event({ flow: checkoutToPayments() }));
      await eventually(async () => (uuids().length === 5 ? true : undefined));

      // A new entity in another namespace: the Relay filter changes, and the
      // stream resumes at its newest flow (Relay includes that flow again).
      live.updateEntities([
        component('checkout', 'shop', 'app=checkout'),
        component('storefront', 'web', 'app=storefront'),
      ]);
      await eventually(async () =>
        sim.followerCount === 1 ? true : undefined,
      );
      for (let i = 0; i < 3; i++)
        sim.publish(HubbleRelaySim.event({ flow: storefrontToCheckout() }));
      await eventually(async () => (uuids().length >= 8 ? true : undefined));
      await new Promise(r => setTimeout(r, 300));
      const seen = uuids();
      expect(seen).toHaveLength(8);
      expect(new Set(seen).size).toBe(8);
      const counted = live
        .traffic(checkout)
        .edges.reduce(
          (n, e) => n + Object.values(e.verdicts).reduce((a, b) => a + b, 0),
          0,
        );
      expect(counted).toBe(8);
    } finally {
      live.stop();
    }
  });

  it('refuses flows, traffic and the stream without cilium.flows.read', async () => {
    const backend = await start(AuthorizeResult.DENY);
    try {
      for (const path of ['flows', 'traffic', 'flows/stream']) {
        const res = await request(backend.server)
          .get(`/api/cilium/entities/component/default/checkout/${path}`)
          .set('authorization', mockCredentials.user.header());
        expect(res.status).toBe(403);
        expect(res.body.error.message).toMatch(/cilium.flows.read/);
      }
    } finally {
      await backend.stop();
    }
  });

  /** Opens the checkout flow stream; resolves with the status once the headers arrive. */
  function openStream(server: http.Server, authorization: string) {
    const { port: backendPort } = server.address() as AddressInfo;
    const events: string[] = [];
    let body = '';
    let ended = false;
    return new Promise<{
      status: number;
      events: string[];
      body: () => string;
      ended: () => boolean;
      close: () => void;
    }>((resolve, reject) => {
      const req = http.get(
        {
          host: '127.0.0.1',
          port: backendPort,
          path: '/api/cilium/entities/component/default/checkout/flows/stream',
          headers: { authorization },
        },
        res => {
          res.on('data', chunk => {
            body += chunk.toString();
            for (const m of chunk.toString().matchAll(/^event: (\w+)$/gm))
              events.push(m[1]);
          });
          res.on('end', () => {
            ended = true;
          });
          res.on('error', () => {});
          resolve({
            status: res.statusCode ?? 0,
            events,
            body: () => body,
            ended: () => ended,
            close: () => req.destroy(),
          });
        },
      );
      req.on('error', reject);
    });
  }

  it('caps live streams per user, refuses service tokens, releases a closed stream and ends streams at the maximum duration', async () => {
    const backend = await start(AuthorizeResult.ALLOW, {
      maxPerUser: 1,
      maxDurationSeconds: 2,
    });
    const server = backend.server as unknown as http.Server;
    const alice = mockCredentials.user.header('user:default/alice');
    const bob = mockCredentials.user.header('user:default/bob');
    const open: Array<{ close: () => void }> = [];
    try {
      const first = await openStream(server, alice);
      open.push(first);
      expect(first.status).toBe(200);

      const second = await openStream(server, alice);
      open.push(second);
      expect(second.status).toBe(429);
      await eventually(async () => (second.ended() ? true : undefined));
      expect(JSON.parse(second.body()).error.message).toMatch(
        /already have 1 live flow streams open \(at most 1\)/,
      );

      const other = await openStream(server, bob);
      open.push(other);
      expect(other.status).toBe(200);

      const service = await openStream(
        server,
        mockCredentials.service.header(),
      );
      open.push(service);
      expect(service.status).toBe(403);

      // A closed browser tab gives its place back.
      first.close();
      const again = await eventually(async () => {
        const s = await openStream(server, alice);
        open.push(s);
        return s.status === 200 ? s : undefined;
      });

      // The stream ends by itself (here at the 2 s maximum; with a real
      // token at its expiry) and says so, so the browser reconnects.
      await eventually(async () => (again.ended() ? true : undefined));
      expect(again.events).toContain('end');
    } finally {
      open.forEach(s => s.close());
      await backend.stop();
    }
  });

  it('rejects a bad limit with a message that says what to send', async () => {
    const backend = await start();
    try {
      const res = await request(backend.server)
        .get('/api/cilium/entities/component/default/checkout/flows?limit=lots')
        .set('authorization', mockCredentials.user.header());
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/limit must be a whole number/);
    } finally {
      await backend.stop();
    }
  });
});
