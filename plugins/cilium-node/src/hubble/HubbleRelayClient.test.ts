import * as grpc from '@grpc/grpc-js';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { backoffDelay } from './backoff';
import { encodeGetFlowsResponse } from './__testUtils__/relayMessages';
import {
  decodeHubbleMessage,
  encodeHubbleMessage,
} from './protojson/observerMessages';
import { HubbleClock, HubbleRelayClient } from './HubbleRelayClient';
import type {
  FlowGap,
  FlowStreamDisconnectedEvent,
  FlowStreamError,
} from './FlowStream';
import type {
  GetFlowsRequestJson,
  LeanFlow,
  LostEventsEvent,
  NodeStatusEvent,
} from './types';

/** A scripted observer.Observer server: each GetFlows call runs the next handler. */
type Handler = (
  call: grpc.ServerWritableStream<Buffer, Buffer>,
  req: GetFlowsRequestJson,
) => void;

const id = (b: Buffer) => b;
const def = (
  p: string,
  stream: boolean,
): grpc.MethodDefinition<Buffer, Buffer> => ({
  path: p,
  requestStream: false,
  responseStream: stream,
  requestSerialize: id,
  requestDeserialize: id,
  responseSerialize: id,
  responseDeserialize: id,
});

async function startServer(
  handlers: Handler[],
  credentials = grpc.ServerCredentials.createInsecure(),
): Promise<{
  server: grpc.Server;
  port: number;
  requests: GetFlowsRequestJson[];
}> {
  const server = new grpc.Server();
  const requests: GetFlowsRequestJson[] = [];
  server.addService(
    {
      GetFlows: def('/observer.Observer/GetFlows', true),
      ServerStatus: def('/observer.Observer/ServerStatus', false),
      GetNodes: def('/observer.Observer/GetNodes', false),
    },
    {
      GetFlows: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
        const req = decodeHubbleMessage(
          'observer.GetFlowsRequest',
          call.request,
        ) as GetFlowsRequestJson;
        requests.push(req);
        const h = handlers.shift();
        if (h) h(call, req);
        else call.end();
      },
      ServerStatus: (_c: unknown, cb: grpc.sendUnaryData<Buffer>) =>
        cb(
          null,
          encodeHubbleMessage('observer.ServerStatusResponse', {
            num_flows: '7',
            max_flows: '4095',
            version: 'test',
            num_connected_nodes: 2,
            flows_rate: 1.5,
          }),
        ),
      GetNodes: (_c: unknown, cb: grpc.sendUnaryData<Buffer>) =>
        cb(
          null,
          encodeHubbleMessage('observer.GetNodesResponse', {
            nodes: [
              {
                name: 'kind-worker',
                state: 'NODE_CONNECTED',
                address: '10.0.0.1:4244',
              },
            ],
          }),
        ),
    },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', credentials, (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  return { server, port, requests };
}

function flow(n: number, uuid = `uuid-${n}`): Buffer {
  return encodeGetFlowsResponse({
    flow: {
      time: `2026-03-01T00:00:${String(n).padStart(2, '0')}.000000001Z`,
      uuid,
      verdict: 'FORWARDED',
      source: { namespace: 'shop', pod_name: `web-${n}` },
      destination: { namespace: 'shop', pod_name: 'api-0' },
    },
    node_name: 'kind-worker',
  });
}

/** A clock whose timers only fire when the test says so. */
class ManualClock implements HubbleClock {
  timers: Array<{ cb: () => void; ms: number; handle: number }> = [];
  private next = 1;
  nowMs = Date.parse('2026-03-01T00:01:00Z');
  now = () => this.nowMs;
  setTimeout = (cb: () => void, ms: number) => {
    const handle = this.next++;
    this.timers.push({ cb, ms, handle });
    return handle;
  };
  clearTimeout = (handle: unknown) => {
    this.timers = this.timers.filter(t => t.handle !== handle);
  };
  fire(advanceMs: number) {
    this.nowMs += advanceMs;
    const due = this.timers;
    this.timers = [];
    due.forEach(t => t.cb());
  }
}

function once<T>(
  emitter: { once(e: string, l: (v: T) => void): unknown },
  event: string,
): Promise<T> {
  return new Promise(resolve => emitter.once(event, resolve));
}

