import { ChildProcess, spawn } from 'child_process';
import path from 'path';
import request from 'supertest';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type {
  EntityTrafficHistoryResponse,
  TrafficHistoryResponse,
} from '@cilium-zero-trust/plugin-cilium-common';
import { ciliumPlugin } from './plugin';
import {
  eventually,
  examples,
  repoRoot,
  sampleEntities,
} from './__testUtils__/sampleWorld';

const SIM = path.join(
  repoRoot,
  'packages/hubble-relay-sim/bin/hubble-relay-sim',
);

/** Starts the Relay stand-in's synthetic traffic over the sample world (what `npm start` runs), on a free port. */
async function startStandIn(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    [
      SIM,
      '--cluster',
      path.join(examples, 'cluster'),
      '--policies',
      path.join(examples, 'gitops/policies'),
      '--catalog',
      path.join(examples, 'catalog'),
      '--listen',
      '127.0.0.1:0',
      '--rate',
      '400',
      '--quiet',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', d => {
      out += d;
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.stderr!.on('data', d => {
      out += d;
    });
    child.on('exit', code =>
      reject(new Error(`the stand-in exited with ${code}: ${out}`)),
    );
  });
  return { child, port };
}

const HISTORY =
  '/api/cilium/entities/component/default/checkout/traffic/history';

