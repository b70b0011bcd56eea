import * as grpc from '@grpc/grpc-js';
import { createHash } from 'node:crypto';
import { BackoffOptions } from './backoff';
import { FlowStream, FlowStreamRequest } from './FlowStream';
import {
  decodeGetFlowsResponseLean,
  LeanResponse,
} from './ingest/decodeFlowFast';
import {
  decodeGetNodesResponse,
  decodeServerStatusResponse,
  EMPTY_MESSAGE,
  encodeGetFlowsRequest,
} from './protojson/observerMessages';
import {
  createHubbleCredentials,
  HubbleTlsOptions,
  parseHubbleAddress,
} from './tls';
import type {
  GetFlowsRequestJson,
  LeanFlow,
  LostEventsEvent,
  NodeJson,
  NodeStatusEvent,
  ServerStatusResponseJson,
} from './types';

/** Timers and wall clock, injectable for tests. @public */
export interface HubbleClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** @public */
export const systemClock: HubbleClock = {
  now: () => Date.now(),
  setTimeout: (cb, ms) => setTimeout(cb, ms),
  clearTimeout: handle => clearTimeout(handle as NodeJS.Timeout),
};

/** Minimal logger (Backstage's LoggerService fits). @public */
export interface HubbleLogger {
  info(message: string, meta?: object): void;
  warn(message: string, meta?: object): void;
}

/** @public */
export interface HubbleRelayClientOptions {
  /** `host:port`, `tls://host:port` or `unix:///path`; default port 4245. */
  address: string;
  tls?: HubbleTlsOptions;
  /** Reconnect back-off of follow streams. */
  backoff?: BackoffOptions;
  /** Deadline of unary calls (ServerStatus, GetNodes), default 12 s like the CLI. */
  requestTimeoutMs?: number;
  /** How many recent flow keys to remember for de-duplication, default 50000. */
  dedupCapacity?: number;
  /**
   * Resume `since` this many ms before the newest flow seen (default 0: exactly
   * the last flow time, as the issue asks). A larger overlap also recovers flows
   * Relay delivered out of order; duplicates are dropped either way.
   */
  resumeOverlapMs?: number;
  /** Extra grpc-js channel options (merged over our defaults). */
  channelOptions?: grpc.ChannelOptions;
  /** gRPC metadata sent with every call (e.g. authorization). */
  metadata?: Record<string, string>;
  clock?: HubbleClock;
  /** Random source for jitter, default Math.random. */
  random?: () => number;
  logger?: HubbleLogger;
}

/** Default grpc-js channel options: a 4 MiB flow-control window (grpc-js does not auto-tune it). @public */
export const DEFAULT_HUBBLE_CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc-node.flow_control_window': 4 * 1024 * 1024,
  'grpc.max_receive_message_length': 16 * 1024 * 1024,
  'grpc.keepalive_time_ms': 30000,
  'grpc.keepalive_timeout_ms': 10000,
  'grpc.keepalive_permit_without_calls': 1,
};

const passThrough = (value: Buffer): Buffer => value;

/**
 * A client for Hubble Relay's `observer.Observer` service (or for our
 * hubble-relay-sim stand-in). Flows are read with the lean decoder: each
 * delivered {@link LeanFlow} carries the summary fields and the raw flow bytes
 * (`flowToJson(flow.raw)` gives the full `hubble observe -o json` shape).
 * @public
 */
export class HubbleRelayClient {
  private readonly client: grpc.Client;
  private readonly streams = new Set<FlowStream>();
  readonly target: string;

  constructor(readonly options: HubbleRelayClientOptions) {
    const address = parseHubbleAddress(options.address);
    this.target = address.target;
    const { credentials, channelOptions } = createHubbleCredentials(
      address,
      options.tls,
    );
    const initial = options.backoff?.initialMs ?? 1000;
    const max = options.backoff?.maxMs ?? 30000;
    this.client = new grpc.Client(address.target, credentials, {
      ...DEFAULT_HUBBLE_CHANNEL_OPTIONS,
      // Keep grpc-js's own reconnect back-off in step with ours.
      'grpc.initial_reconnect_backoff_ms': initial,
      'grpc.max_reconnect_backoff_ms': max,
      ...channelOptions,
      ...options.channelOptions,
    });
  }

