import http from 'http';
import { AddressInfo } from 'net';
import path from 'path';
import request from 'supertest';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { Entity } from '@backstage/catalog-model';
import { HubbleRelaySim } from '@cilium-zero-trust/hubble-relay-sim';
import type { FlowJson } from '@cilium-zero-trust/plugin-cilium-node';
import { ciliumPlugin } from './plugin';
import {
  eventually,
  examples,
  sampleEntities,
} from './__testUtils__/sampleWorld';
import { onServerSentEvents } from '@internal/test-shared-data';

/** A component in dev and a cluster nobody configured. */
const staging: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'staging-only',
    namespace: 'default',
    annotations: {
      'backstage.io/kubernetes-namespace': 'checkout',
      'backstage.io/kubernetes-id': 'staging-only',
      'cilium.backstage.io/cluster': 'dev,staging',
    },
  },
  spec: { type: 'service', owner: 'group:default/team-a', lifecycle: 'x' },
};

let seq = 0;
/** checkout → orders (TCP 8080) as Hubble reports it, seen leaving checkout. */
function checkoutToOrders(
  verdict: 'FORWARDED' | 'DROPPED',
  cluster: string,
): FlowJson {
  seq++;
  const endpoint = (ns: string, app: string, identity: number) => ({
    ID: 100 + identity,
    identity,
    cluster_name: cluster,
    namespace: ns,
    labels: [
      `k8s:app.kubernetes.io/name=${app}`,
      `k8s:io.kubernetes.pod.namespace=${ns}`,
    ],
    pod_name: `${app}-7d9f-${seq}`,
    workloads: [{ name: app, kind: 'Deployment' }],
  });
  return {
    time: new Date(Date.now() - 1000 + seq).toISOString(),
    uuid: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    verdict,
    ...(verdict === 'DROPPED' ? { drop_reason_desc: 'POLICY_DENIED' } : {}),
    IP: {
      source: `10.0.0.${seq % 250}`,
      destination: `10.0.1.${seq % 250}`,
      ipVersion: 'IPv4',
    },
    l4: {
      TCP: {
        source_port: 40000 + seq,
        destination_port: 8080,
        flags: { SYN: true },
      },
    },
    source: endpoint('checkout', 'checkout', 2001),
    destination: endpoint('fulfilment', 'orders', 2002),
    Type: 'L3_L4',
    node_name: `${cluster}-node-1`,
    is_reply: false,
    traffic_direction: 'EGRESS',
  };
}

