import * as grpc from '@grpc/grpc-js';
import {
  formatTimestamp,
  parseTimestamp,
} from '@cilium-zero-trust/plugin-cilium-node';
import type {
  FlowJson,
  GetFlowsRequestJson,
  GetFlowsResponseJson,
} from '@cilium-zero-trust/plugin-cilium-node';
import { compileFlowFilters, FilterError } from './filters';
import { applyFieldMask } from './fieldMask';
import {
  decodeGetFlowsRequest,
  encodeGetFlowsResponse,
  encodeGetNodesResponse,
  encodeServerStatusResponse,
} from './relayCodec';

/**
 * A Hubble Relay stand-in: a real gRPC server for `observer.Observer`
 * (GetFlows with follow, number/first, since/until and filters; ServerStatus;
 * GetNodes), speaking the wire format of our .proto subset in
 * @cilium-zero-trust/plugin-cilium-node (compatible with Cilium 1.19). Flows are
 * published into a ring buffer by a generator (synthetic or replay) and fanned
 * out to following clients as pre-encoded bytes.
 */

/**
 * One buffered event: its protojson (for filters) and its encoded bytes.
 *
 * @public
 */
export interface SimEvent {
  json: GetFlowsResponseJson;
  bytes: Buffer;
  sec: number;
  nanos: number;
}

/** @public */
export interface RelaySimTlsOptions {
  cert: Buffer;
  key: Buffer;
  /** CA for client certificates (mTLS). */
  clientCa?: Buffer;
  requireClientCert?: boolean;
}

/** @public */
export interface HubbleRelaySimOptions {
  /** Relay's own name (GetFlowsResponse.node_name of node_status messages). */
  relayName?: string;
  /** Simulated Hubble nodes. */
  nodes?: string[];
  version?: string;
  /** Ring buffer capacity (flows kept for number/since requests). */
  bufferCapacity?: number;
  /** Per-follower backlog (messages) before flows are dropped and reported as lost. */
  maxBacklog?: number;
  tls?: RelaySimTlsOptions;
  /** Wall clock (ms), injectable for tests. */
  now?: () => number;
}

interface Follower {
  call: grpc.ServerWritableStream<Buffer, Buffer>;
  match: (flow: FlowJson) => boolean;
  fieldMask?: string[];
  lost: number;
}

const identity = (b: Buffer): Buffer => b;

function method(
  path: string,
  responseStream: boolean,
): grpc.MethodDefinition<Buffer, Buffer> {
  return {
    path,
    requestStream: false,
    responseStream,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  };
}

/**
 * The observer.Observer service definition with pass-through (de)serializers.
 *
 * @public
 */
export const OBSERVER_SERVICE: grpc.ServiceDefinition = {
  GetFlows: method('/observer.Observer/GetFlows', true),
  GetNodes: method('/observer.Observer/GetNodes', false),
  ServerStatus: method('/observer.Observer/ServerStatus', false),
};

/**
 * Bench mode: stream pre-encoded messages as fast as the transport takes them.
 *
 * @public
 */
export interface BenchPool {
  events: SimEvent[];
}

/** @public */
export class HubbleRelaySim {
  readonly relayName: string;
  readonly nodes: string[];
  readonly version: string;
  private readonly capacity: number;
  private readonly maxBacklog: number;
  private readonly ring: SimEvent[] = [];
  private ringStart = 0;
  private readonly followers = new Set<Follower>();
  private server: grpc.Server | undefined;
  private seen = 0;
  private readonly startedMs: number;
  private readonly now: () => number;
  private readonly rateWindow: number[] = [];
  private benchPool: BenchPool | undefined;

  constructor(private readonly options: HubbleRelaySimOptions = {}) {
    this.relayName = options.relayName ?? 'hubble-relay-sim';
    this.nodes = options.nodes ?? ['sim-node-1'];
    this.version = options.version ?? '1.19.4+hubble-relay-sim';
    this.capacity = options.bufferCapacity ?? 16383;
    this.maxBacklog = options.maxBacklog ?? 20000;
    this.now = options.now ?? Date.now;
    this.startedMs = this.now();
  }

