import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  PolicyPublisher,
  Publication,
} from '@cilium-zero-trust/plugin-cilium-node';
import path from 'path';
import request from 'supertest';
import { ciliumPlugin } from '../../plugin';
import {
  createTestDatabases,
  eventually,
  ownershipOf,
  permissionsFactory,
  sampleConfig,
  sampleEntities,
  tempDir,
  userInfoFactory,
} from '../../__testUtils__/sampleWorld';
import {
  migrateRequestStore,
  RequestStore,
  StoredRequest,
} from '../RequestStore';
import { RequestTransitions } from '../RequestTransitions';
import { OutboxWorker } from './OutboxWorker';
import { demoRequest, publisherModule } from '../../__testUtils__/requests';

const databases = createTestDatabases();
const entities = sampleEntities();
const ownership = ownershipOf(entities);
const jane = mockCredentials.user.header('user:default/jane.doe');
const priya = mockCredentials.user.header('user:default/priya.raman');

const demo = demoRequest;

/** A publisher whose publishes wait until the test lets them answer. */
function gatedPublisher() {
  const calls: string[] = [];
  let open!: () => void;
  const gate = new Promise<void>(resolve => {
    open = resolve;
  });
  const publisher: PolicyPublisher = {
    type: 'gated',
    async publish(change): Promise<Publication> {
      calls.push(change.id);
      await gate;
      return {
        publisher: 'gated',
        branch: `netpol/${change.id}`,
        url: `https://git.example/pr/${change.id}`,
        state: 'open',
      };
    },
    async status() {
      return 'open';
    },
  };
  return { publisher, calls, open };
}

function approvedGrant(id: string): StoredRequest {
  return {
    id,
    kind: 'grant',
    state: 'approved',
    cluster: 'dev',
    clusters: ['dev'],
    source: 'component:default/checkout',
    target: { type: 'entity', ref: 'component:default/payments' },
    ports: [{ port: 8443, protocol: 'TCP' }],
    justification: 'Checkout takes card payments.',
    requester: 'user:default/jane.doe',
    createdAt: '2030-01-01T00:00:00.000Z',
    updatedAt: '2030-01-01T00:00:00.000Z',
    policies: [],
    findings: [],
    diff: { added: [], removed: [] },
    destinationOwners: [],
    consentNeeded: false,
  };
}