describe('traffic history routes', () => {
  jest.setTimeout(90_000);
  let standIn: { child: ChildProcess; port: number };
  const auditor = mockServices.auditor.mock();
  const auditorEvent = { success: jest.fn(), fail: jest.fn() };

  beforeAll(async () => {
    standIn = await startStandIn();
  });
  afterAll(async () => {
    const child = standIn?.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise(resolve => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    child.stdout?.destroy();
    child.stderr?.destroy();
  });
  beforeEach(() => {
    jest.clearAllMocks();
    auditor.createEvent.mockResolvedValue(auditorEvent as any);
  });

  function start(
    permission:
      | AuthorizeResult.ALLOW
      | AuthorizeResult.DENY = AuthorizeResult.ALLOW,
  ) {
    return startTestBackend({
      features: [
        ciliumPlugin,
        auditor.factory,
        mockServices.rootConfig.factory({
          data: {
            cilium: {
              clusters: [
                {
                  name: 'dev',
                  hubble: { address: `127.0.0.1:${standIn.port}` },
                  policies: {
                    type: 'directory',
                    path: path.join(examples, 'gitops/policies'),
                  },
                  workloads: {
                    type: 'manifests',
                    path: path.join(examples, 'cluster'),
                  },
                },
              ],
              live: {
                catalogRefreshSeconds: 1,
                history: { peersPerEntity: 20 },
              },
            },
          },
        }),
        catalogServiceMock.factory({ entities: sampleEntities() }),
        mockServices.permissions.factory({ result: permission }),
      ],
    });
  }

  it("counts the stand-in's forwarded and dropped flows per minute for an entity and its cluster, with coverage", async () => {
    const backend = await start();
    try {
      // Checkout's synthetic traffic includes calls no policy allows (to
      // payments): drops decided by the policy engine, beside forwarded calls.
      const history: EntityTrafficHistoryResponse = await eventually(
        async () => {
          const res = await request(backend.server)
            .get(`${HISTORY}?minutes=5&peers=20`)
            .set('authorization', mockCredentials.user.header());
          const sum = (k: 'forwarded' | 'dropped') =>
            res.body.buckets?.reduce((n: number, b: any) => n + b[k], 0) ?? 0;
          return sum('forwarded') > 0 && sum('dropped') > 0
            ? res.body
            : undefined;
        },
        60_000,
        500,
      );
      expect(history.entityRef).toBe('component:default/checkout');
      expect(history.bucketSeconds).toBe(60);
      expect(history.buckets).toHaveLength(5);
      const minutes = history.buckets.map(b => Date.parse(b.start));
      expect(minutes[4] - minutes[0]).toBe(4 * 60_000);
      expect(minutes[4]).toBeLessThanOrEqual(Date.now());
      expect(Date.now() - minutes[4]).toBeLessThan(120_000);
      // Every minute's peers add up to its totals, and the drops have peers.
      for (const b of history.buckets) {
        const f = b.peers.reduce((n, p) => n + p.forwarded, 0);
        const d = b.peers.reduce((n, p) => n + p.dropped, 0);
        expect(f + b.otherPeers.forwarded).toBe(b.forwarded);
        expect(d + b.otherPeers.dropped).toBe(b.dropped);
      }
      const droppedPeers = history.buckets.flatMap(b =>
        b.peers.filter(p => p.dropped > 0).map(p => p.peer.id),
      );
      expect(droppedPeers.length).toBeGreaterThan(0);
      expect(auditor.createEvent).toHaveBeenCalledWith(
        expect.objectContaining({
          eventId: 'entity-network-read',
          meta: {
            queryType: 'traffic-history',
            entityRef: 'component:default/checkout',
          },
        }),
      );
      expect(auditorEvent.success).toHaveBeenCalled();

      const cluster = await request(backend.server)
        .get('/api/cilium/traffic/history')
        .set('authorization', mockCredentials.user.header());
      expect(cluster.status).toBe(200);
      const body: TrafficHistoryResponse = cluster.body;
      expect(body.clusters.map(c => c.cluster)).toEqual(['dev']);
      const [dev] = body.clusters;
      expect(dev.buckets).toHaveLength(60);
      expect(dev.buckets.reduce((n, b) => n + b.dropped, 0)).toBeGreaterThan(0);
      // Coverage of the sample world's workloads: some, not all, isolated;
      // sampled in the current minute.
      expect(dev.coverage!.workloads).toBeGreaterThan(0);
      expect(dev.coverage!.ingressIsolated).toBeGreaterThan(0);
      expect(dev.buckets[59].coverage).toEqual(dev.coverage);
      expect(auditor.createEvent).toHaveBeenCalledWith(
        expect.objectContaining({
          eventId: 'cluster-network-read',
          meta: { queryType: 'traffic-history' },
        }),
      );
    } finally {
      await backend.stop();
    }
  });

  it('refuses the history without cilium.flows.read and the cluster history without cilium.status.read', async () => {
    const backend = await start(AuthorizeResult.DENY);
    try {
      const entity = await request(backend.server)
        .get(HISTORY)
        .set('authorization', mockCredentials.user.header());
      expect(entity.status).toBe(403);
      expect(entity.body.error.message).toMatch(/cilium\.flows\.read/);
      const cluster = await request(backend.server)
        .get('/api/cilium/traffic/history?cluster=nope')
        .set('authorization', mockCredentials.user.header());
      // Refused before the query is read: a 403, not a 400 naming the clusters.
      expect(cluster.status).toBe(403);
      expect(cluster.body.error.message).toMatch(/cilium\.status\.read/);
      expect(auditorEvent.fail).toHaveBeenCalledTimes(2);

      const anonymous = await request(backend.server)
        .get('/api/cilium/traffic/history')
        .set('authorization', mockCredentials.none.header());
      expect(anonymous.status).toBe(401);
    } finally {
      await backend.stop();
    }
  });

  it('answers bad query parameters with 400 and what to send', async () => {
    const backend = await start();
    try {
      const cases: Array<[string, RegExp]> = [
        [
          `${HISTORY}?minutes=0`,
          /minutes must be a whole number from 1 to 60, got "0"/,
        ],
        [
          `${HISTORY}?minutes=61`,
          /minutes must be a whole number from 1 to 60/,
        ],
        [`${HISTORY}?minutes=1.5`, /minutes must be a whole number/],
        [
          `${HISTORY}?peers=lots`,
          /peers must be a whole number from 0 to 20, got "lots"/,
        ],
        [`${HISTORY}?peers=21`, /peers must be a whole number from 0 to 20/],
        [
          `${HISTORY}?minutes=1&minutes=2`,
          /minutes .* got a repeated or nested parameter/,
        ],
        [
          '/api/cilium/traffic/history?cluster=prod',
          /cluster must name a configured cluster \(dev\)/,
        ],
        [
          '/api/cilium/traffic/history?minutes=-1',
          /minutes must be a whole number/,
        ],
      ];
      for (const [url, message] of cases) {
        const res = await request(backend.server)
          .get(url)
          .set('authorization', mockCredentials.user.header());
        expect({ url, status: res.status }).toEqual({ url, status: 400 });
        expect(res.body.error.name).toBe('InputError');
        expect(res.body.error.message).toMatch(message);
      }
      const long = await request(backend.server)
        .get(`${HISTORY}?minutes=${'9'.repeat(5000)}`)
        .set('authorization', mockCredentials.user.header());
      expect(long.status).toBe(400);
      expect(long.body.error.message.length).toBeLessThan(200);
    } finally {
      await backend.stop();
    }
  });
});
