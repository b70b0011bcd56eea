import * as grpc from '@grpc/grpc-js';
import { EventEmitter } from 'node:events';
import { backoffDelay, BackoffOptions } from './backoff';
import type { HubbleClock, HubbleLogger } from './HubbleRelayClient';
import type { LeanResponse } from './ingest/decodeFlowFast';
import { formatTimestamp } from './protojson/protojson';
import { RecentFlowKeys } from './recentFlowKeys';
import type {
  FlowFilterJson,
  GetFlowsRequestJson,
  LeanFlow,
  LostEventsEvent,
  NodeStatusEvent,
} from './types';

/** What a follow stream asks Relay for. @public */
export interface FlowStreamRequest {
  /** Relay-side allow-list (any filter matches), e.g. `[{ source_pod: ['shop/'] }, { destination_pod: ['shop/'] }]`. */
  whitelist?: FlowFilterJson[];
  /** Relay-side deny-list. */
  blacklist?: FlowFilterJson[];
  /** Historic flows to replay first (per node through Relay); only on the first connection. */
  number?: number;
  /** Start from this time instead (RFC 3339 or Date); only until the first flow arrives. */
  since?: string | Date;
  /**
   * Flow field mask (proto paths like `source.pod_name`); `time` and `uuid` are
   * always added because resume and de-duplication need them.
   */
  fieldMask?: string[];
}

/** A period without a stream, reported when the stream is back. @public */
export interface FlowGap {
  /** When the previous stream broke (client clock, RFC 3339). */
  disconnectedAt: string;
  /** When the new stream answered. */
  reconnectedAt: string;
  durationMs: number;
  /** Newest flow time seen before the break. */
  lastFlowTime?: string;
  /** The `since` the new stream asked for. */
  resumedSince?: string;
  /** The gRPC error that ended the previous stream. */
  reason: string;
  /** Connection attempts it took. */
  attempts: number;
}

/** @public */
export interface FlowStreamError {
  code?: number;
  message: string;
  at: string;
}

/** @public */
export interface FlowStreamStatus {
  state: 'connecting' | 'connected' | 'backoff' | 'stopped' | 'failed';
  /** Successful (re)connections so far. */
  connects: number;
  /** Failed or broken calls so far. */
  disconnects: number;
  /** Current reconnect attempt (0 when connected). */
  attempt: number;
  connectedSince?: string;
  flowsReceived: number;
  duplicatesDropped: number;
  decodeErrors: number;
  /** Sum of LostEvent.num_events_lost received. */
  eventsLost: number;
  lastFlowTime?: string;
  lastError?: FlowStreamError;
  /** Latest state per node from Relay's node_status messages. */
  nodes: Record<string, { state: string; message?: string; at: string }>;
  /** Recent NODE_ERROR messages (newest last, at most 20). */
  nodeErrors: Array<{ nodeNames: string[]; message: string; at: string }>;
  /** Recent gaps (newest last, at most 50). */
  gaps: FlowGap[];
}

/** @public */
export interface FlowStreamConnectedEvent {
  connects: number;
  since?: string;
}

/** @public */
export interface FlowStreamDisconnectedEvent {
  code?: number;
  message: string;
  attempt: number;
  retryInMs: number;
}

/** Internal wiring between a stream and its client. */
export interface FlowStreamDeps {
  open(request: GetFlowsRequestJson): grpc.ClientReadableStream<Buffer>;
  decode(message: Buffer): LeanResponse;
  contentKey(raw: Buffer): string;
  onStopped(stream: FlowStream): void;
}

/** Internal settings, filled from the client options. */
export interface FlowStreamSettings {
  backoff: BackoffOptions;
  clock: HubbleClock;
  random: () => number;
  dedupCapacity: number;
  resumeOverlapMs: number;
  logger?: HubbleLogger;
}

