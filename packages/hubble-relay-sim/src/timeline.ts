import { createHash } from 'node:crypto';
import { formatTimestamp } from '@cilium-zero-trust/plugin-cilium-node';
import type { GetFlowsResponseJson } from '@cilium-zero-trust/plugin-cilium-node';
import { HubbleRelaySim, SimEvent } from './server';

/**
 * Something that yields the k-th event of a deterministic sequence. `time` is
 * the timeline's time for event k (RFC 3339); generators that keep the
 * original time may ignore it. Return undefined when the sequence is over.
 *
 * @public
 */
export interface FlowGenerator {
  eventAt(k: number, time: string): GetFlowsResponseJson | undefined;
}

/** @public */
export interface TimelineOptions {
  /** Events per second. */
  rate: number;
  /** Time of event 0 (epoch ms). Default: now. Same epoch + seed = same events. */
  epochMs?: number;
  /** On start, publish the events that "already happened" since epoch (up to this many). */
  backfill?: number;
  /**
   * Timer period, default 2 ms. Event k is stamped with its timeline time and
   * published at the first tick after it, so a flow waits up to one period in
   * the stand-in before it is written (half a period on average).
   */
  tickMs?: number;
  now?: () => number;
}

/**
 * Deterministic uuid for event k of a timeline with the given seed.
 *
 * @public
 */
export function timelineUuid(seed: string | number, k: number): string {
  const h = createHash('sha1').update(`${seed}:${k}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${(
    (parseInt(h[16], 16) & 0x3) |
    0x8
  ).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * RFC 3339 time of event k: epoch + k / rate, with nanosecond precision.
 *
 * @public
 */
export function timelineTime(epochMs: number, rate: number, k: number): string {
  const intervalNs = Math.round(1e9 / rate);
  const epochSec = Math.floor(epochMs / 1000);
  const epochNanos = Math.round((epochMs - epochSec * 1000) * 1e6);
  const offset = epochNanos + k * intervalNs;
  const sec = epochSec + Math.floor(offset / 1e9);
  return formatTimestamp(sec, offset % 1e9);
}

/**
 * Publishes a generator's events into a Relay stand-in at a fixed rate on a
 * fixed timeline: event k happens at epoch + k/rate. Restarting with the same
 * epoch and generator reproduces the same events, which is what lets a client
 * resume after the stand-in restarts.
 *
 * @public
 */
export class Timeline {
  private next = 0;
  private timer: NodeJS.Timeout | undefined;
  private done = false;
  readonly epochMs: number;
  private readonly now: () => number;

  constructor(
    private readonly sim: HubbleRelaySim,
    private readonly generator: FlowGenerator,
    private readonly options: TimelineOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.epochMs = options.epochMs ?? this.now();
    if (!(options.rate > 0)) throw new Error('rate must be > 0');
  }

  /** Events published so far. */
  get published(): number {
    return this.next;
  }

  start(): void {
    const due = this.dueIndex();
    const backfill = this.options.backfill ?? 0;
    this.next = Math.max(0, due - backfill);
    this.publishUntil(due);
    this.timer = setInterval(
      () => this.publishUntil(this.dueIndex()),
      this.options.tickMs ?? 2,
    );
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Whether the generator ran out of events. */
  get finished(): boolean {
    return this.done;
  }

  private dueIndex(): number {
    return Math.floor(((this.now() - this.epochMs) * this.options.rate) / 1000);
  }

  private publishUntil(due: number): void {
    const limit = Math.min(due, this.next + 200000);
    while (!this.done && this.next < limit) {
      const k = this.next;
      const json = this.generator.eventAt(
        k,
        timelineTime(this.epochMs, this.options.rate, k),
      );
      this.next++;
      if (!json) {
        this.done = true;
        this.stop();
        break;
      }
      const event: SimEvent = HubbleRelaySim.event(json);
      this.sim.publish(event);
    }
  }
}
