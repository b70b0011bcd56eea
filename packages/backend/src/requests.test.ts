import fs from 'fs';
import os from 'os';
import path from 'path';
import request from 'supertest';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { authServiceFactory } from '@backstage/backend-defaults/auth';
import { httpAuthServiceFactory } from '@backstage/backend-defaults/httpAuth';
import { userInfoServiceFactory } from '@backstage/backend-defaults/userInfo';
import { backendFeatures } from './features';

const repoRoot = path.resolve(__dirname, '../../..');

async function eventually<T>(
  fn: () => Promise<T | undefined>,
  timeoutMs = 30000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise(r => setTimeout(r, 250));
  }
}

/**
 * The change-request flow with real sign-in tokens, the real catalog and the
 * sample permission policy (create is a conditional decision on ownership).
 */
describe('connectivity requests in the sample backend', () => {
  jest.setTimeout(90000);

  it('lets an owner file the demo request, refuses a non-owner and lets a platform reviewer approve it', async () => {
    const gitPath = path.join(
      fs.mkdtempSync(path.join(os.tmpdir(), 'cilium-git-')),
      'gitops.git',
    );
    const backend = await startTestBackend({
      features: [
        ...backendFeatures,
        authServiceFactory,
        httpAuthServiceFactory,
        userInfoServiceFactory,
        mockServices.rootConfig.factory({
          data: {
            app: { baseUrl: 'http://localhost:3000' },
            auth: { environment: 'development', providers: { dev: {} } },
            permission: { enabled: true },
            catalog: {
              rules: [
                {
                  allow: [
                    'Component',
                    'System',
                    'API',
                    'Resource',
                    'Location',
                    'User',
                    'Group',
                    'Domain',
                  ],
                },
              ],
              locations: [
                {
                  type: 'file',
                  target: path.join(repoRoot, 'examples/catalog/all.yaml'),
                },
              ],
              processingInterval: { seconds: 1 },
            },
            cilium: {
              clusters: [
                {
                  name: 'dev',
                  policies: {
                    type: 'directory',
                    path: path.join(repoRoot, 'examples/gitops/policies'),
                  },
                  workloads: {
                    type: 'manifests',
                    path: path.join(repoRoot, 'examples/cluster'),
                  },
                },
              ],
              requests: {
                reviewers: ['group:default/platform-team'],
                publisher: {
                  type: 'local-git',
                  path: gitPath,
                  seedFrom: path.join(repoRoot, 'examples/gitops'),
                },
              },
            },
          },
        }),
      ],
    });
    const server = backend.server;
    try {
      const token = async (user: string) =>
        eventually(async () => {
          const res = await request(server)
            .get('/api/auth/dev/refresh')
            .set('x-dev-user', user);
          return res.status === 200
            ? `Bearer ${res.body.backstageIdentity.token}`
            : undefined;
        });
      const jane = await token('jane.doe');
      const lucia = await token('lucia.fernandez');
      const priya = await token('priya.raman');
      const demo = {
        source: 'component:default/checkout',
        target: { type: 'entity', ref: 'component:default/payments' },
        ports: [{ port: 8443, protocol: 'TCP' }],
        justification:
          'Checkout takes card payments through the payments service.',
      };
      // Wait until the catalog has processed the components and their owners.
      await eventually(async () => {
        const res = await request(server)
          .get('/api/catalog/entities/by-name/component/default/payments')
          .set('authorization', jane);
        return res.body?.relations?.length ? true : undefined;
      });

      const anonymous = await request(server)
        .post('/api/cilium/requests')
        .send(demo);
      expect(anonymous.status).toBe(401);
      const notOwner = await request(server)
        .post('/api/cilium/requests')
        .set('authorization', lucia)
        .send(demo);
      expect(notOwner.status).toBe(403);
      const created = await request(server)
        .post('/api/cilium/requests')
        .set('authorization', jane)
        .send(demo);
      expect(created.status).toBe(201);
      const self = await request(server)
        .post(`/api/cilium/requests/${created.body.id}/approve`)
        .set('authorization', jane)
        .send({});
      expect(self.status).toBe(403);
      const notReviewer = await request(server)
        .post(`/api/cilium/requests/${created.body.id}/approve`)
        .set('authorization', lucia)
        .send({});
      expect(notReviewer.status).toBe(403);
      const approved = await request(server)
        .post(`/api/cilium/requests/${created.body.id}/approve`)
        .set('authorization', priya)
        .send({});
      expect(approved.status).toBe(200);
      const published = await eventually(async () => {
        const res = await request(server)
          .get(`/api/cilium/requests/${created.body.id}`)
          .set('authorization', jane);
        return res.body.state === 'published' ? res.body : undefined;
      });
      expect(published.publication.branch).toBe(`netpol/${created.body.id}`);
    } finally {
      await backend.stop();
    }
  });
});