/** Errors that retrying cannot fix: the stream stops with a `failed` event. */
const FATAL_CODES = new Set<number>([
  grpc.status.INVALID_ARGUMENT,
  grpc.status.UNIMPLEMENTED,
  grpc.status.PERMISSION_DENIED,
  grpc.status.UNAUTHENTICATED,
]);

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * A long-lived `GetFlows(follow)` stream from {@link HubbleRelayClient.follow}.
 *
 * Events:
 * - `flow` (flow: LeanFlow) — each flow once, in arrival order;
 * - `nodeStatus` (event: NodeStatusEvent) — Relay's node_status, including NODE_ERROR;
 * - `lostEvents` (event: LostEventsEvent) — Hubble's LostEvent notifications;
 * - `connected` (event: FlowStreamConnectedEvent);
 * - `disconnected` (event: FlowStreamDisconnectedEvent) — a retry is scheduled;
 * - `gap` (gap: FlowGap) — emitted when the stream is back after a break;
 * - `failed` (error: FlowStreamError) — a non-retryable error; the stream stopped;
 * - `end` — after `cancel()`.
 * @public
 */
export class FlowStream extends EventEmitter {
  private call: grpc.ClientReadableStream<Buffer> | undefined;
  private timer: unknown;
  private cancelled = false;
  private readonly recent: RecentFlowKeys;
  private readonly request: FlowStreamRequest;
  private newestSec = -1;
  private newestNanos = 0;
  private newestMicros = 0;
  // Flows at or before this time may be duplicates on a resumed stream.
  private resumeSec = -1;
  private resumeNanos = 0;
  private pendingGap: Omit<FlowGap, 'reconnectedAt' | 'durationMs'> & {
    disconnectedMs: number;
  } = undefined as never;
  private hasPendingGap = false;
  private currentSince: string | undefined;
  private readonly info: FlowStreamStatus = {
    state: 'connecting',
    connects: 0,
    disconnects: 0,
    attempt: 0,
    flowsReceived: 0,
    duplicatesDropped: 0,
    decodeErrors: 0,
    eventsLost: 0,
    nodes: {},
    nodeErrors: [],
    gaps: [],
  };

  /** @internal */
  constructor(
    private readonly deps: FlowStreamDeps,
    request: FlowStreamRequest,
    private readonly settings: FlowStreamSettings,
  ) {
    super();
    this.request = { ...request };
    this.recent = new RecentFlowKeys(
      settings.dedupCapacity,
      (settings.resumeOverlapMs + 2000) * 1000,
    );
  }

  /** A snapshot of the stream's health, for status pages. */
  status(): FlowStreamStatus {
    return {
      ...this.info,
      lastFlowTime:
        this.newestSec >= 0
          ? formatTimestamp(this.newestSec, this.newestNanos)
          : undefined,
      nodes: { ...this.info.nodes },
      nodeErrors: [...this.info.nodeErrors],
      gaps: [...this.info.gaps],
    };
  }

  /** Stops the stream; emits `end`. Safe to call more than once. */
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    if (this.timer !== undefined) {
      this.settings.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
    const call = this.call;
    this.call = undefined;
    if (call) {
      call.cancel();
    }
    this.stop('stopped');
  }

  /**
   * Follows with other Relay-side filters (e.g. when the set of namespaces of
   * interest changed): the current call is replaced by one that resumes at
   * the newest flow seen, and the duplicate filter carries over, so a flow at
   * exactly that time (Relay's `since` includes it) is not delivered twice.
   */
  setFilters(
    filters: Pick<FlowStreamRequest, 'whitelist' | 'blacklist'>,
  ): void {
    if (this.cancelled) return;
    this.request.whitelist = filters.whitelist;
    this.request.blacklist = filters.blacklist;
    if (this.timer !== undefined) {
      // In back-off: the next attempt already uses the new filters.
      return;
    }
    const call = this.call;
    this.call = undefined;
    call?.cancel();
    if (this.newestSec >= 0) {
      this.resumeSec = this.newestSec;
      this.resumeNanos = this.newestNanos;
    }
    this.connect();
  }

  /** @internal */
  start(): void {
    this.connect();
  }

  private stop(state: 'stopped' | 'failed'): void {
    this.info.state = state;
    this.deps.onStopped(this);
    if (state === 'stopped') {
      this.emit('end');
    }
  }