describe.each(databases.eachSupportedId())(
  'withdrawal, publication and retries on %s',
  databaseId => {
    jest.setTimeout(60000);

    it('never runs two publishes of one request at once, even after the first outlives its claim', async () => {
      const knex = await databases.init(databaseId);
      await migrateRequestStore(knex);
      let skew = 0;
      const now = () => Date.now() + skew;
      const store = new RequestStore(knex, () => new Date(now()));
      const transitions = new RequestTransitions(
        store,
        mockServices.auditor.mock(),
      );
      const { publisher, calls, open } = gatedPublisher();
      // Two workers: this instance and another backend instance.
      const [one, two] = [1, 2].map(
        () =>
          new OutboxWorker({
            store,
            publisher,
            transitions,
            logger: mockServices.logger.mock(),
            lockMs: 100,
            now,
          }),
      );
      await store.create(approvedGrant('req-000000a1'), {
        actor: 'test',
        type: 'state',
        toState: 'approved',
        message: 'seeded',
      });
      await one.runOnce(); // gives up waiting after 100 ms
      expect(calls).toEqual(['req-000000a1']);
      // Long past the claim and any retry delay.
      skew += 60_000;
      await new Promise(r => setTimeout(r, 300));
      await one.runOnce();
      await two.runOnce();
      expect(calls).toEqual(['req-000000a1']);

      open();
      const published = await eventually(async () => {
        const r = await store.get('req-000000a1');
        return r?.state === 'published' ? r : undefined;
      });
      expect(published.publication?.url).toBe(
        'https://git.example/pr/req-000000a1',
      );
      await eventually(async () =>
        (await store.outbox.work('req-000000a1'))[0].status === 'done'
          ? true
          : undefined,
      );
      expect(calls).toEqual(['req-000000a1']);
      one.stop();
      two.stop();
    });

    it('cancels the publication of a request withdrawn before any attempt', async () => {
      const knex = await databases.init(databaseId);
      await migrateRequestStore(knex);
      const store = new RequestStore(knex);
      const { publisher, calls } = gatedPublisher();
      const worker = new OutboxWorker({
        store,
        publisher,
        transitions: new RequestTransitions(store, mockServices.auditor.mock()),
        logger: mockServices.logger.mock(),
      });
      await store.create(approvedGrant('req-000000a2'), {
        actor: 'test',
        type: 'state',
        toState: 'approved',
        message: 'seeded',
      });
      expect(
        await store.withdraw('req-000000a2', {
          actor: 'user:default/jane.doe',
          type: 'state',
          message: 'withdrawn',
        }),
      ).toBe(true);
      await worker.runOnce();
      expect(calls).toEqual([]);
      expect(await store.outbox.work('req-000000a2')).toEqual([
        { action: 'publish', status: 'cancelled', attempts: 0 },
      ]);
    });

    it('refuses (409) to withdraw a request while it is being published, then publishes it', async () => {
      const knex = await databases.init(databaseId);
      const gitPath = path.join(tempDir('cilium-git-'), 'gitops.git');
      const { publisher, calls, open } = gatedPublisher();
      const backend = await startTestBackend({
        features: [
          ciliumPlugin,
          sampleConfig(gitPath, { publisher: { type: 'gated' } }),
          mockServices.database.factory({ knex }),
          catalogServiceMock.factory({ entities }),
          userInfoFactory(ownership),
          permissionsFactory(entities, ownership),
          publisherModule(publisher),
        ],
      });
      try {
        const created = await request(backend.server)
          .post('/api/cilium/requests')
          .set('authorization', jane)
          .send(demo);
        const id = created.body.id;
        const approved = await request(backend.server)
          .post(`/api/cilium/requests/${id}/approve`)
          .set('authorization', priya)
          .send({});
        expect(approved.body.state).toBe('approved');
        await eventually(async () => (calls.length ? true : undefined));

        const withdrawn = await request(backend.server)
          .post(`/api/cilium/requests/${id}/withdraw`)
          .set('authorization', jane)
          .send({ comment: 'not needed after all' });
        expect(withdrawn.status).toBe(409);
        expect(withdrawn.body.error.message).toMatch(
          /is being published; it can no longer be withdrawn/,
        );

        open();
        const done = await eventually(async () => {
          const res = await request(backend.server)
            .get(`/api/cilium/requests/${id}`)
            .set('authorization', jane);
          return res.body.state === 'published' ? res.body : undefined;
        });
        expect(done.events.map((e: any) => e.toState).filter(Boolean)).toEqual([
          'submitted',
          'approved',
          'published',
        ]);
      } finally {
        await backend.stop();
      }
    });

    it('shows a failed publication to reviewers and lets only reviewers retry it, audited', async () => {
      const knex = await databases.init(databaseId);
      const gitPath = path.join(tempDir('cilium-git-'), 'gitops.git');
      let failing = true;
      const publisher: PolicyPublisher = {
        type: 'flaky',
        async publish(change) {
          if (failing) throw new Error('GitHub answered 502');
          return {
            publisher: 'flaky',
            branch: `netpol/${change.id}`,
            state: 'open',
          };
        },
        async status() {
          return 'open';
        },
      };
      const auditor = mockServices.auditor.mock();
      const backend = await startTestBackend({
        features: [
          ciliumPlugin,
          sampleConfig(gitPath, { publisher: { type: 'flaky' } }),
          mockServices.database.factory({ knex }),
          catalogServiceMock.factory({ entities }),
          userInfoFactory(ownership),
          permissionsFactory(entities, ownership),
          publisherModule(publisher),
          auditor.factory,
        ],
      });
      try {
        const created = await request(backend.server)
          .post('/api/cilium/requests')
          .set('authorization', jane)
          .send(demo);
        const id = created.body.id;
        await request(backend.server)
          .post(`/api/cilium/requests/${id}/approve`)
          .set('authorization', priya)
          .send({});
        await eventually(async () =>
          (
            await knex('cilium_request_outbox').where({ request_id: id })
          ).length &&
          (
            await knex('cilium_request_outbox')
              .where({ request_id: id })
              .first()
          ).last_error
            ? true
            : undefined,
        );
        // The worker gave up (as it does after its last attempt).
        await knex('cilium_request_outbox')
          .where({ request_id: id })
          .update({ status: 'failed' });

        const seen = await request(backend.server)
          .get(`/api/cilium/requests/${id}`)
          .set('authorization', priya);
        expect(seen.body.publishing).toEqual([
          expect.objectContaining({
            action: 'publish',
            status: 'failed',
            lastError: 'GitHub answered 502',
          }),
        ]);
        const requester = await request(backend.server)
          .get(`/api/cilium/requests/${id}`)
          .set('authorization', jane);
        expect(requester.body.publishing).toBeUndefined();

        const refused = await request(backend.server)
          .post(`/api/cilium/requests/${id}/retry-publish`)
          .set('authorization', jane)
          .send({});
        expect(refused.status).toBe(403);
        expect(refused.body.error.message).toMatch(/may retry publishing/);

        failing = false;
        const retried = await request(backend.server)
          .post(`/api/cilium/requests/${id}/retry-publish`)
          .set('authorization', priya)
          .send({});
        expect(retried.status).toBe(200);
        const done = await eventually(async () => {
          const res = await request(backend.server)
            .get(`/api/cilium/requests/${id}`)
            .set('authorization', priya);
          // The request turns published a moment before its outbox row is
          // marked done (two writes): wait for both.
          return res.body.state === 'published' &&
            res.body.publishing?.every((p: any) => p.status !== 'running')
            ? res.body
            : undefined;
        });
        expect(done.publishing).toEqual([
          expect.objectContaining({ status: 'done' }),
        ]);
        expect(
          done.events.some(
            (e: any) =>
              e.type === 'publish-retry' &&
              e.actor === 'user:default/priya.raman',
          ),
        ).toBe(true);
        const retryAudits = auditor.createEvent.mock.calls
          .map(([e]: any) => e.meta)
          .filter((m: any) => m.actionType === 'retry-publish');
        expect(retryAudits).toHaveLength(2); // the refusal and the retry

        const again = await request(backend.server)
          .post(`/api/cilium/requests/${id}/retry-publish`)
          .set('authorization', priya)
          .send({});
        expect(again.status).toBe(409);
        expect(again.body.error.message).toMatch(
          /no failed publication to retry/,
        );
      } finally {
        await backend.stop();
      }
    });
  },
);
