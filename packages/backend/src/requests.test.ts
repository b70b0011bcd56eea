import fs from 'fs';
import os from 'os';
import path from 'path';
import request from 'supertest';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { eventually } from '@internal/test-shared-data';
import {
  devAuth,
  realServiceFeatures,
  repoRoot,
  sampleCatalog,
} from './__testUtils__/sampleBackend';

/**
 * The change-request flow with real sign-in tokens, the real catalog and the
 * sample permission policy (create is a conditional decision on ownership).
 */
describe('connectivity requests in the sample backend', () => {
  jest.setTimeout(90000);

  it('lets an owner file the demo request, refuses a non-owner, and a platform reviewer approves and merges it until the cluster enforces it', async () => {
    const gitPath = path.join(
      fs.mkdtempSync(path.join(os.tmpdir(), 'cilium-git-')),
      'gitops.git',
    );
    const backend = await startTestBackend({
      features: [
        ...realServiceFeatures,
        mockServices.rootConfig.factory({
          data: {
            app: { baseUrl: 'http://localhost:3000' },
            auth: devAuth,
            permission: { enabled: true },
            catalog: sampleCatalog(),
            cilium: {
              clusters: [
                {
                  name: 'dev',
                  // The embedded default: the cluster runs the main branch
                  // of the repository requests are published to.
                  policies: {
                    type: 'git',
                    url: gitPath,
                    branch: 'main',
                    path: 'policies',
                  },
                  workloads: {
                    type: 'manifests',
                    path: path.join(repoRoot, 'examples/cluster'),
                  },
                },
              ],
              requests: {
                reviewers: ['group:default/platform-team'],
                pollSeconds: 1,
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

      const paymentsEdge = async () => {
        const res = await request(server)
          .get('/api/cilium/entities/component/default/checkout/connectivity')
          .set('authorization', jane);
        expect(res.status).toBe(200);
        return (res.body.egress as any[]).find(
          e => e.peer.id === 'component:default/payments',
        );
      };
      // The policies come from the repository the backend seeded at startup,
      // and the published branch is not the cluster's policy yet.
      expect(await paymentsEdge()).toBeUndefined();
      const notYet = await request(server)
        .get('/api/cilium/entities/component/default/checkout/connectivity')
        .set('authorization', jane);
      expect(notYet.body.egress.length).toBeGreaterThan(0);

      const selfMerge = await request(server)
        .post(`/api/cilium/requests/${created.body.id}/merge`)
        .set('authorization', jane)
        .send({});
      expect(selfMerge.status).toBe(403);
      const merged = await request(server)
        .post(`/api/cilium/requests/${created.body.id}/merge`)
        .set('authorization', priya)
        .send({});
      expect(merged.status).toBe(200);
      // The cluster's policy source is the repository merged into: the
      // request is enforced as soon as the merge answers.
      const enforced = (
        await request(server)
          .get(`/api/cilium/requests/${created.body.id}`)
          .set('authorization', jane)
      ).body;
      expect(enforced.state).toBe('enforced');
      expect(enforced.events.at(-1).message).toMatch(
        /policy source of cluster dev now contains the policies/,
      );
      const edge = await eventually(paymentsEdge);
      expect(edge.ports).toBe('TCP 8443');
      expect(
        [...edge.egressAllowedBy, ...edge.ingressAllowedBy].map(
          (r: any) => r.name,
        ),
      ).toEqual(expect.arrayContaining([expect.stringContaining('payments')]));
      // Filing the same request again is refused: the cluster now allows it.
      const again = await request(server)
        .post('/api/cilium/requests')
        .set('authorization', jane)
        .send(demo);
      expect(again.status).toBeGreaterThanOrEqual(400);
      expect(again.status).toBeLessThan(500);
      expect(again.body.error.message).toMatch(
        new RegExp(
          `can already reach component:default/payments on TCP 8443: allowed by CiliumNetworkPolicy checkout/allow-egress-from-checkout-to-payments-${created.body.id}`,
        ),
      );
    } finally {
      await backend.stop();
    }
  });
});