describe('several clusters: the entity routes over the sample world (dev and prod)', () => {
  jest.setTimeout(60000);
  const sims: Record<'dev' | 'prod', HubbleRelaySim> = {} as any;
  const ports: Record<string, number> = {};

  beforeEach(async () => {
    for (const name of ['dev', 'prod'] as const) {
      sims[name] = new HubbleRelaySim({ nodes: [`${name}-node-1`] });
      ports[name] = await sims[name].listen('127.0.0.1:0');
    }
  });
  afterEach(async () => {
    await Promise.all(Object.values(sims).map(s => s.close()));
  });

  async function start() {
    return startTestBackend({
      features: [
        ciliumPlugin,
        mockServices.rootConfig.factory({
          data: {
            cilium: {
              clusters: [
                {
                  name: 'dev',
                  hubble: { address: `127.0.0.1:${ports.dev}` },
                  policies: {
                    type: 'directory',
                    path: path.join(examples, 'gitops/policies'),
                  },
                  workloads: {
                    type: 'manifests',
                    path: path.join(examples, 'cluster'),
                  },
                },
                {
                  name: 'prod',
                  hubble: { address: `127.0.0.1:${ports.prod}` },
                  policies: {
                    type: 'directory',
                    path: path.join(examples, 'gitops/clusters/prod/policies'),
                  },
                  workloads: {
                    type: 'manifests',
                    path: path.join(examples, 'cluster-prod'),
                  },
                },
              ],
              live: { flushIntervalMs: 50 },
            },
          },
        }),
        catalogServiceMock.factory({
          entities: [...sampleEntities(), staging],
        }),
      ],
    });
  }

  const get = (server: any, url: string) =>
    request(server)
      .get(`/api/cilium/entities/component/default/${url}`)
      .set('authorization', mockCredentials.user.header());

  /** Waits until both streams follow (the catalog index is built). */
  async function following() {
    await eventually(async () =>
      sims.dev.followerCount > 0 && sims.prod.followerCount > 0
        ? true
        : undefined,
    );
  }

  it("answers prod's policies with ?cluster=prod and dev's without", async () => {
    const backend = await start();
    try {
      const peersOf = (body: any) =>
        [...new Set(body.egress.map((e: any) => e.peer.id))].sort();
      const dev = await eventually(async () => {
        const res = await get(backend.server, 'checkout/connectivity');
        return res.status === 200 &&
          res.body.egress.some((e: any) => e.peer.type === 'entity')
          ? res.body
          : undefined;
      });
      expect(dev.cluster).toBe('dev');
      expect(dev.clusters).toEqual(['dev', 'prod']);
      expect(peersOf(dev)).toEqual(
        expect.arrayContaining([
          'component:default/cart',
          'component:default/inventory',
          'component:default/orders',
        ]),
      );

      const prod = await get(
        backend.server,
        'checkout/connectivity?cluster=prod',
      );
      expect(prod.status).toBe(200);
      expect(prod.body.cluster).toBe('prod');
      expect(prod.body.clusters).toEqual(['dev', 'prod']);
      expect(prod.body.workloads).toEqual(['checkout/checkout[Deployment]']);
      // prod allows cart only: orders runs there but is not opened to checkout
      expect(peersOf(prod.body)).toContain('component:default/cart');
      expect(peersOf(prod.body)).not.toContain('component:default/orders');
      expect(peersOf(prod.body)).not.toContain('component:default/inventory');

      const workloads = await get(
        backend.server,
        'checkout/workloads?cluster=prod',
      );
      expect(workloads.status).toBe(200);
      expect(workloads.body.identity).toMatchObject({
        cluster: 'prod',
        clusters: ['dev', 'prod'],
      });
      expect(workloads.body.workloads).toEqual([
        expect.objectContaining({ cluster: 'prod', name: 'checkout' }),
      ]);
    } finally {
      await backend.stop();
    }
  });

  it('keeps flows, traffic and history per cluster: ?cluster=prod shows only prod flows', async () => {
    const backend = await start();
    try {
      await following();
      for (let i = 0; i < 3; i++)
        sims.dev.publish(
          HubbleRelaySim.event({ flow: checkoutToOrders('FORWARDED', 'dev') }),
        );
      for (let i = 0; i < 2; i++)
        sims.prod.publish(
          HubbleRelaySim.event({ flow: checkoutToOrders('DROPPED', 'prod') }),
        );
      const verdicts = async (query: string) => {
        const res = await get(backend.server, `checkout/flows${query}`);
        expect(res.status).toBe(200);
        return {
          cluster: res.body.cluster,
          verdicts: res.body.flows.map((f: any) => f.flow.verdict),
        };
      };
      const prod = await eventually(async () => {
        const v = await verdicts('?cluster=prod');
        return v.verdicts.length === 2 ? v : undefined;
      });
      expect(prod).toEqual({
        cluster: 'prod',
        verdicts: ['DROPPED', 'DROPPED'],
      });
      expect(
        await eventually(async () => {
          const v = await verdicts('');
          return v.verdicts.length === 3 ? v : undefined;
        }),
      ).toEqual({
        cluster: 'dev',
        verdicts: ['FORWARDED', 'FORWARDED', 'FORWARDED'],
      });
      // The destination's buffer is per cluster too.
      const orders = await get(backend.server, 'orders/flows?cluster=prod');
      expect(orders.body.flows).toHaveLength(2);

      const traffic = await get(
        backend.server,
        'checkout/traffic?cluster=prod',
      );
      expect(traffic.body.cluster).toBe('prod');
      expect(traffic.body.edges).toEqual([
        expect.objectContaining({
          peer: expect.objectContaining({
            type: 'entity',
            id: 'component:default/orders',
          }),
          verdicts: { DROPPED: 2 },
        }),
      ]);
      const devTraffic = await get(
        backend.server,
        'checkout/traffic?cluster=dev',
      );
      expect(devTraffic.body.edges).toEqual([
        expect.objectContaining({ verdicts: { FORWARDED: 3 } }),
      ]);

      const sum = (body: any, key: 'forwarded' | 'dropped') =>
        body.buckets.reduce((n: number, b: any) => n + b[key], 0);
      const history = await get(
        backend.server,
        'checkout/traffic/history?cluster=prod',
      );
      expect(history.body.cluster).toBe('prod');
      expect([
        sum(history.body, 'forwarded'),
        sum(history.body, 'dropped'),
      ]).toEqual([0, 2]);
      const devHistory = await get(backend.server, 'checkout/traffic/history');
      expect(devHistory.body.cluster).toBe('dev');
      expect([
        sum(devHistory.body, 'forwarded'),
        sum(devHistory.body, 'dropped'),
      ]).toEqual([3, 0]);
    } finally {
      await backend.stop();
    }
  });

  it("streams only the selected cluster's flows", async () => {
    const backend = await start();
    try {
      await following();
      const { port } = backend.server.address() as AddressInfo;
      const verdicts: string[] = [];
      const req = http.get(
        {
          host: '127.0.0.1',
          port,
          path: '/api/cilium/entities/component/default/checkout/flows/stream?cluster=prod',
          headers: { authorization: mockCredentials.user.header() },
        },
        res => {
          onServerSentEvents(res, (event, batch) => {
            if (event === 'flows')
              for (const f of batch.flows) verdicts.push(f.flow.verdict);
          });
        },
      );
      try {
        await new Promise(r => setTimeout(r, 300));
        sims.dev.publish(
          HubbleRelaySim.event({ flow: checkoutToOrders('FORWARDED', 'dev') }),
        );
        sims.prod.publish(
          HubbleRelaySim.event({ flow: checkoutToOrders('DROPPED', 'prod') }),
        );
        await eventually(async () => (verdicts.length ? true : undefined));
        // a dev flow would have arrived with it (same batch interval)
        await new Promise(r => setTimeout(r, 300));
        expect(verdicts).toEqual(['DROPPED']);
      } finally {
        req.destroy();
      }
    } finally {
      await backend.stop();
    }
  });

  it('refuses a cluster the entity does not run in, or that is not configured, naming its clusters (400)', async () => {
    const backend = await start();
    try {
      for (const route of [
        'connectivity',
        'workloads',
        'flows',
        'traffic',
        'traffic/history',
        'flows/stream',
      ]) {
        const unknown = await get(
          backend.server,
          `checkout/${route}?cluster=staging`,
        );
        expect(unknown.status).toBe(400);
        expect(unknown.body.error.message).toBe(
          'component:default/checkout does not run in cluster "staging"; it runs in dev, prod (cilium.backstage.io/cluster)',
        );
        const notThere = await get(
          backend.server,
          `payments/${route}?cluster=prod`,
        );
        expect(notThere.status).toBe(400);
        expect(notThere.body.error.message).toMatch(
          /^component:default\/payments does not run in cluster "prod"; it runs in dev /,
        );
      }
      const unconfigured = await get(
        backend.server,
        'staging-only/flows?cluster=staging',
      );
      expect(unconfigured.status).toBe(400);
      expect(unconfigured.body.error.message).toBe(
        'component:default/staging-only runs in cluster "staging", which is not configured under cilium.clusters (configured: dev, prod); the entity runs in dev, staging',
      );
      // An external Resource (FQDN, no cluster of its own) is reached from every cluster.
      const stripe = await request(backend.server)
        .get(
          '/api/cilium/entities/resource/default/stripe-api/flows?cluster=prod',
        )
        .set('authorization', mockCredentials.user.header());
      expect(stripe.status).toBe(200);
      expect(stripe.body).toMatchObject({ cluster: 'prod', flows: [] });
      const twice = await get(
        backend.server,
        'checkout/flows?cluster=prod&cluster=dev',
      );
      expect(twice.status).toBe(400);
      expect(twice.body.error.message).toMatch(
        /^cluster must be one cluster name/,
      );
    } finally {
      await backend.stop();
    }
  });
});