  /** Starts serving; returns the bound port (use port 0 for a random one). */
  async listen(address = '127.0.0.1:4245'): Promise<number> {
    const server = new grpc.Server({
      'grpc-node.flow_control_window': 8 * 1024 * 1024,
      'grpc.max_send_message_length': 16 * 1024 * 1024,
    } as grpc.ServerOptions);
    server.addService(OBSERVER_SERVICE, {
      GetFlows: (call: grpc.ServerWritableStream<Buffer, Buffer>) =>
        this.getFlows(call),
      GetNodes: (
        _call: grpc.ServerUnaryCall<Buffer, Buffer>,
        cb: grpc.sendUnaryData<Buffer>,
      ) => cb(null, this.getNodes()),
      ServerStatus: (
        _call: grpc.ServerUnaryCall<Buffer, Buffer>,
        cb: grpc.sendUnaryData<Buffer>,
      ) => cb(null, this.serverStatus()),
    });
    const tls = this.options.tls;
    const credentials = tls
      ? grpc.ServerCredentials.createSsl(
          tls.clientCa ?? null,
          [{ private_key: tls.key, cert_chain: tls.cert }],
          tls.requireClientCert ?? false,
        )
      : grpc.ServerCredentials.createInsecure();
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(address, credentials, (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    this.server = server;
    return port;
  }

  /** Stops the server, ending every open stream. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const f of this.followers) {
      f.call.end();
    }
    this.followers.clear();
    if (!server) return;
    await new Promise<void>(resolve => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, 1000);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Number of flows published since start. */
  get seenFlows(): number {
    return this.seen;
  }

  /** Flows currently buffered, oldest first. */
  buffered(): SimEvent[] {
    return this.ring
      .slice(this.ringStart)
      .concat(this.ring.slice(0, this.ringStart));
  }

  /** Builds a SimEvent (encodes once) from a GetFlowsResponse in protojson. */
  static event(json: GetFlowsResponseJson): SimEvent {
    const time = json.time ?? json.flow?.time;
    const t = time ? parseTimestamp(time) : { seconds: 0, nanos: 0 };
    return {
      json,
      bytes: encodeGetFlowsResponse(json),
      sec: t.seconds,
      nanos: t.nanos,
    };
  }

  /** Adds a flow to the ring buffer and sends it to matching followers. */
  publish(event: SimEvent): void {
    this.seen++;
    this.countRate();
    if (this.ring.length < this.capacity) {
      this.ring.push(event);
    } else {
      this.ring[this.ringStart] = event;
      this.ringStart = (this.ringStart + 1) % this.capacity;
    }
    for (const f of this.followers) {
      this.deliver(f, event);
    }
  }

  /** Sends a NODE_ERROR (or other state) node_status to every follower. */
  publishNodeStatus(
    state: string,
    nodeNames: string[],
    message?: string,
  ): void {
    const bytes = this.nodeStatusBytes(state, nodeNames, message);
    for (const f of this.followers) f.call.write(bytes);
  }

  /** Sends a lost_events notification to every follower. */
  publishLostEvents(source: string, count: number): void {
    const bytes = this.lostEventsBytes(source, count);
    for (const f of this.followers) f.call.write(bytes);
  }

  /** Number of connected GetFlows(follow) streams. */
  get followerCount(): number {
    return this.followers.size;
  }

  /** Bench mode: follow streams get `pool` in a loop, as fast as they drain. */
  setBenchPool(pool: BenchPool | undefined): void {
    this.benchPool = pool;
  }

  private countRate(): void {
    const sec = Math.floor(this.now() / 1000);
    const w = this.rateWindow;
    if (w.length === 0 || w[w.length - 2] !== sec) {
      w.push(sec, 1);
      while (w.length > 0 && w[0] < sec - 60) w.splice(0, 2);
    } else {
      w[w.length - 1]++;
    }
  }

  private nodeStatusBytes(
    state: string,
    nodeNames: string[],
    message?: string,
  ): Buffer {
    return encodeGetFlowsResponse({
      node_status: {
        state_change: state,
        node_names: nodeNames,
        ...(message ? { message } : {}),
      },
      node_name: this.relayName,
      time: this.nowTimestamp(),
    });
  }

  private lostEventsBytes(source: string, count: number): Buffer {
    return encodeGetFlowsResponse({
      lost_events: { source, num_events_lost: String(count) },
      node_name: this.relayName,
      time: this.nowTimestamp(),
    });
  }

  private nowTimestamp(): string {
    const ms = this.now();
    return formatTimestamp(Math.floor(ms / 1000), (ms % 1000) * 1e6);
  }

  private deliver(f: Follower, event: SimEvent): void {
    if (!event.json.flow || !f.match(event.json.flow)) return;
    if (f.call.writableLength >= this.maxBacklog) {
      f.lost++;
      return;
    }
    if (f.lost > 0) {
      f.call.write(this.lostEventsBytes('OBSERVER_EVENTS_QUEUE', f.lost));
      f.lost = 0;
    }
    f.call.write(f.fieldMask ? this.masked(event, f.fieldMask) : event.bytes);
  }

  private masked(event: SimEvent, paths: string[]): Buffer {
    return encodeGetFlowsResponse({
      ...event.json,
      flow: applyFieldMask(event.json.flow ?? {}, paths),
    });
  }

  private getFlows(call: grpc.ServerWritableStream<Buffer, Buffer>): void {
    let req: GetFlowsRequestJson;
    try {
      req = decodeGetFlowsRequest(call.request);
    } catch (e) {
      call.emit('error', {
        code: grpc.status.INVALID_ARGUMENT,
        details: `invalid GetFlowsRequest: ${e}`,
      });
      return;
    }
    const md = new grpc.Metadata();
    md.set('hubble-relay-version', this.version);
    call.sendMetadata(md);
    call.write(this.nodeStatusBytes('NODE_CONNECTED', this.nodes));

    let match: (flow: FlowJson) => boolean;
    try {
      match = compileFlowFilters(req.whitelist, req.blacklist);
    } catch (e) {
      if (!(e instanceof FilterError)) throw e;
      // Like Relay: each node rejects the request; the call itself succeeds.
      call.write(this.nodeStatusBytes('NODE_ERROR', this.nodes, e.message));
      call.end();
      return;
    }
    const fieldMask = req.field_mask
      ? req.field_mask.split(',').filter(Boolean)
      : undefined;

    if (this.benchPool && req.follow) {
      this.benchStream(call, match);
      return;
    }

    const since = req.since ? parseTimestamp(req.since) : undefined;
    const until =
      req.until && !req.follow ? parseTimestamp(req.until) : undefined;
    const after = (e: SimEvent, t: { seconds: number; nanos: number }) =>
      e.sec > t.seconds || (e.sec === t.seconds && e.nanos >= t.nanos);
    let history = this.buffered().filter(
      e =>
        e.json.flow &&
        (!since || after(e, since)) &&
        (!until ||
          !after(e, { seconds: until.seconds, nanos: until.nanos + 1 })) &&
        match(e.json.flow),
    );
    const number = Number(req.number ?? 0);
    if (number > 0) {
      history = req.first ? history.slice(0, number) : history.slice(-number);
    } else if (req.follow && !since) {
      history = [];
    }
    const follower: Follower = { call, match, fieldMask, lost: 0 };
    for (const e of history) {
      call.write(fieldMask ? this.masked(e, fieldMask) : e.bytes);
    }
    if (!req.follow) {
      call.end();
      return;
    }
    this.followers.add(follower);
    const remove = () => this.followers.delete(follower);
    call.on('cancelled', remove);
    call.on('close', remove);
    call.on('error', remove);
  }

  private benchStream(
    call: grpc.ServerWritableStream<Buffer, Buffer>,
    match: (flow: FlowJson) => boolean,
  ): void {
    const pool = (this.benchPool?.events ?? [])
      .filter(e => e.json.flow && match(e.json.flow))
      .map(e => e.bytes);
    if (!pool.length) {
      return;
    }
    let i = 0;
    let stopped = false;
    const stop = () => {
      stopped = true;
    };
    call.on('cancelled', stop);
    call.on('close', stop);
    call.on('error', stop);
    const pump = () => {
      while (!stopped) {
        const ok = call.write(pool[i]);
        i = i + 1 === pool.length ? 0 : i + 1;
        this.seen++;
        if (!ok) {
          call.once('drain', pump);
          return;
        }
      }
    };
    pump();
  }

  private serverStatus(): Buffer {
    const w = this.rateWindow;
    let total = 0;
    for (let i = 1; i < w.length; i += 2) total += w[i];
    return encodeServerStatusResponse({
      num_flows: String(this.ring.length),
      max_flows: String(this.capacity),
      seen_flows: String(this.seen),
      uptime_ns: String(Math.max(0, this.now() - this.startedMs) * 1e6),
      num_connected_nodes: this.nodes.length,
      num_unavailable_nodes: 0,
      version: this.version,
      flows_rate: total / 60,
    });
  }

  private getNodes(): Buffer {
    const per = Math.floor(this.ring.length / Math.max(1, this.nodes.length));
    const perCap = Math.floor(this.capacity / Math.max(1, this.nodes.length));
    return encodeGetNodesResponse({
      nodes: this.nodes.map((name, i) => ({
        name,
        version: this.version,
        address: `10.0.0.${i + 10}:4244`,
        state: 'NODE_CONNECTED',
        tls: { enabled: false },
        uptime_ns: String(Math.max(0, this.now() - this.startedMs) * 1e6),
        num_flows: String(per),
        max_flows: String(perCap),
        seen_flows: String(
          Math.floor(this.seen / Math.max(1, this.nodes.length)),
        ),
      })),
    });
  }
}
