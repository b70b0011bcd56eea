import fs from 'fs';
import http from 'http';
import os from 'os';
import path from 'path';
import request from 'supertest';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { CONNECTIVITY_REQUEST_STATES } from '@cilium-zero-trust/plugin-cilium-common';
import { HubbleRelaySim } from '@cilium-zero-trust/hubble-relay-sim';
import { eventually, onServerSentEvents } from '@internal/test-shared-data';
import {
  devAuth,
  realServiceFeatures,
  repoRoot,
  sampleCatalog,
} from './__testUtils__/sampleBackend';
import { PrometheusEndpoint, startPrometheusEndpoint } from './prometheus';

const dashboardFile = path.join(
  repoRoot,
  'deploy/grafana/cilium-zero-trust.json',
);

// --- the Prometheus text format, as a scraper reads it ----------------------

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses `name{a="b",c="d"} value` lines (label values may hold escaped quotes, commas, braces). */
function parseExposition(text: string): {
  samples: Sample[];
  types: Map<string, string>;
} {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('# TYPE ')) {
      const [name, type] = line.slice(7).split(' ');
      types.set(name, type);
      continue;
    }
    if (!line || line.startsWith('#')) continue;
    let i = 0;
    while (i < line.length && line[i] !== '{' && line[i] !== ' ') i++;
    const name = line.slice(0, i);
    const labels: Record<string, string> = {};
    if (line[i] === '{') {
      i++;
      while (line[i] !== '}') {
        const eq = line.indexOf('=', i);
        const key = line.slice(i, eq);
        let value = '';
        let j = eq + 2; // past ="
        while (line[j] !== '"') {
          if (line[j] === '\\') {
            const next = line[j + 1];
            value += next === 'n' ? '\n' : next;
            j += 2;
          } else {
            value += line[j++];
          }
        }
        labels[key] = value;
        i = j + 1;
        if (line[i] === ',') i++;
      }
      i++;
    }
    const value = Number(line.slice(i).trim().split(' ')[0]);
    samples.push({ name, labels, value });
  }
  return { samples, types };
}

function scrape(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, res => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', chunk => (body += chunk));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(body)
            : reject(new Error(`${url} answered ${res.statusCode}`)),
        );
      })
      .on('error', reject);
  });
}

class Scrape {
  constructor(
    readonly samples: Sample[],
    readonly types: Map<string, string>,
  ) {}

  static async of(endpoint: PrometheusEndpoint): Promise<Scrape> {
    const { samples, types } = parseExposition(await scrape(endpoint.url));
    return new Scrape(samples, types);
  }

  /** The samples of `name` whose labels include `labels`. */
  all(name: string, labels: Record<string, string> = {}): Sample[] {
    return this.samples.filter(
      s =>
        s.name === name &&
        Object.entries(labels).every(([k, v]) => s.labels[k] === v),
    );
  }

  /** The one sample of `name` with `labels`; undefined when there is none. */
  value(name: string, labels: Record<string, string> = {}): number | undefined {
    const found = this.all(name, labels);
    if (found.length > 1) {
      throw new Error(
        `${name} ${JSON.stringify(labels)} matches ${found.length} series`,
      );
    }
    return found[0]?.value;
  }
}

// --- traffic through the Relay stand-in, between sample-world workloads -----

let seq = 0;
function checkoutToPayments(verdict: 'FORWARDED' | 'DROPPED') {
  seq++;
  const pod = (app: string, identity: number) => ({
    ID: 100 + identity,
    identity,
    namespace: 'checkout',
    labels: [
      `k8s:app.kubernetes.io/name=${app}`,
      `k8s:backstage.io/kubernetes-id=${app}`,
      'k8s:io.kubernetes.pod.namespace=checkout',
    ],
    pod_name: `${app}-7d9f-${seq}`,
    workloads: [{ name: app, kind: 'Deployment' }],
  });
  return {
    time: new Date().toISOString(),
    uuid: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    verdict,
    ...(verdict === 'DROPPED' ? { drop_reason_desc: 'POLICY_DENIED' } : {}),
    IP: {
      source: `10.0.0.${seq % 250}`,
      destination: '10.0.1.7',
      ipVersion: 'IPv4',
    },
    l4: {
      TCP: { source_port: 40000 + seq, destination_port: 8443, flags: {} },
    },
    source: pod('checkout', 1001),
    destination: pod('payments', 1002),
    Type: 'L3_L4',
    node_name: 'sim-node-1',
    is_reply: false,
    traffic_direction: 'EGRESS',
  };
}

