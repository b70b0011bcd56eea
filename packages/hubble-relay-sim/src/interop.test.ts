import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import {
  encodeGetFlowsRequest,
  flowToJson,
  getFlowsResponseToJson,
  HubbleRelayClient,
  hubbleProtoDir,
} from '@cilium-zero-trust/plugin-cilium-node';
import type {
  GetFlowsResponseJson,
  LeanFlow,
} from '@cilium-zero-trust/plugin-cilium-node';
import { listCaptureFiles, readCaptures, ReplayGenerator } from './replay';
import { HubbleRelaySim } from './server';
import { corpusFlowsDir } from './__testUtils__/corpus';
import { Timeline } from './timeline';

const corpus = corpusFlowsDir('interop test over the recorded Hubble flows');
const maybe = corpus ? describe : describe.skip;

maybe(
  'interop: recorded hubble observe -o json → stand-in → wire → our client',
  () => {
    let sim: HubbleRelaySim;
    let client: HubbleRelayClient;
    let timeline: Timeline | undefined;
    // Thousands of recorded flows over a real gRPC stream: more than Jest's
    // 5 s default on a loaded 2-core machine (it timed out once in CI).
    jest.setTimeout(60000);

    beforeEach(async () => {
      sim = new HubbleRelaySim({ bufferCapacity: 65535 });
    });

    afterEach(async () => {
      timeline?.stop();
      client?.close();
      await sim.close();
    });

    it('delivers every corpus flow with every field intact (follow stream)', async () => {
      const files = listCaptureFiles([corpus!]);
      expect(files.length).toBeGreaterThanOrEqual(10);
      const lines = readCaptures([corpus!]);
      expect(lines.length).toBeGreaterThan(1900);

      const port = await sim.listen('127.0.0.1:0');
      client = new HubbleRelayClient({ address: `127.0.0.1:${port}` });
      const received: LeanFlow[] = [];
      const stream = client.follow();
      const connected = new Promise<void>(resolve =>
        stream.once('connected', () => resolve()),
      );
      const all = new Promise<void>(resolve =>
        stream.on('flow', f => {
          received.push(f);
          if (received.length === lines.length) resolve();
        }),
      );
      await connected;
      timeline = new Timeline(
        sim,
        new ReplayGenerator(lines, { timestamps: 'original' }),
        {
          rate: 20000,
        },
      );
      timeline.start();
      await all;

      expect(received).toHaveLength(lines.length);
      for (let i = 0; i < lines.length; i++) {
        // Full decode of the bytes the client kept must equal the captured flow.
        expect(flowToJson(received[i].raw)).toEqual(lines[i].flow);
        // And the lean summary must agree with the capture.
        const flow = lines[i].flow!;
        expect(received[i].uuid).toBe(flow.uuid ?? '');
        expect(received[i].verdict).toBe(flow.verdict ?? 'VERDICT_UNKNOWN');
        expect(received[i].source.podName).toBe(flow.source?.pod_name ?? '');
        expect(received[i].destination.labels).toEqual(
          flow.destination?.labels ?? [],
        );
        expect(received[i].isReply).toBe(flow.is_reply);
      }
      const status = stream.status();
      expect(status.duplicatesDropped).toBe(0);
      expect(status.flowsReceived).toBe(lines.length);
    });

    it('returns byte-for-byte the same GetFlowsResponse lines for a finite request', async () => {
      const lines = readCaptures([corpus!]);
      for (const line of lines) sim.publish(HubbleRelaySim.event(line));
      const port = await sim.listen('127.0.0.1:0');
      client = new HubbleRelayClient({ address: `127.0.0.1:${port}` });
      const result = await client.getFlows({
        number: String(lines.length),
        first: true,
      });
      expect(result.flows).toHaveLength(lines.length);
      expect(result.nodeStatus[0]).toMatchObject({
        state: 'NODE_CONNECTED',
        nodeNames: ['sim-node-1'],
      });
      expect(result.flows.map(f => flowToJson(f.raw))).toEqual(
        lines.map(l => l.flow),
      );

      // The whole response (node_name and time sit outside the oneof) through a
      // plain grpc-js call with the request encoded from protojson.
      const raw = new grpc.Client(
        `127.0.0.1:${port}`,
        grpc.credentials.createInsecure(),
      );
      const responses: GetFlowsResponseJson[] = [];
      await new Promise<void>((resolve, reject) => {
        const call = raw.makeServerStreamRequest<Buffer, Buffer>(
          '/observer.Observer/GetFlows',
          b => b,
          b => b,
          encodeGetFlowsRequest({ number: String(lines.length), first: true }),
          new grpc.Metadata(),
          {},
        );
        call.on('data', (b: Buffer) =>
          responses.push(getFlowsResponseToJson(b)),
        );
        call.on('error', reject);
        call.on('end', () => resolve());
      });
      raw.close();
      expect(responses[0].node_status?.state_change).toBe('NODE_CONNECTED');
      expect(responses.slice(1)).toEqual(lines);
    });

    it('serves a client built the usual way: @grpc/proto-loader over our .proto files', async () => {
      const lines = readCaptures([corpus!]).slice(0, 50);
      for (const line of lines) sim.publish(HubbleRelaySim.event(line));
      const port = await sim.listen('127.0.0.1:0');
      const definition = protoLoader.loadSync('observer/observer.proto', {
        includeDirs: [hubbleProtoDir()],
        keepCase: true,
        longs: String,
        enums: String,
        defaults: false,
        oneofs: true,
      });
      const pkg = grpc.loadPackageDefinition(definition) as any;
      const stub = new pkg.observer.Observer(
        `127.0.0.1:${port}`,
        grpc.credentials.createInsecure(),
      );
      const got: any[] = [];
      await new Promise<void>((resolve, reject) => {
        const call = stub.GetFlows({ number: '10' });
        call.on('data', (r: any) => got.push(r));
        call.on('error', reject);
        call.on('end', () => resolve());
      });
      const status = await new Promise<any>((resolve, reject) =>
        stub.ServerStatus({}, (err: Error | null, r: any) =>
          err ? reject(err) : resolve(r),
        ),
      );
      stub.close();
      expect(got[0].response_types).toBe('node_status');
      expect(got.slice(1).map(r => r.flow.uuid ?? '')).toEqual(
        lines.slice(-10).map(l => l.flow?.uuid ?? ''),
      );
      expect(got.slice(1).map(r => r.flow.verdict)).toEqual(
        lines.slice(-10).map(l => l.flow?.verdict),
      );
      expect(status.num_flows).toBe('50');
      expect(status.num_connected_nodes).toEqual({ value: 1 });
    });
  },
);