  private buildRequest(): GetFlowsRequestJson {
    const req: GetFlowsRequestJson = { follow: true };
    if (this.request.whitelist?.length) req.whitelist = this.request.whitelist;
    if (this.request.blacklist?.length) req.blacklist = this.request.blacklist;
    if (this.request.fieldMask?.length) {
      const paths = new Set(this.request.fieldMask);
      paths.add('time');
      paths.add('uuid');
      req.field_mask = [...paths].join(',');
    }
    if (this.newestSec >= 0) {
      // Resume from the last flow time (minus the optional overlap).
      let sec = this.newestSec;
      let nanos = this.newestNanos - this.settings.resumeOverlapMs * 1e6;
      while (nanos < 0) {
        nanos += 1e9;
        sec -= 1;
      }
      req.since = formatTimestamp(sec, nanos);
    } else if (this.request.since !== undefined) {
      req.since =
        this.request.since instanceof Date
          ? this.request.since.toISOString()
          : this.request.since;
    } else if (this.request.number) {
      req.number = String(this.request.number);
    }
    return req;
  }

  private connect(): void {
    this.timer = undefined;
    if (this.cancelled) return;
    this.info.state = 'connecting';
    const request = this.buildRequest();
    this.currentSince = request.since;
    let connected = false;
    let call: grpc.ClientReadableStream<Buffer>;
    try {
      call = this.deps.open(request);
    } catch (e) {
      this.fail({ message: String(e), at: iso(this.settings.clock.now()) });
      return;
    }
    this.call = call;
    const markConnected = () => {
      if (connected || this.call !== call) return;
      connected = true;
      this.onConnected();
    };
    call.on('metadata', markConnected);
    call.on('data', (message: Buffer) => {
      if (this.call !== call) return;
      if (!connected) markConnected();
      this.onMessage(message);
    });
    // 'error' carries the same status as 'status'; handled there.
    call.on('error', () => undefined);
    call.on('status', (status: grpc.StatusObject) => {
      if (this.call !== call) return;
      this.call = undefined;
      this.onCallEnded(status);
    });
  }

  private onConnected(): void {
    const now = this.settings.clock.now();
    this.info.state = 'connected';
    this.info.connects++;
    this.info.attempt = 0;
    this.info.connectedSince = iso(now);
    if (this.hasPendingGap) {
      this.hasPendingGap = false;
      const { disconnectedMs, ...rest } = this.pendingGap;
      const gap: FlowGap = {
        ...rest,
        reconnectedAt: iso(now),
        durationMs: now - disconnectedMs,
        resumedSince: this.currentSince,
      };
      this.info.gaps.push(gap);
      if (this.info.gaps.length > 50) this.info.gaps.shift();
      this.emit('gap', gap);
    }
    const event: FlowStreamConnectedEvent = {
      connects: this.info.connects,
      since: this.currentSince,
    };
    this.emit('connected', event);
  }

  private onMessage(message: Buffer): void {
    let r: LeanResponse;
    try {
      r = this.deps.decode(message);
    } catch (e) {
      this.info.decodeErrors++;
      if (this.info.decodeErrors <= 5) {
        this.settings.logger?.warn(
          `Hubble: undecodable GetFlowsResponse: ${e}`,
        );
      }
      return;
    }
    if (r.kind === 'flow') {
      this.onFlow(r.flow);
    } else if (r.kind === 'node_status') {
      this.onNodeStatus(r.event);
    } else if (r.kind === 'lost_events') {
      this.info.eventsLost += r.event.numEventsLost;
      this.emit('lostEvents', r.event as LostEventsEvent);
    }
  }

