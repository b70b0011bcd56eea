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
  ownershipOf,
  permissionsFactory,
  sampleConfig,
  sampleEntities,
  tempDir,
  userInfoFactory,
} from '../__testUtils__/sampleWorld';

const databases = createTestDatabases();
const entities = sampleEntities();
const ownership = ownershipOf(entities);

const jane = mockCredentials.user.header('user:default/jane.doe'); // team-checkout
const marcus = mockCredentials.user.header('user:default/marcus.chen'); // team-checkout
const lucia = mockCredentials.user.header('user:default/lucia.fernandez'); // team-storefront
const fatima = mockCredentials.user.header('user:default/fatima.haddad'); // team-fulfilment
const priya = mockCredentials.user.header('user:default/priya.raman'); // platform-team
const grace = mockCredentials.user.header('user:default/grace.okafor'); // platform-team + team-identity
const noah = mockCredentials.user.header('user:default/noah.becker'); // team-identity

const demo = {
  source: 'component:default/checkout',
  target: { type: 'entity', ref: 'component:default/payments' },
  ports: [{ port: 8443, protocol: 'TCP' }],
  justification: 'Checkout takes card payments through the payments service.',
};

describe.each(databases.eachSupportedId())(
  'change-request routes on %s',
  databaseId => {
    jest.setTimeout(60000);

    async function start() {
      const knex = await databases.init(databaseId);
      const gitPath = path.join(tempDir('cilium-git-'), 'gitops.git');
      const auditor = mockServices.auditor.mock();
      const backend = await startTestBackend({
        features: [
          ciliumPlugin,
          sampleConfig(gitPath),
          mockServices.database.factory({ knex }),
          catalogServiceMock.factory({ entities }),
          userInfoFactory(ownership),
          permissionsFactory(entities, ownership),
          auditor.factory,
          // Without this the mock treats a request with no token as a default user.
          mockServices.httpAuth.factory({
            defaultCredentials: mockCredentials.none(),
          }),
        ],
      });
      return { backend, server: backend.server, gitPath, auditor };
    }

    it('refuses anonymous callers with 401', async () => {
      const { backend, server } = await start();
      try {
        for (const res of [
          await request(server).post('/api/cilium/requests').send(demo),
          await request(server).post('/api/cilium/requests/preview').send(demo),
          await request(server).get('/api/cilium/requests'),
          await request(server)
            .post('/api/cilium/requests/req-00000000/approve')
            .send({}),
        ]) {
          expect(res.status).toBe(401);
          expect(res.body.error.name).toBe('AuthenticationError');
        }
      } finally {
        await backend.stop();
      }
    });

    it('runs the demo request end to end: preview, file, approve, publish, merge', async () => {
      const { backend, server, gitPath, auditor } = await start();
      try {
        const preview = await request(server)
          .post('/api/cilium/requests/preview')
          .set('authorization', jane)
          .send(demo);
        expect(preview.status).toBe(200);
        expect(preview.body.ok).toBe(true);
        expect(preview.body.diff.added).toEqual([
          expect.objectContaining({
            src: 'checkout/checkout[Deployment]',
            dst: 'checkout/payments[Deployment]',
            after: 'TCP 8443',
          }),
        ]);
        expect(preview.body.policies).toHaveLength(2);
        expect(
          (
            await request(server)
              .get('/api/cilium/requests')
              .set('authorization', jane)
          ).body.items,
        ).toEqual([]);

        const created = await request(server)
          .post('/api/cilium/requests')
          .set('authorization', jane)
          .send(demo);
        expect(created.status).toBe(201);
        const id = created.body.id;
        expect(id).toMatch(/^req-[0-9a-f]{8}$/);
        expect(created.body).toMatchObject({
          state: 'submitted',
          requester: 'user:default/jane.doe',
          consentNeeded: false,
        });
        expect(created.body.policies.map((p: any) => p.path)).toEqual([
          `policies/checkout/allow-egress-from-checkout-to-payments-${id}.yaml`,
          `policies/checkout/allow-ingress-to-payments-from-checkout-${id}.yaml`,
        ]);
        expect(created.body.policies[0].yaml).toContain(
          `cilium.backstage.io/request-id: ${id}`,
        );

        // Nobody approves their own request; a teammate is no reviewer.
        const self = await request(server)
          .post(`/api/cilium/requests/${id}/approve`)
          .set('authorization', jane)
          .send({});
        expect(self.status).toBe(403);
        expect(self.body.error.message).toMatch(
          /nobody approves their own request/,
        );
        const teammate = await request(server)
          .post(`/api/cilium/requests/${id}/approve`)
          .set('authorization', marcus)
          .send({});
        expect(teammate.status).toBe(403);
        expect(teammate.body.error.message).toMatch(
          /Only members of group:default\/platform-team/,
        );

        const review = await request(server)
          .get('/api/cilium/requests?to-review=true')
          .set('authorization', priya);
        expect(review.body.items.map((r: any) => r.id)).toEqual([id]);

        const approved = await request(server)
          .post(`/api/cilium/requests/${id}/approve`)
          .set('authorization', priya)
          .send({ comment: 'Looks right' });
        expect(approved.status).toBe(200);
        expect(approved.body.approvals).toEqual([
          expect.objectContaining({
            role: 'reviewer',
            by: 'user:default/priya.raman',
          }),
        ]);

        const published = await eventually(async () => {
          const res = await request(server)
            .get(`/api/cilium/requests/${id}`)
            .set('authorization', lucia);
          return res.body.state === 'published' ? res.body : undefined;
        });
        expect(published.publication).toMatchObject({
          publisher: 'local-git',
          branch: `netpol/${id}`,
          state: 'open',
        });
        expect(
          published.events.map((e: any) => e.toState).filter(Boolean),
        ).toEqual(['submitted', 'approved', 'published']);

        const git = new LocalGitPublisher({ path: gitPath });
        const log = await git.log(`netpol/${id}`);
        expect(log[0].message).toContain(
          'Justification: Checkout takes card payments through the payments service.',
        );
        expect(log[0].message).toContain(
          'Approved-by: user:default/priya.raman (reviewer)',
        );
        expect(
          await git.readFile(
            `policies/checkout/allow-egress-from-checkout-to-payments-${id}.yaml`,
          ),
        ).toBeUndefined();

        const notReviewerMerge = await request(server)
          .post(`/api/cilium/requests/${id}/merge`)
          .set('authorization', jane)
          .send({});
        expect(notReviewerMerge.status).toBe(403);
        const merged = await request(server)
          .post(`/api/cilium/requests/${id}/merge`)
          .set('authorization', priya)
          .send({});
        expect(merged.status).toBe(200);
        expect(merged.body.state).toBe('merged');
        expect(
          await git.readFile(
            `policies/checkout/allow-egress-from-checkout-to-payments-${id}.yaml`,
          ),
        ).toBe(created.body.policies[0].yaml);

        const createEvents = auditor.createEvent.mock.calls.map(
          ([e]: any) => e.meta?.actionType,
        );
        expect(createEvents).toEqual(
          expect.arrayContaining([
            'preview',
            'create',
            'approve',
            'merge',
            'transition',
          ]),
        );
      } finally {
        await backend.stop();
      }
    });

    it('refuses non-owners (403), connections already allowed (400) and malformed bodies (400), and audits the refusals', async () => {
      const { backend, server, auditor } = await start();
      try {
        const notOwner = await request(server)
          .post('/api/cilium/requests')
          .set('authorization', lucia)
          .send(demo);
        expect(notOwner.status).toBe(403);
        expect(notOwner.body.error.message).toMatch(
          /Only the owners of component:default\/checkout \(group:default\/team-checkout\) may request connectivity/,
        );
        const failed = auditor.createEvent.mock.results.map(r => r.value);
        const events = await Promise.all(failed);
        expect(events.some((e: any) => e.fail.mock.calls.length === 1)).toBe(
          true,
        );

        const allowed = await request(server)
          .post('/api/cilium/requests')
          .set('authorization', jane)
          .send({
            ...demo,
            target: { type: 'entity', ref: 'component:default/cart' },
            ports: [{ port: 50051, protocol: 'TCP' }],
          });
        expect(allowed.status).toBe(400);
        expect(allowed.body.error.message).toMatch(
          /already reach .* allowed by .*allow-ingress-to-cart-from-storefront-and-checkout/,
        );

        const bad = await request(server)
          .post('/api/cilium/requests')
          .set('authorization', jane)
          .send({
            ...demo,
            ports: [{ port: 70000, protocol: 'TCP' }],
            justification: 'x',
          });
        expect(bad.status).toBe(400);
        expect(bad.body.error.message).toMatch(
          /ports\.0\.port must be between 1 and 65535/,
        );
        expect(bad.body.error.message).toMatch(/justification must say why/);

        const world = await request(server)
          .post('/api/cilium/requests')
          .set('authorization', jane)
          .send({
            ...demo,
            target: { type: 'cilium-entity', entity: 'world' },
          });
        expect(world.status).toBe(400);
        expect(world.body.error.message).toMatch(/"world" cannot be requested/);
      } finally {
        await backend.stop();
      }
    });

    it('refuses control characters, non-canonical CIDRs and control characters in HTTP rules with 400 naming the field', async () => {
      const { backend, server } = await start();
      try {
        const post = (body: object) =>
          request(server)
            .post('/api/cilium/requests/preview')
            .set('authorization', jane)
            .send({ ...demo, ...body });
        const nel = await post({
          justification:
            'Card payme\u0085---\u0085{kind: CiliumClusterwideNetworkPolicy}',
        });
        expect(nel.status).toBe(400);
        expect(nel.body.error.message).toBe(
          'Invalid request body: justification must not contain control characters or line breaks other than new lines (found U+0085 at position 11)',
        );
        for (const ch of [
          '\u2028',
          '\u2029',
          '\r',
          '\u000b',
          '\u000c',
          '\u0000',
          '\u009b',
        ]) {
          const res = await post({
            justification: `Checkout takes card${ch}payments.`,
          });
          expect(res.status).toBe(400);
          expect(res.body.error.message).toMatch(
            /justification must not contain control characters .* \(found U\+[0-9A-F]{4} at position 20\)/,
          );
        }
        // A multi-line justification typed in a text area is fine.
        const multiLine = await post({
          justification: 'Checkout takes card payments.\r\nSee ticket PAY-12.',
        });
        expect(multiLine.status).toBe(200);

        const httpPath = await post({
          http: [
            {
              method: 'GET',
              path: '/v1\nApproved-by: user:default/priya.raman',
            },
          ],
        });
        expect(httpPath.status).toBe(400);
        expect(httpPath.body.error.message).toBe(
          'Invalid request body: http.0.path must not contain control characters or line breaks (found U+000A at position 4)',
        );

        const cidr = await post({
          target: { type: 'cidr', cidr: '10.0.0.1/8' },
        });
        expect(cidr.status).toBe(200);
        expect(cidr.body.ok).toBe(false);
        expect(cidr.body.findings.map((f: any) => f.message)).toContain(
          '"10.0.0.1/8" is not written the way Cilium writes it: the address has bits set after the /8 prefix; did you mean 10.0.0.0/8?',
        );
        const filed = await request(server)
          .post('/api/cilium/requests')
          .set('authorization', jane)
          .send({ ...demo, target: { type: 'cidr', cidr: '010.0.0.0/8' } });
        expect(filed.status).toBe(400);
        expect(filed.body.error.message).toMatch(
          /did you mean 8\.0\.0\.0\/8\?/,
        );
      } finally {
        await backend.stop();
      }
    });

    it("needs the destination owners' consent for ingress into another team's service", async () => {
      const { backend, server } = await start();
      try {
        const created = await request(server)
          .post('/api/cilium/requests')
          .set('authorization', lucia)
          .send({
            source: 'component:default/storefront',
            target: { type: 'entity', ref: 'component:default/orders' },
            ports: [{ port: 8080, protocol: 'TCP' }],
            justification:
              'The order-history page reads orders directly for now.',
          });
        expect(created.status).toBe(201);
        expect(created.body).toMatchObject({
          consentNeeded: true,
          destinationOwners: ['group:default/team-fulfilment'],
        });
        const id = created.body.id;

        const ownerQueue = await request(server)
          .get('/api/cilium/requests?to-review=true')
          .set('authorization', fatima);
        expect(ownerQueue.body.items.map((r: any) => r.id)).toEqual([id]);

        const reviewed = await request(server)
          .post(`/api/cilium/requests/${id}/approve`)
          .set('authorization', priya)
          .send({});
        expect(reviewed.body.state).toBe('submitted');
        const consented = await request(server)
          .post(`/api/cilium/requests/${id}/approve`)
          .set('authorization', fatima)
          .send({});
        expect(consented.status).toBe(200);
        expect(consented.body.state).toBe('approved');
        expect(consented.body.approvals.map((a: any) => a.role).sort()).toEqual(
          ['destination-owner', 'reviewer'],
        );
      } finally {
        await backend.stop();
      }
    });

    it("keeps reviewers off their own team's requests, requires a reason to reject, lets only the requester withdraw", async () => {
      const { backend, server } = await start();
      try {
        const created = await request(server)
          .post('/api/cilium/requests')
          .set('authorization', noah)
          .send({
            source: 'component:default/identity',
            target: { type: 'fqdn', name: 'login.partner.example.com' },
            ports: [{ port: 443, protocol: 'TCP' }],
            justification:
              'Federated login with the partner identity provider.',
          });
        expect(created.status).toBe(201);
        const id = created.body.id;

        const own = await request(server)
          .post(`/api/cilium/requests/${id}/approve`)
          .set('authorization', grace)
          .send({});
        expect(own.status).toBe(403);
        expect(own.body.error.message).toMatch(
          /you own component:default\/identity/,
        );

        const noReason = await request(server)
          .post(`/api/cilium/requests/${id}/reject`)
          .set('authorization', priya)
          .send({});
        expect(noReason.status).toBe(400);
        expect(noReason.body.error.message).toMatch(/reason is required/);

        const notRequester = await request(server)
          .post(`/api/cilium/requests/${id}/withdraw`)
          .set('authorization', priya)
          .send({});
        expect(notRequester.status).toBe(403);

        const rejected = await request(server)
          .post(`/api/cilium/requests/${id}/reject`)
          .set('authorization', priya)
          .send({ reason: 'Use the shared egress gateway instead.' });
        expect(rejected.status).toBe(200);
        expect(rejected.body).toMatchObject({
          state: 'rejected',
          rejectReason: 'Use the shared egress gateway instead.',
        });

        const again = await request(server)
          .post(`/api/cilium/requests/${id}/withdraw`)
          .set('authorization', noah)
          .send({});
        expect(again.status).toBe(409);
        expect(again.body.error.message).toMatch(/rejected is final/);

        const mine = await request(server)
          .get('/api/cilium/requests?mine=true')
          .set('authorization', noah);
        expect(mine.body.items.map((r: any) => r.state)).toEqual(['rejected']);
        const byEntity = await request(server)
          .get('/api/cilium/requests?entity=component:default/identity')
          .set('authorization', jane);
        expect(byEntity.body.items).toHaveLength(1);
        const badState = await request(server)
          .get('/api/cilium/requests?state=open')
          .set('authorization', jane);
        expect(badState.status).toBe(400);
        expect(badState.body.error.message).toMatch(
          /state must be one of submitted/,
        );
      } finally {
        await backend.stop();
      }
    });

    it('exports the event log for reviewers as JSON lines and CSV', async () => {
      const { backend, server } = await start();
      try {
        const created = await request(server)
          .post('/api/cilium/requests')
          .set('authorization', jane)
          .send(demo);
        await request(server)
          .post(`/api/cilium/requests/${created.body.id}/withdraw`)
          .set('authorization', jane)
          .send({});

        const denied = await request(server)
          .get('/api/cilium/audit?format=csv')
          .set('authorization', jane);
        expect(denied.status).toBe(403);

        const jsonl = await request(server)
          .get(
            '/api/cilium/audit?format=jsonl&entity=component:default/payments',
          )
          .set('authorization', priya);
        expect(jsonl.status).toBe(200);
        expect(jsonl.headers['content-type']).toMatch(/application\/x-ndjson/);
        const lines = jsonl.text
          .trim()
          .split('\n')
          .map(l => JSON.parse(l));
        expect(lines.map(l => l.toState)).toEqual(['submitted', 'withdrawn']);

        const csv = await request(server)
          .get('/api/cilium/audit?format=csv&from=2000-01-01T00:00:00Z')
          .set('authorization', priya);
        expect(csv.headers['content-type']).toMatch(/text\/csv/);
        const rows = csv.text.trim().split('\r\n');
        expect(rows[0]).toBe(
          'id,at,requestId,actor,type,fromState,toState,message,data',
        );
        expect(rows).toHaveLength(3);

        const future = await request(server)
          .get('/api/cilium/audit?from=2999-01-01T00:00:00Z')
          .set('authorization', priya);
        expect(future.text).toBe('');
        const bad = await request(server)
          .get('/api/cilium/audit?format=xml')
          .set('authorization', priya);
        expect(bad.status).toBe(400);
      } finally {
        await backend.stop();
      }
    });
  },
);