describe('HubbleRelayClient', () => {
  let server: grpc.Server | undefined;
  let client: HubbleRelayClient | undefined;

  afterEach(async () => {
    client?.close();
    client = undefined;
    await new Promise<void>(resolve =>
      server ? server.tryShutdown(() => resolve()) : resolve(),
    );
    server = undefined;
  });

  it('calls ServerStatus and GetNodes', async () => {
    const s = await startServer([]);
    server = s.server;
    client = new HubbleRelayClient({ address: `127.0.0.1:${s.port}` });
    await expect(client.serverStatus()).resolves.toEqual({
      num_flows: '7',
      max_flows: '4095',
      version: 'test',
      num_connected_nodes: 2,
      flows_rate: 1.5,
    });
    await expect(client.getNodes()).resolves.toEqual([
      {
        name: 'kind-worker',
        state: 'NODE_CONNECTED',
        address: '10.0.0.1:4244',
      },
    ]);
  });

  it('surfaces NODE_ERROR and lost events instead of swallowing them', async () => {
    const s = await startServer([
      call => {
        call.write(
          encodeGetFlowsResponse({
            node_status: {
              state_change: 'NODE_CONNECTED',
              node_names: ['n1', 'n2'],
            },
            node_name: 'relay',
          }),
        );
        call.write(
          encodeGetFlowsResponse({
            node_status: {
              state_change: 'NODE_ERROR',
              node_names: ['n2'],
              message: 'invalid protocol "tcpx"',
            },
            node_name: 'relay',
          }),
        );
        call.write(
          encodeGetFlowsResponse({
            lost_events: {
              source: 'HUBBLE_RING_BUFFER',
              num_events_lost: '17',
            },
            node_name: 'n1',
          }),
        );
        call.write(flow(1));
      },
    ]);
    server = s.server;
    const warnings: string[] = [];
    client = new HubbleRelayClient({
      address: `127.0.0.1:${s.port}`,
      logger: { info: () => undefined, warn: m => warnings.push(m) },
    });
    const stream = client.follow({ whitelist: [{ source_pod: ['shop/'] }] });
    const statuses: NodeStatusEvent[] = [];
    const lost: LostEventsEvent[] = [];
    stream.on('nodeStatus', e => statuses.push(e));
    stream.on('lostEvents', e => lost.push(e));
    await once<LeanFlow>(stream, 'flow');
    expect(s.requests[0]).toEqual({
      follow: true,
      whitelist: [{ source_pod: ['shop/'] }],
    });
    expect(statuses.map(e => e.state)).toEqual([
      'NODE_CONNECTED',
      'NODE_ERROR',
    ]);
    expect(lost).toEqual([
      expect.objectContaining({
        source: 'HUBBLE_RING_BUFFER',
        numEventsLost: 17,
        reporter: 'n1',
      }),
    ]);
    const status = stream.status();
    expect(status.nodes).toEqual({
      n1: expect.objectContaining({ state: 'NODE_CONNECTED' }),
      n2: expect.objectContaining({
        state: 'NODE_ERROR',
        message: 'invalid protocol "tcpx"',
      }),
    });
    expect(status.nodeErrors).toEqual([
      expect.objectContaining({
        nodeNames: ['n2'],
        message: 'invalid protocol "tcpx"',
      }),
    ]);
    expect(status.eventsLost).toBe(17);
    expect(warnings.join('\n')).toMatch(/NODE_ERROR from n2: invalid protocol/);
    const ended = once(stream, 'end');
    stream.cancel();
    await ended;
    expect(stream.status().state).toBe('stopped');
  });

  it('reconnects with back-off and jitter, resumes from the last flow time and drops duplicates', async () => {
    const s = await startServer([
      call => {
        call.write(flow(1));
        call.write(flow(2));
        setTimeout(
          () =>
            call.emit('error', {
              code: grpc.status.UNAVAILABLE,
              details: 'relay restarting',
            }),
          20,
        );
      },
      call => {
        // Relay replays everything since the resume time: 2 is a duplicate.
        call.write(flow(2));
        call.write(flow(3));
      },
    ]);
    server = s.server;
    const clock = new ManualClock();
    const random = () => 0.9;
    client = new HubbleRelayClient({
      address: `127.0.0.1:${s.port}`,
      backoff: { initialMs: 200, maxMs: 5000, jitter: 0.5 },
      clock,
      random,
    });
    const stream = client.follow({ number: 5 });
    const flows: string[] = [];
    stream.on('flow', f => flows.push(f.uuid));
    const disconnected = await once<FlowStreamDisconnectedEvent>(
      stream,
      'disconnected',
    );
    expect(flows).toEqual(['uuid-1', 'uuid-2']);
    expect(disconnected).toMatchObject({
      code: grpc.status.UNAVAILABLE,
      attempt: 1,
    });
    expect(disconnected.retryInMs).toBe(
      backoffDelay(1, { initialMs: 200, maxMs: 5000, jitter: 0.5 }, random),
    );
    expect(disconnected.retryInMs).toBe(280); // 200 × (1 − 0.5 + 2 × 0.5 × 0.9)
    expect(clock.timers.map(t => t.ms)).toEqual([280]);
    expect(stream.status().state).toBe('backoff');

    const gap = once<FlowGap>(stream, 'gap');
    clock.fire(280);
    const g = await gap;
    await new Promise<void>(resolve =>
      stream.on('flow', f => f.uuid === 'uuid-3' && resolve()),
    );
    expect(s.requests[0]).toEqual({ number: '5', follow: true });
    expect(s.requests[1]).toEqual({
      follow: true,
      since: '2026-03-01T00:00:02.000000001Z',
    });
    expect(flows).toEqual(['uuid-1', 'uuid-2', 'uuid-3']);
    expect(g).toMatchObject({
      lastFlowTime: '2026-03-01T00:00:02.000000001Z',
      resumedSince: '2026-03-01T00:00:02.000000001Z',
      durationMs: 280,
      attempts: 1,
    });
    expect(g.reason).toMatch(/UNAVAILABLE: relay restarting/);
    const status = stream.status();
    expect(status).toMatchObject({
      connects: 2,
      disconnects: 1,
      duplicatesDropped: 1,
      flowsReceived: 3,
      state: 'connected',
    });
    stream.cancel();
  });

  it('stops with a failed event on errors retrying cannot fix', async () => {
    const s = await startServer([
      call =>
        call.emit('error', {
          code: grpc.status.INVALID_ARGUMENT,
          details: 'bad filter',
        }),
    ]);
    server = s.server;
    const clock = new ManualClock();
    client = new HubbleRelayClient({ address: `127.0.0.1:${s.port}`, clock });
    const stream = client.follow();
    const failed = await once<FlowStreamError>(stream, 'failed');
    expect(failed).toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    expect(failed.message).toMatch(/bad filter/);
    expect(clock.timers).toHaveLength(0);
    expect(stream.status().state).toBe('failed');
  });

  it('keeps the grpc-js flow-control window large and parses hubble-style addresses', () => {
    client = new HubbleRelayClient({ address: 'localhost' });
    expect(client.target).toBe('localhost:4245');
    client.close();
    client = new HubbleRelayClient({
      address: 'tls://relay.example:443',
      tls: { serverName: 'ui.hubble-relay.cilium.io' },
    });
    expect(client.target).toBe('relay.example:443');
  });
});

function haveOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const describeTls = haveOpenssl() ? describe : describe.skip;
if (!haveOpenssl()) {
  // eslint-disable-next-line no-console
  console.warn('SKIPPED TLS client tests: openssl is not installed');
}

describeTls('HubbleRelayClient TLS', () => {
  let dir: string;
  let server: grpc.Server | undefined;
  let client: HubbleRelayClient | undefined;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hubble-tls-'));
    const run = (...args: string[]) =>
      execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    run(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '1',
      '-subj',
      '/CN=test-ca',
    );
    fs.writeFileSync(
      path.join(dir, 'server.ext'),
      'subjectAltName=DNS:*.hubble-relay.cilium.io\n',
    );
    run(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'server.key',
      '-out',
      'server.csr',
      '-subj',
      '/CN=relay',
    );
    run(
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.crt',
      '-days',
      '1',
      '-extfile',
      'server.ext',
    );
    run(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'client.key',
      '-out',
      'client.csr',
      '-subj',
      '/CN=backstage',
    );
    run(
      'x509',
      '-req',
      '-in',
      'client.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'client.crt',
      '-days',
      '1',
    );
  });

  afterEach(async () => {
    client?.close();
    client = undefined;
    await new Promise<void>(resolve =>
      server ? server.tryShutdown(() => resolve()) : resolve(),
    );
    server = undefined;
  });

  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const read = (f: string) => fs.readFileSync(path.join(dir, f));

  it('talks mTLS with a CA file, client certificate and server name override', async () => {
    const s = await startServer(
      [],
      grpc.ServerCredentials.createSsl(
        read('ca.crt'),
        [{ private_key: read('server.key'), cert_chain: read('server.crt') }],
        true,
      ),
    );
    server = s.server;
    client = new HubbleRelayClient({
      address: `tls://127.0.0.1:${s.port}`,
      tls: {
        caFile: path.join(dir, 'ca.crt'),
        certFile: path.join(dir, 'client.crt'),
        keyFile: path.join(dir, 'client.key'),
        serverName: 'ui.hubble-relay.cilium.io',
      },
    });
    await expect(client.serverStatus()).resolves.toMatchObject({
      version: 'test',
    });
  });

  it('refuses a server whose certificate does not carry the expected name', async () => {
    const s = await startServer(
      [],
      grpc.ServerCredentials.createSsl(
        null,
        [{ private_key: read('server.key'), cert_chain: read('server.crt') }],
        false,
      ),
    );
    server = s.server;
    client = new HubbleRelayClient({
      address: `127.0.0.1:${s.port}`,
      tls: { ca: read('ca.crt'), serverName: 'relay.other.example' },
      requestTimeoutMs: 3000,
    });
    await expect(client.serverStatus()).rejects.toThrow();
  });
});
