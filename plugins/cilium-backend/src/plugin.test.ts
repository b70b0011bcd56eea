import fs from 'fs';
import os from 'os';
import path from 'path';
import request from 'supertest';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { createBackendModule } from '@backstage/backend-plugin-api';
import { Entity } from '@backstage/catalog-model';
import { ciliumManifestSourcesExtensionPoint } from '@cilium-zero-trust/plugin-cilium-node';
import { ciliumPlugin } from './plugin';

const checkout: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'checkout',
    namespace: 'default',
    annotations: {
      'backstage.io/kubernetes-namespace': 'shop',
      'backstage.io/kubernetes-label-selector': 'app=checkout',
    },
  },
  spec: {
    type: 'service',
    owner: 'group:default/team-checkout',
    lifecycle: 'production',
  },
};
const docs: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'handbook', namespace: 'default' },
  spec: {
    type: 'website',
    owner: 'group:default/platform-team',
    lifecycle: 'production',
  },
};
const elsewhere: Entity = {
  ...checkout,
  metadata: {
    name: 'far-away',
    namespace: 'default',
    annotations: {
      'backstage.io/kubernetes-namespace': 'shop',
      'backstage.io/kubernetes-id': 'far-away',
      'cilium.backstage.io/cluster': 'prod',
    },
  },
};

function deployment(ns: string, name: string, labels: Record<string, string>) {
  return `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name}, namespace: ${ns} }
spec:
  template:
    metadata:
      labels: ${JSON.stringify(labels)}
    spec:
      containers: [{ name: app, image: x, ports: [{ name: http, containerPort: 8080 }] }]
---
`;
}

describe('cilium backend plugin', () => {
  let dir: string;
  const auditor = mockServices.auditor.mock();
  const auditorEvent = { success: jest.fn(), fail: jest.fn() };

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cilium-backend-'));
    fs.writeFileSync(
      path.join(dir, 'shop.yaml'),
      deployment('shop', 'checkout', { app: 'checkout' }) +
        deployment('shop', 'checkout-canary', {
          app: 'checkout',
          track: 'canary',
        }) +
        deployment('shop', 'cart', { app: 'cart' }) +
        deployment('other', 'checkout', { app: 'checkout' }),
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => {
    jest.clearAllMocks();
    auditor.createEvent.mockResolvedValue(auditorEvent as any);
  });

  async function start() {
    const { server } = await startTestBackend({
      features: [
        ciliumPlugin,
        auditor.factory,
        mockServices.rootConfig.factory({
          data: {
            cilium: {
              clusters: [
                { name: 'dev', workloads: { type: 'manifests', path: dir } },
              ],
            },
          },
        }),
        catalogServiceMock.factory({ entities: [checkout, docs, elsewhere] }),
      ],
    });
    return server;
  }

  it('answers /health without authentication, naming the clusters', async () => {
    const server = await start();
    const res = await request(server)
      .get('/api/cilium/health')
      .set('authorization', mockCredentials.none.header());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', clusters: ['dev'] });
  });

  it('returns the identity and only the workloads the selector matches in that namespace', async () => {
    const server = await start();
    const res = await request(server)
      .get('/api/cilium/entities/component/default/checkout/workloads')
      .set('authorization', mockCredentials.user.header());
    expect(res.status).toBe(200);
    expect(res.body.entityRef).toBe('component:default/checkout');
    expect(res.body.identity).toMatchObject({
      cluster: 'dev',
      namespace: 'shop',
      selector: 'app=checkout',
    });
    expect(
      res.body.workloads.map((w: any) => `${w.namespace}/${w.name}`).sort(),
    ).toEqual(['shop/checkout', 'shop/checkout-canary']);
    expect(auditor.createEvent).toHaveBeenCalledWith(
      expect.objectContaining({
        eventId: 'entity-network-read',
        meta: {
          queryType: 'workloads',
          entityRef: 'component:default/checkout',
        },
      }),
    );
    expect(auditorEvent.success).toHaveBeenCalled();
  });

  it('refuses callers without credentials', async () => {
    const server = await start();
    const res = await request(server)
      .get('/api/cilium/entities/component/default/checkout/workloads')
      .set('authorization', mockCredentials.none.header());
    expect(res.status).toBe(401);
  });

  it('says what to add for an entity without annotations (400), and audits the failure', async () => {
    const server = await start();
    const res = await request(server)
      .get('/api/cilium/entities/component/default/handbook/workloads')
      .set('authorization', mockCredentials.user.header());
    expect(res.status).toBe(400);
    expect(res.body.error.name).toBe('InputError');
    expect(res.body.error.message).toMatch(
      /backstage.io\/kubernetes-namespace/,
    );
    expect(auditorEvent.fail).toHaveBeenCalled();
  });

  it('answers 404 for an entity that is not in the catalog', async () => {
    const server = await start();
    const res = await request(server)
      .get('/api/cilium/entities/component/default/nope/workloads')
      .set('authorization', mockCredentials.user.header());
    expect(res.status).toBe(404);
    expect(res.body.error.message).toMatch(/component:default\/nope/);
  });

  it('reads workloads from a source type a module added through ciliumManifestSourcesExtensionPoint', async () => {
    const inlineSources = createBackendModule({
      pluginId: 'cilium',
      moduleId: 'inline-sources',
      register(reg) {
        reg.registerInit({
          deps: { sources: ciliumManifestSourcesExtensionPoint },
          async init({ sources }) {
            sources.addSourceFactory({
              type: 'inline',
              create: ({ config }) => {
                const text = config.getString('text');
                return {
                  source: {
                    description: 'inline',
                    version: async () => 'v1',
                    read: async () => ({
                      files: [{ path: 'inline.yaml', text }],
                      version: 'v1',
                      problems: [],
                    }),
                  },
                };
              },
            });
          },
        });
      },
    });
    const { server } = await startTestBackend({
      features: [
        ciliumPlugin,
        inlineSources,
        auditor.factory,
        mockServices.rootConfig.factory({
          data: {
            cilium: {
              clusters: [
                {
                  name: 'dev',
                  workloads: {
                    type: 'inline',
                    text: deployment('shop', 'checkout', { app: 'checkout' }),
                  },
                },
              ],
            },
          },
        }),
        catalogServiceMock.factory({ entities: [checkout] }),
      ],
    });
    const res = await request(server)
      .get('/api/cilium/entities/component/default/checkout/workloads')
      .set('authorization', mockCredentials.user.header());
    expect(res.status).toBe(200);
    expect(
      res.body.workloads.map((w: any) => `${w.namespace}/${w.name}`),
    ).toEqual(['shop/checkout']);
  });

  it('answers 400 naming the configured clusters when the entity names an unknown one', async () => {
    const server = await start();
    const res = await request(server)
      .get('/api/cilium/entities/component/default/far-away/workloads')
      .set('authorization', mockCredentials.user.header());
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/cluster "prod".*configured: dev/);
  });
});