  /** `observer.Observer/ServerStatus`. */
  async serverStatus(): Promise<ServerStatusResponseJson> {
    const bytes = await this.unary('/observer.Observer/ServerStatus');
    return decodeServerStatusResponse(bytes);
  }

  /** `observer.Observer/GetNodes` (Relay only; a single node answers UNIMPLEMENTED). */
  async getNodes(): Promise<NodeJson[]> {
    const bytes = await this.unary('/observer.Observer/GetNodes');
    return decodeGetNodesResponse(bytes).nodes ?? [];
  }

  /**
   * A finite GetFlows call (no follow, no reconnect): collects the flows,
   * node status and lost events of e.g. `{ number: 100 }`.
   */
  async getFlows(
    request: GetFlowsRequestJson,
    options?: { timeoutMs?: number },
  ): Promise<{
    flows: LeanFlow[];
    nodeStatus: NodeStatusEvent[];
    lostEvents: LostEventsEvent[];
  }> {
    if (request.follow) {
      throw new Error(
        'getFlows is for finite requests; use follow() to follow',
      );
    }
    const flows: LeanFlow[] = [];
    const nodeStatus: NodeStatusEvent[] = [];
    const lostEvents: LostEventsEvent[] = [];
    const call = this.openGetFlows(request, options?.timeoutMs);
    await new Promise<void>((resolve, reject) => {
      call.on('data', (message: Buffer) => {
        try {
          const r = decodeGetFlowsResponseLean(message);
          if (r.kind === 'flow') flows.push(r.flow);
          else if (r.kind === 'node_status') nodeStatus.push(r.event);
          else if (r.kind === 'lost_events') lostEvents.push(r.event);
        } catch (e) {
          call.cancel();
          reject(e);
        }
      });
      call.on('error', reject);
      call.on('end', () => resolve());
    });
    return { flows, nodeStatus, lostEvents };
  }

  /**
   * Opens a long-lived `GetFlows(follow)` stream that reconnects with
   * exponential back-off and jitter, resumes with `since` = the last flow time
   * and de-duplicates by flow uuid. Listen to its events, then keep it until
   * `cancel()`.
   */
  follow(request: FlowStreamRequest = {}): FlowStream {
    const stream = new FlowStream(
      {
        open: (req: GetFlowsRequestJson) => this.openGetFlows(req),
        decode: (message: Buffer): LeanResponse =>
          decodeGetFlowsResponseLean(message),
        contentKey: (raw: Buffer) =>
          createHash('sha1').update(raw).digest('base64'),
        onStopped: s => this.streams.delete(s),
      },
      request,
      {
        backoff: this.options.backoff ?? {},
        clock: this.options.clock ?? systemClock,
        random: this.options.random ?? Math.random,
        dedupCapacity: this.options.dedupCapacity ?? 50000,
        resumeOverlapMs: this.options.resumeOverlapMs ?? 0,
        logger: this.options.logger,
      },
    );
    this.streams.add(stream);
    stream.start();
    return stream;
  }

  /** Cancels every open stream and closes the channel. */
  close(): void {
    for (const s of [...this.streams]) {
      s.cancel();
    }
    this.client.close();
  }

  private metadata(): grpc.Metadata {
    const md = new grpc.Metadata();
    for (const [k, v] of Object.entries(this.options.metadata ?? {})) {
      md.set(k, v);
    }
    return md;
  }

  private openGetFlows(
    request: GetFlowsRequestJson,
    timeoutMs?: number,
  ): grpc.ClientReadableStream<Buffer> {
    const payload = encodeGetFlowsRequest(request);
    const callOptions: grpc.CallOptions = {};
    if (timeoutMs) callOptions.deadline = Date.now() + timeoutMs;
    return this.client.makeServerStreamRequest<Buffer, Buffer>(
      '/observer.Observer/GetFlows',
      passThrough,
      passThrough,
      payload,
      this.metadata(),
      callOptions,
    );
  }

  private unary(path: string): Promise<Buffer> {
    const deadline = Date.now() + (this.options.requestTimeoutMs ?? 12000);
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest<Buffer, Buffer>(
        path,
        passThrough,
        passThrough,
        EMPTY_MESSAGE,
        this.metadata(),
        { deadline },
        (err, value) => (err ? reject(err) : resolve(value as Buffer)),
      );
    });
  }
}
