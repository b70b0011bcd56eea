import * as grpc from '@grpc/grpc-js';
import { HubbleRelayClient } from '@cilium-zero-trust/plugin-cilium-node';
import type { FlowJson, LeanFlow } from '@cilium-zero-trust/plugin-cilium-node';
import { RawBenchServer } from './rawBenchServer';
import { HubbleRelaySim } from './server';

function flow(i: number, namespace: string): FlowJson {
  return {
    time: new Date(Date.UTC(2030, 0, 1, 0, 0, 0, i)).toISOString(),
    uuid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    verdict: i % 3 === 0 ? 'DROPPED' : 'FORWARDED',
    source: {
      namespace,
      pod_name: `client-${i}`,
      labels: [`k8s:app=client-${i % 4}`],
    },
    destination: {
      namespace: 'shop',
      pod_name: 'server-0',
      labels: ['k8s:app=server'],
    },
    l4: { TCP: { source_port: 40000 + i, destination_port: 8080 } },
    Type: 'L3_L4',
    node_name: 'sim-node-1',
  };
}

describe('raw bench transport', () => {
  let server: RawBenchServer;
  let client: HubbleRelayClient | undefined;
  afterEach(async () => {
    client?.close();
    await server.close();
  });

  it('is an ordinary gRPC GetFlows stream to our client: every pool flow intact, in order, filtered, looping', async () => {
    // Messages of different sizes, so chunk boundaries fall inside messages.
    const pool = Array.from({ length: 300 }, (_, i) =>
      flow(i, i % 2 ? 'team-a' : 'team-b'),
    );
    const events = pool.map(f =>
      HubbleRelaySim.event({ flow: f, node_name: 'sim-node-1', time: f.time }),
    );
    server = new RawBenchServer(events, { chunkBytes: 1000 });
    const port = await server.listen('127.0.0.1:0');
    client = new HubbleRelayClient({ address: `127.0.0.1:${port}` });
    const stream = client.follow({ whitelist: [{ source_pod: ['team-a/'] }] });
    const received: LeanFlow[] = [];
    await new Promise<void>(resolve =>
      stream.on('flow', f => {
        received.push(f);
        if (received.length === 400) resolve();
      }),
    );
    const expected = pool.filter(f => f.source!.namespace === 'team-a');
    expect(expected).toHaveLength(150);
    // 400 flows = the 150 matching pool flows, then again from the start.
    received.forEach((f, k) => {
      const want = expected[k % expected.length];
      expect(f.uuid).toBe(want.uuid);
      expect(f.source.podName).toBe(want.source!.pod_name);
      expect(f.destinationPort).toBe(8080);
      expect(f.verdict).toBe(want.verdict);
    });
    expect(stream.status().nodes['sim-node-1']?.state).toBe('NODE_CONNECTED');
  });

  it('answers methods it does not serve with UNIMPLEMENTED', async () => {
    server = new RawBenchServer([]);
    const port = await server.listen('127.0.0.1:0');
    const raw = new grpc.Client(
      `127.0.0.1:${port}`,
      grpc.credentials.createInsecure(),
    );
    const error = await new Promise<grpc.ServiceError>(resolve =>
      raw.makeUnaryRequest(
        '/observer.Observer/ServerStatus',
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.alloc(0),
        (e: grpc.ServiceError | null) => resolve(e!),
      ),
    );
    raw.close();
    expect(error.code).toBe(grpc.status.UNIMPLEMENTED);
    expect(error.details).toMatch(
      /ServerStatus is not served in raw bench mode/,
    );
  });
});
