import fs from 'fs';
import os from 'os';
import path from 'path';
import { knex as createKnex, Knex } from 'knex';
import { TestDatabases } from '@backstage/backend-test-utils';
import type { DatabaseService } from '@backstage/backend-plugin-api';
import { LocalGitPublisher } from './LocalGitPublisher';
import { databaseLock, LOCAL_GIT_LOCK } from './repositoryLock';
import { PolicyChange } from './types';

const examples = path.resolve(__dirname, '../../../../examples/gitops');

if (!process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING) {
  // eslint-disable-next-line no-console
  console.warn(
    'SKIPPED the local-git replica tests: the lock replicas share lives in PostgreSQL. Set BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING (.ci/run does; `bash .ci/start-postgres.sh` prints one).',
  );
}
const databases = process.env
  .BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING
  ? TestDatabases.create({ ids: ['POSTGRES_15'] })
  : undefined;
const describeWithPostgres = databases ? describe : describe.skip;

function change(id: string): PolicyChange {
  return {
    id,
    kind: 'grant',
    title: `netpol(dev): allow ${id}`,
    summary: 'A test change.',
    requester: 'user:default/jane.doe',
    justification: 'Two replicas publish at once.',
    files: [{ path: `policies/checkout/${id}.yaml`, content: `name: ${id}\n` }],
    diff: { added: [], removed: [] },
    findings: [],
    approvals: [{ role: 'reviewer', by: 'user:default/priya.raman' }],
  };
}

/** A plugin database service over `knex`. */
const serviceOf = (knex: Knex): DatabaseService => ({
  getClient: async () => knex,
});

describeWithPostgres(
  'LocalGitPublisher shared by replicas (PostgreSQL lock)',
  () => {
    jest.setTimeout(60_000);
    let repo: string;
    /** Each replica's own connection pool to the one database. */
    let one: Knex;
    let two: Knex;

    beforeEach(async () => {
      repo = path.join(
        fs.mkdtempSync(path.join(os.tmpdir(), 'local-git-replicas-')),
        'gitops.git',
      );
      one = await databases!.init('POSTGRES_15');
      two = createKnex(one.client.config);
    });
    afterEach(async () => {
      await two.destroy();
    });

    const replica = (knex: Knex, lockWaitSeconds?: number) =>
      new LocalGitPublisher({
        path: repo,
        seedFrom: examples,
        database: serviceOf(knex),
        lockWaitSeconds,
      });

    /** The pid of the session holding the local-git lock, once one does. */
    async function holder(): Promise<number | undefined> {
      const rows = await two
        .select('pid')
        .from('pg_locks')
        .where({ locktype: 'advisory', granted: true });
      return rows[0]?.pid;
    }

    it('keeps every branch and every merge when two replicas publish and merge different requests at once', async () => {
      const [a, b] = [replica(one), replica(two)];
      // Both start on an empty path at once: one seeds it.
      await Promise.all([a.init(), b.init()]);
      expect(await a.log('main')).toHaveLength(1);

      const changes = Array.from({ length: 8 }, (_, i) =>
        change(`req-0000010${i}`),
      );
      const at = (i: number) => (i % 2 ? b : a);
      const published = await Promise.all(
        changes.map((c, i) => at(i).publish(c)),
      );
      expect(published.map(p => p.state)).toEqual(Array(8).fill('open'));
      await Promise.all(
        changes.map((c, i) => at(i + 1).merge(c, published[i])),
      );

      expect(await a.branches()).toEqual([
        'main',
        ...changes.map(c => `netpol/${c.id}`),
      ]);
      for (const [i, c] of changes.entries()) {
        // The merge of every request is in main: none overwrote another.
        expect(await b.readFile(c.files[0].path)).toBe(c.files[0].content);
        expect(await a.status(published[i])).toBe('merged');
        // The branch still has its one commit on top of the seed.
        expect(
          (await b.log(`netpol/${c.id}`)).map(x => x.parents.length),
        ).toEqual([1, 0]);
      }
      // main: the seed and one merge (or fast-forward) per request.
      const main = await a.log('main');
      expect(main.length).toBeGreaterThanOrEqual(9);
      expect(main.at(-1)?.message).toMatch(/^Seed the GitOps repository/);
      // No temporary file is left behind.
      expect(fs.readdirSync(path.join(repo, 'cilium-tmp'))).toEqual([]);
    });

    it('lets the other replica write once a replica dies holding the lock', async () => {
      await replica(one).init();
      let release!: () => void;
      const held = new Promise<void>(resolve => {
        release = resolve;
      });
      // Replica one takes the lock and stops answering (a hung process).
      const dying = databaseLock(serviceOf(one), LOCAL_GIT_LOCK, {
        waitSeconds: 60,
        holder: 'the test repository',
      })(() => held);
      dying.catch(() => {}); // its connection is killed below
      const pid = await eventuallyHeld();

      let done = false;
      const publishing = replica(two)
        .publish(change('req-00000201'))
        .then(p => {
          done = true;
          return p;
        });
      await new Promise(r => setTimeout(r, 500));
      expect(done).toBe(false);

      // The process dies: PostgreSQL ends its session and its lock.
      await two.raw('SELECT pg_terminate_backend(?)', [pid]);
      expect((await publishing).branch).toBe('netpol/req-00000201');
      release();
      await expect(dying).rejects.toThrow();
    });

    it('fails a write that waits longer than lockWaitSeconds, naming the lock, and writes once it is free', async () => {
      await replica(one).init();
      let release!: () => void;
      const held = databaseLock(serviceOf(one), LOCAL_GIT_LOCK, {
        waitSeconds: 60,
        holder: 'the test repository',
      })(
        () =>
          new Promise<void>(resolve => {
            release = resolve;
          }),
      );
      await eventuallyHeld();
      const waiting = replica(two, 1);
      await expect(waiting.publish(change('req-00000301'))).rejects.toThrow(
        /^Waited 1 s for the lock on the local-git repository .*gitops\.git: another backend replica has held it all that time$/,
      );
      release();
      await held;
      expect((await waiting.publish(change('req-00000301'))).state).toBe(
        'open',
      );
    });

    async function eventuallyHeld(): Promise<number> {
      for (let i = 0; i < 100; i++) {
        const pid = await holder();
        if (pid) return pid;
        await new Promise(r => setTimeout(r, 50));
      }
      throw new Error('nobody took the lock');
    }
  },
);
