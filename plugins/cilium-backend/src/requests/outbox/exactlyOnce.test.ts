import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { schedulerServiceFactory } from '@backstage/backend-defaults/scheduler';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  LocalGitPublisher,
  PolicyChange,
  PolicyPublisher,
} from '@cilium-zero-trust/plugin-cilium-node';
import path from 'path';
import request from 'supertest';
import { ciliumPlugin } from '../../plugin';
import {
  createTestDatabases,
  eventually,
  examples,
  ownershipOf,
  permissionsFactory,
  sampleConfig,
  sampleEntities,
  tempDir,
  userInfoFactory,
} from '../../__testUtils__/sampleWorld';
import { demoRequest, publisherModule } from '../../__testUtils__/requests';

const databases = createTestDatabases();
const entities = sampleEntities();
const ownership = ownershipOf(entities);
const jane = mockCredentials.user.header('user:default/jane.doe');
const priya = mockCredentials.user.header('user:default/priya.raman');

const demo = demoRequest;

/** Counts the pull requests (branches) and commits a local-git repository has for a request. */
async function publishedState(gitPath: string, id: string) {
  const git = new LocalGitPublisher({ path: gitPath });
  const branches = (await git.branches()).filter(b => b.startsWith('netpol/'));
  const main = await git.log('main');
  const log = await git.log(`netpol/${id}`);
  return { branches, requestCommits: log.length - main.length };
}

describe.each(databases.eachSupportedId())(
  'exactly-once publishing on %s',
  databaseId => {
    jest.setTimeout(60000);

    async function start(
      knex: any,
      gitPath: string,
      extra: any[] = [],
      config: Record<string, unknown> = {},
    ) {
      return startTestBackend({
        features: [
          ciliumPlugin,
          sampleConfig(gitPath, config),
          mockServices.database.factory({ knex }),
          catalogServiceMock.factory({ entities }),
          userInfoFactory(ownership),
          permissionsFactory(entities, ownership),
          ...extra,
        ],
      });
    }

    it('turns 50 concurrent approvals of one request into one transition and one pull request', async () => {
      const knex = await databases.init(databaseId);
      const gitPath = path.join(tempDir('cilium-git-'), 'gitops.git');
      const backend = await start(knex, gitPath);
      try {
        const created = await request(backend.server)
          .post('/api/cilium/requests')
          .set('authorization', jane)
          .send(demo);
        const id = created.body.id;
        const responses = await Promise.all(
          Array.from({ length: 50 }, () =>
            request(backend.server)
              .post(`/api/cilium/requests/${id}/approve`)
              .set('authorization', priya)
              .send({}),
          ),
        );
        expect(responses.map(r => r.status)).toEqual(Array(50).fill(200));
        const done = await eventually(async () => {
          const res = await request(backend.server)
            .get(`/api/cilium/requests/${id}`)
            .set('authorization', jane);
          return res.body.state === 'published' ? res.body : undefined;
        });
        const transitions = done.events.filter(
          (e: any) => e.toState === 'approved',
        );
        expect(transitions).toHaveLength(1);
        expect(done.approvals).toHaveLength(1);
        expect(await publishedState(gitPath, id)).toEqual({
          branches: [`netpol/${id}`],
          requestCommits: 1,
        });
        const outbox = await knex('cilium_request_outbox').where({
          request_id: id,
        });
        expect(outbox).toHaveLength(1);
      } finally {
        await backend.stop();
      }
    });

    it('yields exactly one pull request when the backend dies between publishing and recording it', async () => {
      const knex = await databases.init(databaseId);
      const gitPath = path.join(tempDir('cilium-git-'), 'gitops.git');
      const real = new LocalGitPublisher({
        path: gitPath,
        seedFrom: path.join(examples, 'gitops'),
      });
      let reachedHost!: () => void;
      const published = new Promise<void>(resolve => {
        reachedHost = resolve;
      });
      // First life: the change reaches the Git host, then the process "dies"
      // before the outbox records it (the promise never settles).
      const dying: PolicyPublisher = {
        type: 'local-git',
        async publish(change: PolicyChange) {
          await real.publish(change);
          reachedHost();
          return new Promise(() => {});
        },
        status: p => real.status(p),
      };
      const first = await start(knex, gitPath, [publisherModule(dying)], {
        publishLockSeconds: 1,
      });
      const created = await request(first.server)
        .post('/api/cilium/requests')
        .set('authorization', jane)
        .send(demo);
      const id = created.body.id;
      const approved = await request(first.server)
        .post(`/api/cilium/requests/${id}/approve`)
        .set('authorization', priya)
        .send({});
      expect(approved.body.state).toBe('approved');
      await published;
      await first.stop();
      expect(await publishedState(gitPath, id)).toEqual({
        branches: [`netpol/${id}`],
        requestCommits: 1,
      });
      expect((await knex('cilium_requests').where({ id }).first()).state).toBe(
        'approved',
      );

      // Second life: the claim has expired; the outbox task (on the real
      // scheduler, which runs it every second) publishes again.
      const second = await start(knex, gitPath, [schedulerServiceFactory], {
        publishLockSeconds: 1,
        pollSeconds: 1,
      });
      try {
        const done = await eventually(async () => {
          const res = await request(second.server)
            .get(`/api/cilium/requests/${id}`)
            .set('authorization', jane);
          return res.body.state === 'published' ? res.body : undefined;
        }, 30000);
        expect(done.publication.branch).toBe(`netpol/${id}`);
        expect(await publishedState(gitPath, id)).toEqual({
          branches: [`netpol/${id}`],
          requestCommits: 1,
        });
        const outbox = await knex('cilium_request_outbox').where({
          request_id: id,
        });
        expect(outbox.map((o: any) => [o.status, Number(o.attempts)])).toEqual([
          ['done', 2],
        ]);
      } finally {
        await second.stop();
      }
    });
  },
);
