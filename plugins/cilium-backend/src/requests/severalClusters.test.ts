import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { LocalGitPublisher } from '@cilium-zero-trust/plugin-cilium-node';
import request from 'supertest';
import path from 'path';
import { ciliumPlugin } from '../plugin';
import {
  createTestDatabases,
  eventually,
  examples,
  ownershipOf,
  permissionsFactory,
  sampleEntities,
  tempDir,
  userInfoFactory,
} from '../__testUtils__/sampleWorld';

const databases = createTestDatabases();
const entities = sampleEntities();
const ownership = ownershipOf(entities);

const jane = mockCredentials.user.header('user:default/jane.doe'); // team-checkout
const fatima = mockCredentials.user.header('user:default/fatima.haddad'); // team-fulfilment
const priya = mockCredentials.user.header('user:default/priya.raman'); // platform-team

/** cart runs in dev and prod, so does orders; no policy allows cart -> orders in either. */
const cartToOrders = {
  source: 'component:default/cart',
  target: { type: 'entity', ref: 'component:default/orders' },
  ports: [{ port: 8080, protocol: 'TCP' }],
  justification: 'Cart shows the last order next to the basket.',
};

describe.each(databases.eachSupportedId())(
  'requests for several clusters on %s',
  databaseId => {
    jest.setTimeout(90000);

    /** dev and prod read their policies from the requests' own GitOps repository, each from its folder. */
    async function start() {
      const knex = await databases.init(databaseId);
      const gitPath = path.join(tempDir('cilium-git-'), 'gitops.git');
      const auditor = mockServices.auditor.mock();
      const cluster = (
        name: string,
        policiesPath: string,
        workloads: string,
      ) => ({
        name,
        policies: {
          type: 'git',
          url: gitPath,
          branch: 'main',
          path: policiesPath,
          refreshSeconds: 1,
        },
        workloads: { type: 'manifests', path: path.join(examples, workloads) },
      });
      const backend = await startTestBackend({
        features: [
          ciliumPlugin,
          mockServices.rootConfig.factory({
            data: {
              app: { baseUrl: 'http://localhost:3000' },
              cilium: {
                clusters: [
                  cluster('dev', 'policies', 'cluster'),
                  cluster('prod', 'clusters/prod/policies', 'cluster-prod'),
                ],
                requests: {
                  reviewers: ['group:default/platform-team'],
                  publisher: {
                    type: 'local-git',
                    path: gitPath,
                    seedFrom: path.join(examples, 'gitops'),
                  },
                  pollSeconds: 1,
                  expiryCheckMinutes: 600,
                },
              },
            },
          }),
          mockServices.database.factory({ knex }),
          catalogServiceMock.factory({ entities }),
          userInfoFactory(ownership),
          permissionsFactory(entities, ownership),
          auditor.factory,
        ],
      });
      return { backend, server: backend.server, gitPath, auditor };
    }

    it('plans one policy set per cluster under its folder, publishes them on one branch, and is enforced once every cluster has them', async () => {
      const { backend, server, gitPath, auditor } = await start();
      try {
        const body = { ...cartToOrders, clusters: ['dev', 'prod'] };
        const preview = await request(server)
          .post('/api/cilium/requests/preview')
          .set('authorization', jane)
          .send(body);
        expect(preview.status).toBe(200);
        expect(preview.body.ok).toBe(true);
        expect(
          preview.body.diff.added.map(
            (r: any) => `${r.cluster} ${r.src} ${r.dst}`,
          ),
        ).toEqual([
          'dev checkout/cart[Deployment] fulfilment/orders[Deployment]',
          'prod checkout/cart[Deployment] fulfilment/orders[Deployment]',
        ]);

        const created = await request(server)
          .post('/api/cilium/requests')
          .set('authorization', jane)
          .send(body);
        expect(created.status).toBe(201);
        const id = created.body.id;
        expect(created.body).toMatchObject({
          cluster: 'dev',
          clusters: ['dev', 'prod'],
        });
        const files = created.body.policies.map(
          (p: any) => `${p.cluster} ${p.path}`,
        );
        expect(files).toEqual([
          `dev policies/checkout/allow-egress-from-cart-to-orders-${id}.yaml`,
          `dev policies/fulfilment/allow-ingress-to-orders-from-cart-${id}.yaml`,
          `prod clusters/prod/policies/checkout/allow-egress-from-cart-to-orders-${id}.yaml`,
          `prod clusters/prod/policies/fulfilment/allow-ingress-to-orders-from-cart-${id}.yaml`,
        ]);

        for (const who of [priya, fatima]) {
          const res = await request(server)
            .post(`/api/cilium/requests/${id}/approve`)
            .set('authorization', who)
            .send({});
          expect(res.status).toBe(200);
        }
        const published = await eventually(async () => {
          const res = await request(server)
            .get(`/api/cilium/requests/${id}`)
            .set('authorization', jane);
          return res.body.state === 'published' ? res.body : undefined;
        });
        expect(published.publication.branch).toBe(`netpol/${id}`);

        // One branch, one commit, every cluster's files.
        const git = new LocalGitPublisher({ path: gitPath });
        expect(
          (await git.branches()).filter(b => b.startsWith('netpol/')),
        ).toEqual([`netpol/${id}`]);
        const log = await git.log(`netpol/${id}`);
        expect(log[0].message.split('\n')[0]).toBe(
          `netpol(dev,prod): allow cart → orders TCP 8080 [${id}]`,
        );
        expect(log[0].message).toContain('in clusters dev, prod');
        for (const p of created.body.policies)
          expect(await git.readFile(p.path, `netpol/${id}`)).toBe(p.yaml);

        const merged = await request(server)
          .post(`/api/cilium/requests/${id}/merge`)
          .set('authorization', priya)
          .send({});
        expect(merged.status).toBe(200);
        const enforced = await eventually(async () => {
          const res = await request(server)
            .get(`/api/cilium/requests/${id}`)
            .set('authorization', jane);
          return res.body.state === 'enforced' ? res.body : undefined;
        });
        expect(enforced.events.at(-1).message).toBe(
          'The policy sources of clusters dev, prod now contain the policies',
        );

        // prod's model now allows cart -> orders; so does dev's.
        for (const cluster of ['dev', 'prod']) {
          const res = await request(server)
            .get(
              `/api/cilium/entities/component/default/cart/connectivity?cluster=${cluster}`,
            )
            .set('authorization', jane);
          expect(res.body.egress.map((e: any) => e.peer.id)).toContain(
            'component:default/orders',
          );
        }

        const transitions = auditor.createEvent.mock.calls
          .map(([e]: any) => e.meta)
          .filter((m: any) => m?.actionType === 'transition');
        expect(transitions.length).toBeGreaterThan(0);
        expect(
          transitions.every((m: any) => m.clusters?.join() === 'dev,prod'),
        ).toBe(true);
      } finally {
        await backend.stop();
      }
    });

    it('refuses clusters the source or the destination does not run in, unknown clusters and repeated ones (400)', async () => {
      const { backend, server } = await start();
      try {
        const refused = async (body: object) => {
          const res = await request(server)
            .post('/api/cilium/requests/preview')
            .set('authorization', jane)
            .send(body);
          expect(res.status).toBe(400);
          return res.body.error.message as string;
        };
        // payments runs in dev only
        expect(
          await refused({
            source: 'component:default/checkout',
            target: { type: 'entity', ref: 'component:default/payments' },
            ports: [{ port: 8443, protocol: 'TCP' }],
            justification: 'Checkout takes card payments in prod too.',
            clusters: ['dev', 'prod'],
          }),
        ).toBe(
          'clusters: the target component:default/payments does not run in cluster "prod", which the request is for; it runs in dev (cilium.backstage.io/cluster); cross-cluster requests are not supported',
        );
        expect(
          await refused({
            source: 'component:default/payments',
            target: { type: 'entity', ref: 'component:default/cart' },
            ports: [{ port: 50051, protocol: 'TCP' }],
            justification: 'Payments reads the basket in prod.',
            clusters: ['prod'],
          }),
        ).toBe(
          'clusters: the source component:default/payments does not run in cluster "prod"; it runs in dev (cilium.backstage.io/cluster)',
        );
        expect(await refused({ ...cartToOrders, clusters: ['staging'] })).toBe(
          'clusters: "staging" is not a configured cluster (configured: dev, prod)',
        );
        expect(
          await refused({ ...cartToOrders, clusters: ['prod', 'prod'] }),
        ).toBe('Invalid request body: clusters must not name a cluster twice');
        expect(await refused({ ...cartToOrders, clusters: [] })).toBe(
          'Invalid request body: clusters must name at least one cluster (or leave it out)',
        );
        expect(
          await refused({ ...cartToOrders, clusters: ['dev', 'prod', 'qa'] }),
        ).toBe(
          'clusters names 3 clusters; at most the 2 configured ones (dev, prod)',
        );
        expect(
          await refused({ ...cartToOrders, clusters: ['Prod\n'] }),
        ).toMatch(/^Invalid request body: clusters\.0 must be cluster names/);

        // Without clusters: the source's default cluster only.
        const preview = await request(server)
          .post('/api/cilium/requests/preview')
          .set('authorization', jane)
          .send(cartToOrders);
        expect(preview.status).toBe(200);
        expect([
          ...new Set(preview.body.policies.map((p: any) => p.cluster)),
        ]).toEqual(['dev']);
        // prod only: prod's folder only
        const prod = await request(server)
          .post('/api/cilium/requests/preview')
          .set('authorization', jane)
          .send({ ...cartToOrders, clusters: ['prod'] });
        expect(prod.status).toBe(200);
        expect(
          prod.body.policies.every(
            (p: any) =>
              p.cluster === 'prod' &&
              p.path.startsWith('clusters/prod/policies/'),
          ),
        ).toBe(true);
      } finally {
        await backend.stop();
      }
    });
  },
);
