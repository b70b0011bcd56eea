import { LoggerService } from '@backstage/backend-plugin-api';
import { mockServices } from '@backstage/backend-test-utils';
import { LocalGitPublisher } from '@cilium-zero-trust/plugin-cilium-node';
import fs from 'fs';
import path from 'path';
import { ConfigReader } from '@backstage/config';
import { ClusterRegistry } from '../../services/ClusterRegistry';
import { ClusterPolicies } from '../ClusterPolicies';
import {
  migrateRequestStore,
  RequestStore,
  StoredRequest,
} from '../RequestStore';
import {
  createTestDatabases,
  examples,
  tempDir,
} from '../../__testUtils__/sampleWorld';
import { RequestTransitions } from '../RequestTransitions';
import { OutboxWorker } from './OutboxWorker';
import { RequestTracker } from './RequestTracker';

const databases = createTestDatabases();

const yaml = (id: string) => `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: allow-egress-from-checkout-to-payments-${id}
  namespace: checkout
  annotations:
    cilium.backstage.io/request-id: ${id}
spec:
  endpointSelector: { matchLabels: { app.kubernetes.io/name: checkout } }
  egress: [{ toEndpoints: [{ matchLabels: { backstage.io/kubernetes-id: payments } }] }]
`;

function grant(
  id: string,
  state: StoredRequest['state'],
  expiresAt: string,
): StoredRequest {
  return {
    id,
    kind: 'grant',
    state,
    cluster: 'dev',
    clusters: ['dev'],
    source: 'component:default/checkout',
    target: { type: 'entity', ref: 'component:default/payments' },
    ports: [{ port: 8443, protocol: 'TCP' }],
    justification: 'A temporary grant for a migration window.',
    expiresAt,
    requester: 'user:default/jane.doe',
    createdAt: '2030-01-01T00:00:00.000Z',
    updatedAt: '2030-01-01T00:00:00.000Z',
    policies: [
      {
        cluster: 'dev',
        path: `policies/checkout/allow-egress-from-checkout-to-payments-${id}.yaml`,
        yaml: yaml(id),
      },
    ],
    findings: [],
    diff: {
      added: [
        {
          src: 'checkout/checkout[Deployment]',
          dst: 'checkout/payments[Deployment]',
          before: 'No Connections',
          after: 'TCP 8443',
          expected: true,
        },
      ],
      removed: [],
    },
    destinationOwners: [],
    consentNeeded: false,
  };
}

/** The policies of a cluster whose policy source is a folder (re-read on every check). */
function folderPolicies(
  policiesDir: string,
  logger: LoggerService,
): ClusterPolicies {
  return new ClusterPolicies(
    ClusterRegistry.fromConfig(
      new ConfigReader({
        cilium: {
          clusters: [
            {
              name: 'dev',
              policies: {
                type: 'directory',
                path: policiesDir,
                refreshSeconds: 0,
              },
              workloads: {
                type: 'manifests',
                path: path.join(examples, 'cluster'),
              },
            },
          ],
        },
      }),
      logger,
    ),
  );
}