/** Opens the Network tab's live stream; resolves once the backend answered. */
function openLiveStream(
  server: http.Server,
  token: string,
): Promise<{ received: () => number; close: () => void }> {
  const { port } = server.address() as { port: number };
  return new Promise((resolve, reject) => {
    let events = 0;
    const req = http.get(
      {
        host: '127.0.0.1',
        port,
        path: '/api/cilium/entities/component/default/checkout/flows/stream',
        headers: { authorization: token, accept: 'text/event-stream' },
      },
      res => {
        if (res.statusCode !== 200) {
          reject(new Error(`the live stream answered ${res.statusCode}`));
          return;
        }
        onServerSentEvents(res, event => {
          if (event === 'flows') events++;
        });
        res.on('error', () => undefined);
        resolve({ received: () => events, close: () => req.destroy() });
      },
    );
    req.on('error', () => undefined);
  });
}

describe('metrics of the sample backend', () => {
  // Generous: one test walks through every series, and on a loaded 2-core
  // machine the backend's start and each scrape take seconds.
  jest.setTimeout(300000);

  let endpoint: PrometheusEndpoint;
  beforeAll(async () => {
    endpoint = await startPrometheusEndpoint({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await endpoint?.close();
  });

  it('serves every Cilium series for Prometheus, following real Relay traffic, live streams, requests and policy sources', async () => {
    let sim = new HubbleRelaySim({ nodes: ['sim-node-1'] });
    const relayPort = await sim.listen('127.0.0.1:0');
    // The sample policies plus one file that does not parse.
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cilium-metrics-'));
    const policies = path.join(tmp, 'policies');
    fs.cpSync(path.join(repoRoot, 'examples/gitops/policies'), policies, {
      recursive: true,
    });
    fs.writeFileSync(
      path.join(policies, 'broken.yaml'),
      'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: [unclosed\n',
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
                  hubble: { address: `127.0.0.1:${relayPort}` },
                  policies: { type: 'directory', path: policies },
                  workloads: {
                    type: 'manifests',
                    path: path.join(repoRoot, 'examples/cluster'),
                  },
                },
              ],
              live: {
                catalogRefreshSeconds: 1,
                // A browser that cannot keep up: two flows queued at most,
                // one batch a second.
                maxQueuedPerSubscriber: 2,
                flushIntervalMs: 1000,
              },
              requests: {
                reviewers: ['group:default/platform-team'],
                pollSeconds: 1,
                publisher: {
                  type: 'local-git',
                  path: path.join(tmp, 'gitops.git'),
                  seedFrom: path.join(repoRoot, 'examples/gitops'),
                },
              },
            },
          },
        }),
      ],
    });
    const server = backend.server;
    let stream: { received: () => number; close: () => void } | undefined;
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
      const priya = await token('priya.raman');

      // --- Relay: connected, following the catalog's namespaces -----------
      await eventually(async () => {
        const res = await request(server)
          .get('/api/cilium/status')
          .set('authorization', jane);
        const dev = res.body.clusters?.find((c: any) => c.cluster === 'dev');
        return dev?.connected && dev.namespaces.includes('checkout')
          ? true
          : undefined;
      });
      const connected = await Scrape.of(endpoint);
      for (const state of ['connecting', 'connected', 'backoff', 'failed']) {
        expect(
          connected.value('cilium_hubble_relay_connection_state', {
            cluster: 'dev',
            state,
          }),
        ).toBe(state === 'connected' ? 1 : 0);
      }

      // --- a user watches checkout's live traffic ---------------------------
      stream = await openLiveStream(server, jane);
      const watching = await eventually(async () => {
        const s = await Scrape.of(endpoint);
        return s.value('cilium_live_subscribers') === 1 ? s : undefined;
      });
      expect(watching.value('cilium_live_subscribers')).toBe(1);

      // --- traffic: forwarded and dropped flows, and Relay losing events ----
      const sent = { FORWARDED: 0, DROPPED: 0 };
      for (let i = 0; i < 40; i++) {
        const verdict = i % 4 === 0 ? 'DROPPED' : 'FORWARDED';
        sent[verdict]++;
        sim.publish(
          HubbleRelaySim.event({ flow: checkoutToPayments(verdict) }),
        );
      }
      sim.publishLostEvents('PERF_EVENT_RING_BUFFER', 7);
      const flowing = await eventually(async () => {
        const s = await Scrape.of(endpoint);
        const received = (verdict: string) =>
          s.value('cilium_hubble_flows_received_total', {
            cluster: 'dev',
            verdict,
          });
        return received('FORWARDED') === sent.FORWARDED &&
          received('DROPPED') === sent.DROPPED &&
          s.value('cilium_hubble_events_lost_total', {
            cluster: 'dev',
            source: 'PERF_EVENT_RING_BUFFER',
          }) === 7
          ? s
          : undefined;
      }, 90000);
      // The flows were stamped as they were sent: they arrived within seconds.
      const lag = flowing.value('cilium_hubble_ingest_lag', { cluster: 'dev' });
      expect(lag).toBeGreaterThanOrEqual(0);
      expect(lag).toBeLessThan(30);
      // 40 flows at once into a queue of 2: the browser got the newest, the
      // rest were dropped oldest first, and the batches said so.
      // The burst was counted; the browser gets a batch within the flush
      // interval. Should the burst have reached the backend before it mapped
      // checkout's pods (a cold start), later flows still must: one more is
      // sent each round until a batch arrives.
      await eventually(
        async () => {
          if (stream!.received() > 0) return true;
          sent.FORWARDED++;
          sim.publish(
            HubbleRelaySim.event({ flow: checkoutToPayments('FORWARDED') }),
          );
          return undefined;
        },
        30000,
        500,
      );
      await eventually(async () => {
        const s = await Scrape.of(endpoint);
        return s.value('cilium_hubble_flows_received_total', {
          cluster: 'dev',
          verdict: 'FORWARDED',
        }) === sent.FORWARDED
          ? true
          : undefined;
      });
      const dropped = flowing.value('cilium_live_flows_dropped_total')!;
      expect(dropped).toBeGreaterThan(0);
      expect(dropped).toBeLessThan(sent.FORWARDED + sent.DROPPED);

      stream.close();
      stream = undefined;
      await eventually(async () => {
        const s = await Scrape.of(endpoint);
        return s.value('cilium_live_subscribers') === 0 ? true : undefined;
      });

      // --- Relay restarts: the backend reconnects, counters carry on --------
      await sim.close();
      sim = new HubbleRelaySim({ nodes: ['sim-node-1'] });
      await sim.listen(`127.0.0.1:${relayPort}`);
      const reconnected = await eventually(async () => {
        const s = await Scrape.of(endpoint);
        return (s.value('cilium_hubble_relay_reconnects_total', {
          cluster: 'dev',
        }) ?? 0) >= 1 &&
          s.value('cilium_hubble_relay_connection_state', {
            cluster: 'dev',
            state: 'connected',
          }) === 1
          ? s
          : undefined;
      }, 60000);
      expect(
        reconnected.value('cilium_hubble_flows_received_total', {
          cluster: 'dev',
          verdict: 'FORWARDED',
        }),
      ).toBe(sent.FORWARDED);

      // --- requests through their states ------------------------------------
      await eventually(async () => {
        const res = await request(server)
          .get('/api/catalog/entities/by-name/component/default/payments')
          .set('authorization', jane);
        return res.body?.relations?.length ? true : undefined;
      });
      const file = async (port: number) => {
        const res = await request(server)
          .post('/api/cilium/requests')
          .set('authorization', jane)
          .send({
            source: 'component:default/checkout',
            target: { type: 'entity', ref: 'component:default/payments' },
            ports: [{ port, protocol: 'TCP' }],
            justification: `Checkout calls payments on TCP ${port}.`,
          });
        expect(res.status).toBe(201);
        return res.body.id as string;
      };
      const published = await file(8443);
      await file(9443);
      const withdrawn = await file(10443);
      expect(
        (
          await request(server)
            .post(`/api/cilium/requests/${published}/approve`)
            .set('authorization', priya)
            .send({})
        ).status,
      ).toBe(200);
      expect(
        (
          await request(server)
            .post(`/api/cilium/requests/${withdrawn}/withdraw`)
            .set('authorization', jane)
            .send({})
        ).status,
      ).toBe(200);
      const publication = await eventually(async () => {
        const res = await request(server)
          .get(`/api/cilium/requests/${published}`)
          .set('authorization', jane);
        return res.body.state === 'published' ? res.body : undefined;
      });

      // The counts match what the requests list shows a reviewer.
      const list = (
        await request(server)
          .get('/api/cilium/requests')
          .set('authorization', priya)
      ).body.items as Array<{ state: string }>;
      const byState = (state: string) =>
        list.filter(r => r.state === state).length;
      const counted = await eventually(async () => {
        const s = await Scrape.of(endpoint);
        return (s.value('cilium_requests', { state: 'published' }) ?? 0) >= 1
          ? s
          : undefined;
      });
      for (const state of CONNECTIVITY_REQUEST_STATES) {
        expect([state, counted.value('cilium_requests', { state })]).toEqual([
          state,
          byState(state),
        ]);
      }
      // Publishing is done: nothing waits in the outbox.
      for (const status of ['pending', 'running', 'failed']) {
        expect(
          counted.value('cilium_requests_outbox_backlog', { status }),
        ).toBe(0);
      }
      const publishes = counted.value(
        'cilium_requests_publish_duration_count',
        { publisher: 'local-git', outcome: 'success' },
      );
      expect(publishes).toBe(byState('published'));
      expect(
        counted.value('cilium_requests_publish_duration_sum', {
          publisher: 'local-git',
          outcome: 'success',
        }),
      ).toBeGreaterThan(0);
      const failedPublishes = (publication.events as any[]).filter(
        e => e.type === 'publish-failed',
      ).length;
      expect(
        counted.value('cilium_requests_publish_failures_total', {
          publisher: 'local-git',
        }),
      ).toBe(failedPublishes);

      // --- policy sources: reloads, and the broken file --------------------
      const connectivity = await request(server)
        .get('/api/cilium/entities/component/default/checkout/connectivity')
        .set('authorization', jane);
      expect(connectivity.status).toBe(200);
      const errors = (connectivity.body.diagnostics as any[]).filter(
        d => d.severity === 'error',
      );
      expect(errors.some(d => String(d.file).includes('broken.yaml'))).toBe(
        true,
      );
      const sources = await Scrape.of(endpoint);
      const parseErrors = sources
        .all('cilium_policy_source_parse_errors', { cluster: 'dev' })
        .reduce((sum, s) => sum + s.value, 0);
      expect(parseErrors).toBe(errors.length);
      expect(
        sources.value('cilium_policy_source_parse_errors', {
          cluster: 'dev',
          role: 'policies',
        }),
      ).toBeGreaterThanOrEqual(1);
      expect(
        sources.value('cilium_policy_source_reload_duration_count', {
          cluster: 'dev',
          outcome: 'success',
        }),
      ).toBeGreaterThanOrEqual(1);
      expect(
        sources.value('cilium_policy_source_reload_duration_sum', {
          cluster: 'dev',
          outcome: 'success',
        }),
      ).toBeGreaterThan(0);

      // --- the Grafana dashboard shows every series ------------------------
      const dashboard = JSON.parse(fs.readFileSync(dashboardFile, 'utf8'));
      const exprs: string[] = [];
      const collect = (panels: any[]) => {
        for (const p of panels ?? []) {
          for (const t of p.targets ?? []) exprs.push(t.expr ?? '');
          collect(p.panels);
        }
      };
      collect(dashboard.panels);
      const families = [...sources.types.keys()].filter(n =>
        n.startsWith('cilium_'),
      );
      expect(families.length).toBeGreaterThanOrEqual(13);
      const missing = families.filter(
        family =>
          !exprs.some(expr =>
            new RegExp(`\\b${family}(_bucket|_sum|_count)?(?![a-z0-9_])`).test(
              expr,
            ),
          ),
      );
      expect(missing).toEqual([]);
    } finally {
      stream?.close();
      await backend.stop();
      await sim.close();
    }
  });
});
