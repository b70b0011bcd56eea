/*
 * Two replicas of the sample backend on one PostgreSQL database, the way a
 * platform team runs Backstage: the same config, the real auth, catalog,
 * permission, scheduler and database services, each on its own HTTP port
 * (startTestBackend listens on a free one), one GitOps repository path
 * (local-git) and one Hubble Relay (the stand-in, over gRPC on loopback).
 * Without PostgreSQL the suite is skipped with a message.
 */
import fs from 'fs';
import http from 'http';
import os from 'os';
import path from 'path';
import { AddressInfo } from 'net';
import request from 'supertest';
import {
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import {
  coreServices,
  createBackendModule,
  DatabaseService,
} from '@backstage/backend-plugin-api';
import {
  ciliumPublishersExtensionPoint,
  LocalGitPublisher,
  PolicyChange,
  PolicyPublisher,
} from '@cilium-zero-trust/plugin-cilium-node';
import type { FlowJson } from '@cilium-zero-trust/plugin-cilium-node';
import { HubbleRelaySim } from '@cilium-zero-trust/hubble-relay-sim';
import { eventually, onServerSentEvents } from '@internal/test-shared-data';
import {
  devAuth,
  realServiceFeatures,
  repoRoot,
  sampleCatalog,
} from './__testUtils__/sampleBackend';

const postgres =
  process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING;
if (!postgres) {
  // eslint-disable-next-line no-console
  console.warn(
    'SKIPPED the replica tests: two backends can share only a server database (an in-memory SQLite database belongs to one process). Set BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING (.ci/run does; `bash .ci/start-postgres.sh` prints one).',
  );
}
const databases = postgres
  ? TestDatabases.create({ ids: ['POSTGRES_15'] })
  : undefined;
const describeWithPostgres = databases ? describe : describe.skip;

type Backend = Awaited<ReturnType<typeof startTestBackend>>;

interface Replica {
  name: string;
  backend: Backend;
  auditor: ReturnType<typeof mockServices.auditor.mock>;
}

const demo = {
  source: 'component:default/checkout',
  target: { type: 'entity', ref: 'component:default/payments' },
  ports: [{ port: 8443, protocol: 'TCP' }],
  justification: 'Checkout takes card payments through the payments service.',
};

/** The state rows of a request in the audit export, in order. */
function statesOf(rows: any[], id: string): string[] {
  return rows
    .filter(r => r.requestId === id && r.type === 'state')
    .map(r => r.toState);
}

/** The transitions of a request the replicas' auditors recorded, in the order they were recorded. */
function auditedStates(replicas: Replica[], id: string): string[] {
  return replicas
    .flatMap(r => {
      const { calls, invocationCallOrder } = r.auditor.createEvent.mock;
      return calls.map(([e]: any, i: number) => ({
        e,
        order: invocationCallOrder[i],
      }));
    })
    .filter(
      ({ e }) =>
        e.eventId === 'connectivity-request-transition' &&
        e.meta?.requestId === id,
    )
    .sort((x, y) => x.order - y.order)
    .map(({ e }) => e.meta.to);
}

let flowSeq = 0;
/** A flow from a checkout pod (the sample world's labels) to an address outside the cluster. */
function checkoutFlow(): FlowJson {
  flowSeq++;
  return {
    time: new Date().toISOString(),
    uuid: `00000000-0000-4000-9000-${String(flowSeq).padStart(12, '0')}`,
    verdict: 'DROPPED',
    drop_reason_desc: 'POLICY_DENIED',
    IP: {
      source: '10.0.3.7',
      destination: '203.0.113.10',
      ipVersion: 'IPv4',
    },
    l4: {
      TCP: {
        source_port: 41000 + flowSeq,
        destination_port: 443,
        flags: { SYN: true },
      },
    },
    source: {
      ID: 301,
      identity: 30001,
      namespace: 'checkout',
      labels: [
        'k8s:app.kubernetes.io/name=checkout',
        'k8s:io.kubernetes.pod.namespace=checkout',
      ],
      pod_name: `checkout-5f7c9-${flowSeq}`,
      workloads: [{ name: 'checkout', kind: 'Deployment' }],
    },
    destination: { identity: 2, labels: ['reserved:world'] },
    Type: 'L3_L4',
    node_name: 'sim-node-1',
    is_reply: false,
    traffic_direction: 'EGRESS',
  } as FlowJson;
}

/** Opens the live stream of `entity` on `server`; collects the flows it sends. */
function openStream(server: http.Server, entity: string, token: string) {
  const { port } = server.address() as AddressInfo;
  const flows: any[] = [];
  let status = 0;
  const req = http.get(
    {
      host: '127.0.0.1',
      port,
      path: `/api/cilium/entities/${entity}/flows/stream`,
      headers: { authorization: token },
    },
    res => {
      status = res.statusCode ?? 0;
      onServerSentEvents(res, (event, batch) => {
        if (event === 'flows') flows.push(...batch.flows);
      });
      res.on('error', () => {});
    },
  );
  req.on('error', () => {});
  return { flows, status: () => status, close: () => req.destroy() };
}

describeWithPostgres('two replicas of the backend on one PostgreSQL', () => {
  jest.setTimeout(180_000);

  const gitPath = path.join(
    fs.mkdtempSync(path.join(os.tmpdir(), 'cilium-replicas-')),
    'gitops.git',
  );
  const sim = new HubbleRelaySim({ nodes: ['sim-node-1'] });
  let relayPort = 0;
  let knex: Awaited<ReturnType<DatabaseService['getClient']>>;
  /** The shared database, as a plugin sees it (for the "Git host" below). */
  let database: DatabaseService;
  /** The test database's connection settings (host, port, user, database…). */
  let connection: Record<string, string | number>;
  const replicas: Replica[] = [];
  let a: Replica;
  let b: Replica;

  /** Every replica's config: the same for all of them. */
  function config() {
    return mockServices.rootConfig.factory({
      data: {
        app: { baseUrl: 'http://localhost:3000' },
        backend: {
          database: {
            client: 'pg',
            connection,
            // All plugins in the one test database, a schema each.
            pluginDivisionMode: 'schema',
          },
        },
        auth: devAuth,
        permission: { enabled: true },
        catalog: sampleCatalog(),
        cilium: {
          clusters: [
            {
              name: 'dev',
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
              hubble: { address: `127.0.0.1:${relayPort}` },
            },
          ],
          live: { catalogRefreshSeconds: 1, flushIntervalMs: 50 },
          requests: {
            reviewers: ['group:default/platform-team'],
            pollSeconds: 1,
            publishLockSeconds: 2,
            publisher: {
              type: 'local-git',
              path: gitPath,
              seedFrom: path.join(repoRoot, 'examples/gitops'),
            },
          },
        },
      },
    });
  }

  async function startReplica(name: string, extra: any[] = []) {
    const auditor = mockServices.auditor.mock();
    const backend = await startTestBackend({
      features: [...realServiceFeatures, auditor.factory, config(), ...extra],
    });
    const replica = { name, backend, auditor };
    replicas.push(replica);
    return replica;
  }

  /** A sign-in token issued by `replica`. */
  function token(replica: Replica, user: string) {
    return eventually(async () => {
      const res = await request(replica.backend.server)
        .get('/api/auth/dev/refresh')
        .set('x-dev-user', user);
      return res.status === 200
        ? `Bearer ${res.body.backstageIdentity.token}`
        : undefined;
    });
  }

  const tokens: Record<string, string> = {};

  /**
   * Starts the outbox-and-tracker task on every live replica at once (it
   * also runs every second on its own), so their passes overlap.
   */
  async function raceTasks() {
    await Promise.all(
      replicas.map(r =>
        request(r.backend.server)
          .post(
            '/api/cilium/.backstage/scheduler/v1/tasks/cilium-requests-outbox/trigger',
          )
          .set('authorization', tokens.priya)
          .then(res => {
            // 409: that replica's pass is running already.
            if (res.status !== 200 && res.status !== 409)
              throw new Error(
                `trigger on ${r.name} answered ${res.status}: ${res.text}`,
              );
          }),
      ),
    );
  }

  /** Waits, racing the replicas' tasks, until request `id` is in `state` (read from `via`). */
  function until(via: Replica, id: string, state: string) {
    return eventually(
      async () => {
        await raceTasks();
        const res = await request(via.backend.server)
          .get(`/api/cilium/requests/${id}`)
          .set('authorization', tokens.priya);
        return res.body.state === state ? res.body : undefined;
      },
      60_000,
      200,
    );
  }

  /** The audit export (every request event), read from `via`. */
  async function auditRows(via: Replica) {
    const res = await request(via.backend.server)
      .get('/api/cilium/audit?format=jsonl')
      .set('authorization', tokens.priya);
    expect(res.status).toBe(200);
    return res.text
      .split('\n')
      .filter(Boolean)
      .map(l => JSON.parse(l));
  }

  /** Branches and the commits of `branch` beyond main, in the shared repository. */
  async function repository(branch?: string) {
    const git = new LocalGitPublisher({ path: gitPath, database });
    const main = await git.log('main');
    return {
      branches: (await git.branches()).filter(x => x.startsWith('netpol/')),
      commitsBeyondMain: branch
        ? (await git.log(branch)).filter(c => !main.some(m => m.oid === c.oid))
            .length
        : 0,
    };
  }

  /** Merges a published request on "the Git host", outside the portal (as a reviewer would on GitHub). */
  async function mergeOnGitHost(published: any) {
    const host = new LocalGitPublisher({ path: gitPath, database });
    const change: PolicyChange = {
      id: published.id,
      kind: published.kind,
      title: `merge ${published.id}`,
      summary: 'merged on the Git host',
      requester: published.requester,
      justification: published.justification,
      files: published.policies.map((p: any) => ({
        path: p.path,
        content: published.kind === 'removal' ? null : p.yaml,
      })),
      diff: published.diff,
      findings: [],
      approvals: [],
    };
    await host.merge(change, published.publication);
  }

  beforeAll(async () => {
    relayPort = await sim.listen('127.0.0.1:0');
    knex = await databases!.init('POSTGRES_15');
    connection = knex.client.config.connection as typeof connection;
    database = { getClient: async () => knex };
    a = await startReplica('a');
    b = await startReplica('b');
    tokens.jane = await token(a, 'jane.doe');
    tokens.priya = await token(b, 'priya.raman');
    // The catalog (shared) has processed the components and their owners.
    await eventually(async () => {
      const res = await request(b.backend.server)
        .get('/api/catalog/entities/by-name/component/default/payments')
        .set('authorization', tokens.jane);
      return res.body?.relations?.length ? true : undefined;
    }, 60_000);
  });

  afterAll(async () => {
    for (const r of replicas.splice(0)) await r.backend.stop();
    await sim.close();
  });

  it('accepts a sign-in from one replica on the other, and turns approvals sent to both into one publication per request', async () => {
    // Six requests filed on either replica, each approved on both at once:
    // both replicas' outboxes then find the same rows due.
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const created = await request((i % 2 ? b : a).backend.server)
        .post('/api/cilium/requests')
        .set('authorization', tokens.jane)
        .send(demo);
      expect(created.status).toBe(201);
      ids.push(created.body.id);
    }
    const responses = await Promise.all(
      ids.flatMap(id =>
        [a, b, a, b].map(r =>
          request(r.backend.server)
            .post(`/api/cilium/requests/${id}/approve`)
            .set('authorization', tokens.priya)
            .send({}),
        ),
      ),
    );
    expect(responses.map(r => r.status)).toEqual(
      Array(ids.length * 4).fill(200),
    );

    for (const id of ids) {
      const published = await until(a, id, 'published');
      expect(published.approvals).toHaveLength(1);
      expect(published.publication.branch).toBe(`netpol/${id}`);
    }
    // Both replicas' outboxes keep running: still one publication each.
    for (let i = 0; i < 5; i++) await raceTasks();
    const rows = await auditRows(b);
    const outbox = await knex
      .withSchema('cilium')
      .table('cilium_request_outbox')
      .whereIn('request_id', ids);
    for (const id of ids) {
      expect(await repository(`netpol/${id}`)).toEqual({
        branches: expect.arrayContaining([`netpol/${id}`]),
        commitsBeyondMain: 1,
      });
      expect(
        outbox
          .filter(o => o.request_id === id)
          .map(o => [o.status, Number(o.attempts)]),
      ).toEqual([['done', 1]]);
      expect(statesOf(rows, id)).toEqual([
        'submitted',
        'approved',
        'published',
      ]);
      expect(auditedStates(replicas, id)).toEqual([
        'submitted',
        'approved',
        'published',
      ]);
      expect(
        rows.filter(r => r.requestId === id && r.type === 'publish-failed'),
      ).toEqual([]);
    }
    expect((await repository()).branches.sort()).toEqual(
      ids.map(id => `netpol/${id}`).sort(),
    );
  });

  it('makes each transition of a grant and its expiry once, with trackers and outboxes running on both replicas', async () => {
    const created = await request(b.backend.server)
      .post('/api/cilium/requests')
      .set('authorization', tokens.jane)
      .send({
        ...demo,
        target: { type: 'entity', ref: 'component:default/cart' },
        ports: [{ port: 9090, protocol: 'TCP' }],
        justification: 'Checkout scrapes the cart metrics for its SLOs.',
        expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
      });
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect(
      (
        await request(a.backend.server)
          .post(`/api/cilium/requests/${id}/approve`)
          .set('authorization', tokens.priya)
          .send({})
      ).status,
    ).toBe(200);

    // Merged on the Git host: the trackers notice, and the cluster's policy
    // source (the repository's main branch) then has the policies.
    await mergeOnGitHost(await until(b, id, 'published'));
    await until(a, id, 'enforced');

    // Time passes: the grant expires. Both replicas' trackers file its
    // removal, which both outboxes publish.
    await knex
      .withSchema('cilium')
      .table('cilium_requests')
      .where({ id })
      .update({ expires_at: new Date(Date.now() - 1000).toISOString() });
    const removalId = `${id}-rm`;
    await mergeOnGitHost(await until(a, removalId, 'published'));
    await until(b, removalId, 'enforced');
    await until(a, id, 'expired');
    for (let i = 0; i < 5; i++) await raceTasks();

    const rows = await auditRows(a);
    expect(statesOf(rows, id)).toEqual([
      'submitted',
      'approved',
      'published',
      'merged',
      'enforced',
      'expiring',
      'expired',
    ]);
    expect(statesOf(rows, removalId)).toEqual([
      'approved',
      'published',
      'merged',
      'enforced',
    ]);
    expect(auditedStates(replicas, id)).toEqual(statesOf(rows, id));
    expect(auditedStates(replicas, removalId)).toEqual(
      statesOf(rows, removalId),
    );
    // No row of any other kind twice either (publish-failed, removal-filed…).
    const keys = rows
      .filter(r => r.requestId === id || r.requestId === removalId)
      .map(r => `${r.requestId} ${r.type} ${r.toState ?? ''} ${r.message}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(
      rows.filter(
        r =>
          (r.requestId === id || r.requestId === removalId) &&
          r.type === 'publish-failed',
      ),
    ).toEqual([]);
    const removals = await knex
      .withSchema('cilium')
      .table('cilium_requests')
      .where({ removes: id });
    expect(removals.map(r => r.id)).toEqual([removalId]);
    // One claim each: no outbox published either twice.
    const outbox = await knex
      .withSchema('cilium')
      .table('cilium_request_outbox')
      .whereIn('request_id', [id, removalId])
      .orderBy('id');
    expect(
      outbox.map(o => [o.request_id, o.status, Number(o.attempts)]),
    ).toEqual([
      [id, 'done', 1],
      [removalId, 'done', 1],
    ]);
  });

  it('serves live flows from every replica, each following the Relay itself', async () => {
    await eventually(async () => (sim.followerCount >= 2 ? true : undefined));
    // A token from the other replica: any replica serves any user.
    const streams = [
      openStream(a.backend.server, 'component/default/checkout', tokens.priya),
      openStream(b.backend.server, 'component/default/checkout', tokens.jane),
    ];
    try {
      // Until both replicas know the checkout pods (their catalog index
      // refreshes every second), flows may not map to the entity yet.
      await eventually(async () => {
        sim.publish(HubbleRelaySim.event({ flow: checkoutFlow() }));
        await new Promise(r => setTimeout(r, 200));
        return streams.every(s => s.flows.length > 0) ? true : undefined;
      }, 60_000);
      const batch = [checkoutFlow(), checkoutFlow(), checkoutFlow()];
      for (const f of batch) sim.publish(HubbleRelaySim.event({ flow: f }));
      const uuids = batch.map(f => f.uuid);
      for (const s of streams) {
        expect(s.status()).toBe(200);
        const got = await eventually(async () => {
          const seen = s.flows.map(x => x.flow.uuid);
          return uuids.every(u => seen.includes(u)) ? seen : undefined;
        });
        expect(new Set(got).size).toBe(got.length);
      }
      for (const r of [a, b]) {
        const res = await request(r.backend.server)
          .get('/api/cilium/entities/component/default/checkout/flows')
          .set('authorization', tokens.jane);
        expect(res.status).toBe(200);
        const seen = res.body.flows.map((x: any) => x.flow.uuid);
        expect(seen).toEqual(expect.arrayContaining(uuids));
        expect(res.body.flows.at(-1).backstage.source).toBe(
          'component:default/checkout',
        );
      }
    } finally {
      for (const s of streams) s.close();
    }
  });

  it('finishes on the other replica a publication whose replica died after writing the branch', async () => {
    // Two fresh replicas, each with a publisher that can be told to die:
    // whichever claims the publication first writes the branch (under the
    // shared lock) and then never answers, as if killed before recording it.
    for (const r of replicas.splice(0)) await r.backend.stop();
    let armed = false;
    let died!: (victim: string) => void;
    const victimName = new Promise<string>(resolve => {
      died = resolve;
    });
    const diesWhenArmed = (name: string) =>
      createBackendModule({
        pluginId: 'cilium',
        moduleId: 'dies-while-publishing',
        register(reg) {
          reg.registerInit({
            deps: {
              publishers: ciliumPublishersExtensionPoint,
              database: coreServices.database,
            },
            async init(deps) {
              const real = new LocalGitPublisher({
                path: gitPath,
                seedFrom: path.join(repoRoot, 'examples/gitops'),
                database: deps.database,
              });
              const publisher: PolicyPublisher = {
                type: 'local-git',
                init: () => real.init(),
                async publish(change) {
                  const dies = armed;
                  armed = false;
                  const publication = await real.publish(change);
                  if (!dies) return publication;
                  died(name);
                  return new Promise(() => {});
                },
                status: p => real.status(p),
                merge: (change, p) => real.merge(change, p),
              };
              deps.publishers.addPublisher(publisher);
            },
          });
        },
      });
    const c = await startReplica('c', [diesWhenArmed('c')]);
    const d = await startReplica('d', [diesWhenArmed('d')]);

    const created = await request(c.backend.server)
      .post('/api/cilium/requests')
      .set('authorization', tokens.jane)
      .send({
        ...demo,
        ports: [{ port: 9090, protocol: 'TCP' }],
        justification: 'Checkout scrapes the payment metrics for its SLOs.',
      });
    expect(created.status).toBe(201);
    const id = created.body.id;
    armed = true;
    const approved = await request(d.backend.server)
      .post(`/api/cilium/requests/${id}/approve`)
      .set('authorization', tokens.priya)
      .send({});
    expect(approved.body.state).toBe('approved');
    const victimIs = await victimName;
    const victim = victimIs === 'c' ? c : d;
    const survivor = victim === c ? d : c;
    expect(await repository(`netpol/${id}`)).toEqual({
      branches: expect.arrayContaining([`netpol/${id}`]),
      commitsBeyondMain: 1,
    });
    // Killed: the victim stops without recording the publication or
    // releasing its claim (a stopped backend extends no claim; it runs out).
    replicas.splice(replicas.indexOf(victim), 1);
    await victim.backend.stop();

    const published = await until(survivor, id, 'published');
    expect(published.publication.branch).toBe(`netpol/${id}`);
    expect(await repository(`netpol/${id}`)).toEqual({
      branches: expect.arrayContaining([`netpol/${id}`]),
      commitsBeyondMain: 1,
    });
    const outbox = await knex
      .withSchema('cilium')
      .table('cilium_request_outbox')
      .where({ request_id: id });
    expect(outbox.map(o => [o.status, Number(o.attempts)])).toEqual([
      ['done', 2],
    ]);
    // The survivor recorded it, once; the victim never did.
    expect(auditedStates([survivor], id)).toContain('published');
    expect(auditedStates([victim], id)).not.toContain('published');
    expect(auditedStates([c, d], id)).toEqual([
      'submitted',
      'approved',
      'published',
    ]);
    expect(statesOf(await auditRows(survivor), id)).toEqual([
      'submitted',
      'approved',
      'published',
    ]);
  });
});