  private onFlow(flow: LeanFlow): void {
    const sec = flow.timeSeconds;
    const nanos = flow.timeNanos;
    const micros = sec * 1e6 + Math.floor(nanos / 1000);
    const key = flow.uuid || this.deps.contentKey(flow.raw);
    if (
      this.resumeSec >= 0 &&
      (sec < this.resumeSec ||
        (sec === this.resumeSec && nanos <= this.resumeNanos)) &&
      this.recent.has(key)
    ) {
      this.info.duplicatesDropped++;
      return;
    }
    if (
      sec > this.newestSec ||
      (sec === this.newestSec && nanos > this.newestNanos)
    ) {
      this.newestSec = sec;
      this.newestNanos = nanos;
      this.newestMicros = micros;
    }
    this.recent.add(key, micros, this.newestMicros);
    this.info.flowsReceived++;
    this.emit('flow', flow);
  }

  private onNodeStatus(event: NodeStatusEvent): void {
    const at = event.time || iso(this.settings.clock.now());
    for (const name of event.nodeNames) {
      this.info.nodes[name] = {
        state: event.state,
        ...(event.message ? { message: event.message } : {}),
        at,
      };
    }
    if (event.state === 'NODE_ERROR') {
      this.info.nodeErrors.push({
        nodeNames: event.nodeNames,
        message: event.message,
        at,
      });
      if (this.info.nodeErrors.length > 20) this.info.nodeErrors.shift();
      this.settings.logger?.warn(
        `Hubble Relay NODE_ERROR from ${event.nodeNames.join(', ')}: ${
          event.message
        }`,
      );
    }
    this.emit('nodeStatus', event);
  }

  private fail(error: FlowStreamError): void {
    this.info.lastError = error;
    this.stop('failed');
    this.emit('failed', error);
  }

  private onCallEnded(status: grpc.StatusObject): void {
    if (this.cancelled) return;
    const now = this.settings.clock.now();
    const error: FlowStreamError = {
      code: status.code,
      message:
        status.code === grpc.status.OK
          ? 'stream ended by the server'
          : `${grpc.status[status.code] ?? status.code}: ${status.details}`,
      at: iso(now),
    };
    this.info.lastError = error;
    this.info.disconnects++;
    if (FATAL_CODES.has(status.code)) {
      this.settings.logger?.warn(`Hubble GetFlows failed: ${error.message}`);
      this.fail(error);
      return;
    }
    if (!this.hasPendingGap) {
      this.hasPendingGap = true;
      this.pendingGap = {
        disconnectedAt: iso(now),
        disconnectedMs: now,
        lastFlowTime:
          this.newestSec >= 0
            ? formatTimestamp(this.newestSec, this.newestNanos)
            : undefined,
        reason: error.message,
        attempts: 0,
      };
    }
    this.pendingGap.attempts++;
    // Everything up to the newest flow seen so far may come again.
    if (this.newestSec >= 0) {
      this.resumeSec = this.newestSec;
      this.resumeNanos = this.newestNanos;
    }
    this.info.attempt++;
    const retryInMs = backoffDelay(
      this.info.attempt,
      this.settings.backoff,
      this.settings.random,
    );
    this.info.state = 'backoff';
    const event: FlowStreamDisconnectedEvent = {
      code: status.code,
      message: error.message,
      attempt: this.info.attempt,
      retryInMs,
    };
    if (this.info.attempt === 1) {
      this.settings.logger?.warn(
        `Hubble GetFlows stream broke (${error.message}); reconnecting`,
      );
    }
    this.emit('disconnected', event);
    this.timer = this.settings.clock.setTimeout(
      () => this.connect(),
      retryInMs,
    );
  }

  // Typed listener helpers.
  on(event: 'flow', listener: (flow: LeanFlow) => void): this;
  on(event: 'nodeStatus', listener: (event: NodeStatusEvent) => void): this;
  on(event: 'lostEvents', listener: (event: LostEventsEvent) => void): this;
  on(
    event: 'connected',
    listener: (event: FlowStreamConnectedEvent) => void,
  ): this;
  on(
    event: 'disconnected',
    listener: (event: FlowStreamDisconnectedEvent) => void,
  ): this;
  on(event: 'gap', listener: (gap: FlowGap) => void): this;
  on(event: 'failed', listener: (error: FlowStreamError) => void): this;
  on(event: 'end', listener: () => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this {
    return super.on(event, listener);
  }
}