describe.each(databases.eachSupportedId())(
  'tracking and expiry on %s',
  databaseId => {
    jest.setTimeout(30000);

    it('marks a grant for dev and prod enforced only once both clusters have their files, and expires it only once both lost them', async () => {
      const knex = await databases.init(databaseId);
      await migrateRequestStore(knex);
      let now = new Date('2030-02-01T00:00:00Z');
      const store = new RequestStore(knex, () => now);
      const logger = mockServices.logger.mock();
      const dirs = { dev: tempDir('dev-'), prod: tempDir('prod-') };
      const policies = new ClusterPolicies(
        ClusterRegistry.fromConfig(
          new ConfigReader({
            cilium: {
              clusters: (['dev', 'prod'] as const).map(name => ({
                name,
                policies: {
                  type: 'directory',
                  path: dirs[name],
                  refreshSeconds: 0,
                },
                workloads: {
                  type: 'manifests',
                  path: path.join(examples, 'cluster'),
                },
                ...(name === 'prod'
                  ? { requests: { path: 'clusters/prod/policies' } }
                  : {}),
              })),
            },
          }),
          logger,
        ),
      );
      const fakeHost = {
        type: 'fake',
        publish: async (change: { id: string }) => ({
          publisher: 'fake',
          branch: `netpol/${change.id}`,
          state: 'open' as const,
        }),
        status: async () => 'merged' as const,
      };
      const transitions = new RequestTransitions(
        store,
        mockServices.auditor.mock(),
      );
      const tracker = new RequestTracker({
        store,
        publisher: fakeHost as any,
        policies,
        transitions,
        logger,
        now: () => now,
      });
      const worker = new OutboxWorker({
        store,
        publisher: fakeHost as any,
        transitions,
        logger,
        now: () => now.getTime(),
      });
      const id = 'req-000000c1';
      const name = `checkout/allow-egress-from-checkout-to-payments-${id}.yaml`;
      const base = grant(id, 'merged', '2030-03-01T00:00:00.000Z');
      await store.create(
        {
          ...base,
          clusters: ['dev', 'prod'],
          policies: [
            { cluster: 'dev', path: `policies/${name}`, yaml: yaml(id) },
            {
              cluster: 'prod',
              path: `clusters/prod/policies/${name}`,
              yaml: yaml(id),
            },
          ],
        },
        { actor: 'test', type: 'state', toState: 'merged', message: 'seeded' },
      );
      const write = (cluster: 'dev' | 'prod') => {
        fs.mkdirSync(path.join(dirs[cluster], 'checkout'), { recursive: true });
        fs.writeFileSync(path.join(dirs[cluster], name), yaml(id));
      };

      write('dev');
      await tracker.runOnce();
      expect((await store.get(id))!.state).toBe('merged');
      write('prod');
      await tracker.runOnce();
      expect(
        (await store.get(id, { events: true }))!.events!.at(-1)!.message,
      ).toBe(
        'The policy sources of clusters dev, prod now contain the policies',
      );

      now = new Date('2030-03-01T00:00:01Z');
      expect(await tracker.expire()).toEqual([`${id}-rm`]);
      const removal = (await store.get(`${id}-rm`))!;
      expect(removal.clusters).toEqual(['dev', 'prod']);
      expect(removal.policies.map(p => p.cluster)).toEqual(['dev', 'prod']);
      await worker.runOnce();
      await tracker.runOnce(); // the fake host says merged
      fs.rmSync(path.join(dirs.dev, name));
      await tracker.runOnce();
      expect((await store.get(id))!.state).toBe('expiring');
      fs.rmSync(path.join(dirs.prod, name));
      await tracker.runOnce();
      const expired = await store.get(id, { events: true });
      expect(expired!.state).toBe('expired');
      expect(expired!.events!.at(-1)!.message).toBe(
        `Removal ${id}-rm is enforced: the policy sources of clusters dev, prod no longer contain the grant`,
      );
    });

    it('marks a merged grant enforced once the policy source has it, and an expired grant files its own removal', async () => {
      const knex = await databases.init(databaseId);
      await migrateRequestStore(knex);
      let now = new Date('2030-02-01T00:00:00Z');
      const store = new RequestStore(knex, () => now);
      const policiesDir = tempDir('policies-');
      const logger = mockServices.logger.mock();
      // The policy source is a folder here (one a GitOps controller syncs);
      // the sample backend's test covers the embedded git setup.
      const policies = folderPolicies(policiesDir, logger);
      const git = new LocalGitPublisher({
        path: path.join(tempDir('git-'), 'gitops.git'),
        seedFrom: path.join(examples, 'gitops'),
      });
      const auditor = mockServices.auditor.mock();
      const transitions = new RequestTransitions(store, auditor);
      const tracker = new RequestTracker({
        store,
        publisher: git,
        policies,
        transitions,
        logger,
        now: () => now,
      });
      const worker = new OutboxWorker({
        store,
        publisher: git,
        transitions,
        logger,
        now: () => now.getTime(),
      });

      const id = 'req-0000000a';
      await store.create(grant(id, 'merged', '2030-03-01T00:00:00.000Z'), {
        actor: 'test',
        type: 'state',
        toState: 'merged',
        message: 'seeded',
      });

      await tracker.runOnce();
      expect((await store.get(id))!.state).toBe('merged');
      fs.mkdirSync(path.join(policiesDir, 'checkout'), { recursive: true });
      fs.writeFileSync(
        path.join(
          policiesDir,
          `checkout/allow-egress-from-checkout-to-payments-${id}.yaml`,
        ),
        yaml(id),
      );
      await tracker.runOnce();
      expect((await store.get(id))!.state).toBe('enforced');

      now = new Date('2030-03-01T00:00:01Z');
      expect(await tracker.expire()).toEqual([`${id}-rm`]);
      expect(await tracker.expire()).toEqual([]); // exactly one removal
      const expiring = await store.get(id, { events: true });
      // Past its expiry but still in the policy source: not expired yet.
      expect(expiring!.state).toBe('expiring');
      expect(expiring!.events!.at(-1)!.message).toMatch(
        /removal request req-0000000a-rm filed\. The grant stays in force/,
      );
      const removal = (await store.get(`${id}-rm`))!;
      expect(removal).toMatchObject({
        kind: 'removal',
        removes: id,
        state: 'approved',
        requester: 'user:default/jane.doe',
      });
      expect(removal.diff.removed).toEqual([
        expect.objectContaining({
          before: 'TCP 8443',
          after: 'No Connections',
        }),
      ]);

      await worker.runOnce();
      const published = (await store.get(`${id}-rm`))!;
      expect(published.state).toBe('published');
      expect((await git.log(`netpol/${id}-rm`))[0].message).toContain(
        'remove expired',
      );
      await tracker.merge(published, 'user:default/priya.raman');
      expect(await git.readFile(removal.policies[0].path)).toBeUndefined();

      fs.rmSync(
        path.join(
          policiesDir,
          `checkout/allow-egress-from-checkout-to-payments-${id}.yaml`,
        ),
      );
      // Merged, but the cluster's policy source still has the grant.
      expect((await store.get(`${id}-rm`))!.state).toBe('merged');
      expect((await store.get(id))!.state).toBe('expiring');
      await tracker.runOnce();
      expect((await store.get(`${id}-rm`))!.state).toBe('enforced');
      const expired = await store.get(id, { events: true });
      expect(expired!.state).toBe('expired');
      expect(expired!.events!.at(-1)!.message).toBe(
        `Removal ${id}-rm is enforced: the policy source of cluster dev no longer contains the grant`,
      );
      const audited = auditor.createEvent.mock.calls.map(
        ([e]: any) => `${e.meta.requestId}:${e.meta.to}`,
      );
      expect(audited).toEqual([
        `${id}:enforced`,
        `${id}-rm:approved`,
        `${id}:expiring`,
        `${id}-rm:published`,
        `${id}-rm:merged`,
        `${id}-rm:enforced`,
        `${id}:expired`,
      ]);
    });

    it('keeps a grant whose removal pull request was closed in force (expiring) until a removal filed again is enforced', async () => {
      const knex = await databases.init(databaseId);
      await migrateRequestStore(knex);
      let now = new Date('2030-02-01T00:00:00Z');
      const store = new RequestStore(knex, () => now);
      const policiesDir = tempDir('policies-');
      const file = path.join(
        policiesDir,
        'checkout/allow-egress-from-checkout-to-payments-req-0000000d.yaml',
      );
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const id = 'req-0000000d';
      fs.writeFileSync(file, yaml(id));
      // A Git host whose pull requests are closed, then merged once filed again.
      const pullRequests = new Map<string, 'open' | 'merged' | 'closed'>();
      const filedOn: string[] = [];
      const host = {
        type: 'fake',
        publish: jest.fn(async (change: { id: string }) => {
          filedOn.push(change.id);
          return {
            publisher: 'fake',
            branch: `netpol/${change.id}`,
            state: 'open' as const,
          };
        }),
        status: jest.fn(
          async (p: { branch: string }) => pullRequests.get(p.branch) ?? 'open',
        ),
      };
      const logger = mockServices.logger.mock();
      const transitions = new RequestTransitions(
        store,
        mockServices.auditor.mock(),
      );
      const tracker = new RequestTracker({
        store,
        publisher: host,
        policies: folderPolicies(policiesDir, logger),
        transitions,
        logger,
        now: () => now,
      });
      const worker = new OutboxWorker({
        store,
        publisher: host,
        transitions,
        logger,
        now: () => now.getTime(),
      });
      await store.create(grant(id, 'enforced', '2030-03-01T00:00:00.000Z'), {
        actor: 'test',
        type: 'state',
        toState: 'enforced',
        message: 'seeded',
      });

      now = new Date('2030-03-01T00:00:01Z');
      await tracker.runOnce();
      await worker.runOnce();
      expect((await store.get(`${id}-rm`))!.state).toBe('published');
      // Filing again is refused while the first removal is still open.
      await expect(
        tracker.fileRemovalAgain(
          (await store.get(id))!,
          'user:default/priya.raman',
        ),
      ).rejects.toThrow(/req-0000000d-rm\) is published, not closed/);

      pullRequests.set(`netpol/${id}-rm`, 'closed');
      await tracker.runOnce();
      expect((await store.get(`${id}-rm`))!.state).toBe('rejected');
      // The grant is still in the policy source: it is not shown as expired.
      expect((await store.get(id))!.state).toBe('expiring');
      await tracker.runOnce();
      expect((await store.get(id))!.state).toBe('expiring');
      expect(await store.removalsOf(id)).toEqual([
        { id: `${id}-rm`, state: 'rejected' },
      ]);

      expect(
        await tracker.fileRemovalAgain(
          (await store.get(id))!,
          'user:default/priya.raman',
        ),
      ).toBe(`${id}-rm-2`);
      await worker.runOnce();
      expect(filedOn).toEqual([`${id}-rm`, `${id}-rm-2`]);
      pullRequests.set(`netpol/${id}-rm-2`, 'merged');
      await tracker.runOnce();
      // Merged, not yet synced to the cluster's policy source.
      expect((await store.get(`${id}-rm-2`))!.state).toBe('merged');
      expect((await store.get(id))!.state).toBe('expiring');
      fs.rmSync(file);
      await tracker.runOnce();
      expect((await store.get(`${id}-rm-2`))!.state).toBe('enforced');
      const expired = (await store.get(id, { events: true }))!;
      expect(expired.state).toBe('expired');
      expect(expired.events!.map(e => e.message)).toContain(
        `user:default/priya.raman filed the removal again: ${id}-rm-2`,
      );
    });

    it('finds the request files in a policy source rooted at the top of the repository', async () => {
      const knex = await databases.init(databaseId);
      await migrateRequestStore(knex);
      const store = new RequestStore(
        knex,
        () => new Date('2030-02-01T00:00:00Z'),
      );
      const repoRoot = tempDir('checkout-');
      const policies = folderPolicies(repoRoot, mockServices.logger.mock());
      const tracker = new RequestTracker({
        store,
        publisher: { type: 'none', publish: jest.fn(), status: jest.fn() },
        policies,
        transitions: new RequestTransitions(store, mockServices.auditor.mock()),
        logger: mockServices.logger.mock(),
      });
      const id = 'req-0000000c';
      const request = grant(id, 'merged', '2031-01-01T00:00:00.000Z');
      await store.create(request, {
        actor: 'test',
        type: 'state',
        toState: 'merged',
        message: 'seeded',
      });
      await tracker.runOnce();
      expect((await store.get(id))!.state).toBe('merged');
      // The file at its full repository path, policies/checkout/….yaml.
      const file = path.join(repoRoot, request.policies[0].path);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, yaml(id));
      await tracker.runOnce();
      expect((await store.get(id))!.state).toBe('enforced');
    });

    it('expires and tracks requests older than the 500 newest', async () => {
      const knex = await databases.init(databaseId);
      await migrateRequestStore(knex);
      const now = new Date('2030-06-01T00:00:00Z');
      const store = new RequestStore(knex, () => now);
      const merged = 'branch-oldest-published';
      const status = jest.fn(async (p: { branch: string }) =>
        p.branch === merged ? ('merged' as const) : ('open' as const),
      );
      const tracker = new RequestTracker({
        store,
        publisher: { type: 'fake', publish: jest.fn(), status },
        policies: folderPolicies(
          tempDir('policies-'),
          mockServices.logger.mock(),
        ),
        transitions: new RequestTransitions(store, mockServices.auditor.mock()),
        logger: mockServices.logger.mock(),
        now: () => now,
      });
      const at = (i: number) =>
        new Date(Date.parse('2030-01-01T00:00:00Z') + i * 60_000).toISOString();
      const seed = async (
        id: string,
        state: StoredRequest['state'],
        i: number,
        expiresAt: string,
        branch?: string,
      ) =>
        store.create(
          {
            ...grant(id, state, expiresAt),
            createdAt: at(i),
            updatedAt: at(i),
            ...(branch
              ? {
                  publication: {
                    publisher: 'fake',
                    branch,
                    state: 'open' as const,
                  },
                }
              : {}),
          },
          { actor: 'test', type: 'state', toState: state, message: 'seeded' },
        );
      // The two oldest requests: an expired temporary grant and a published
      // request whose pull request was merged; then 501 newer ones in each state.
      await seed('req-00000001', 'enforced', 0, '2030-05-01T00:00:00.000Z');
      await seed(
        'req-00000002',
        'published',
        1,
        '2031-01-01T00:00:00.000Z',
        merged,
      );
      for (let i = 0; i < 501; i++) {
        const n = (0x100 + 2 * i).toString(16).padStart(8, '0');
        const m = (0x101 + 2 * i).toString(16).padStart(8, '0');
        await seed(
          `req-${n}`,
          'enforced',
          2 + 2 * i,
          '2031-01-01T00:00:00.000Z',
        );
        await seed(
          `req-${m}`,
          'published',
          3 + 2 * i,
          '2031-01-01T00:00:00.000Z',
          `branch-${m}`,
        );
      }

      await tracker.runOnce();

      expect((await store.get('req-00000001'))!.state).toBe('expiring');
      expect((await store.get('req-00000001-rm'))!.state).toBe('approved');
      expect((await store.get('req-00000002'))!.state).toBe('merged');
      // Every published request was looked at, not just the newest 500.
      expect(status).toHaveBeenCalledTimes(502);
    });

    it('retries a failing publisher with backoff and records why', async () => {
      const knex = await databases.init(databaseId);
      await migrateRequestStore(knex);
      let now = Date.parse('2030-02-01T00:00:00Z');
      const store = new RequestStore(knex, () => new Date(now));
      let calls = 0;
      const flaky = {
        type: 'flaky',
        async publish() {
          calls++;
          if (calls < 3) throw new Error('GitHub answered 502');
          return {
            publisher: 'flaky',
            branch: 'netpol/x',
            state: 'open' as const,
          };
        },
        async status() {
          return 'open' as const;
        },
      };
      const worker = new OutboxWorker({
        store,
        publisher: flaky,
        transitions: new RequestTransitions(store, mockServices.auditor.mock()),
        logger: mockServices.logger.mock(),
        now: () => now,
      });
      await store.create(
        grant('req-0000000b', 'approved', '2031-01-01T00:00:00.000Z'),
        {
          actor: 'test',
          type: 'state',
          toState: 'approved',
          message: 'seeded',
        },
      );
      await worker.runOnce();
      expect(await store.outbox.work('req-0000000b')).toEqual([
        {
          action: 'publish',
          status: 'pending',
          attempts: 1,
          lastError: 'GitHub answered 502',
        },
      ]);
      await worker.runOnce(); // not due yet
      expect(calls).toBe(1);
      now += 5_000;
      await worker.runOnce();
      now += 10_000;
      await worker.runOnce();
      expect(calls).toBe(3);
      expect((await store.get('req-0000000b'))!.state).toBe('published');
      const events = await store.events({ requestId: 'req-0000000b' });
      expect(
        events.filter(e => e.type === 'publish-failed').map(e => e.message),
      ).toEqual([
        'Publishing failed (attempt 1, retrying in 5 s): GitHub answered 502',
        'Publishing failed (attempt 2, retrying in 10 s): GitHub answered 502',
      ]);
    });
  },
);
