import {
  FlowRecord,
  FlowStreamBatch,
} from '@cilium-zero-trust/plugin-cilium-common';
import { RingBuffer } from './RingBuffer';

/**
 * One browser's subscription to an entity's flows: a bounded queue that drops
 * the oldest flows when the reader falls behind, sent as batches at most once
 * per flush interval (250 ms: at most 4 a second).
 *
 * Batches go out as early as that bound allows: a flow arriving after a quiet
 * spell is sent at once, and under steady traffic a batch follows the
 * previous one after exactly one interval (the next send is timed from the
 * previous send, measured on the monotonic clock, so a timer that fires a
 * little early is re-armed rather than breaking the bound). No timer runs
 * while there is nothing to send.
 */
export class FlowSubscriber {
  private readonly queue: RingBuffer<FlowRecord>;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private lost = 0;
  private readonly onDrop: (() => void) | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  /** True while the connection's write buffer is full (waiting for `drain`). */
  private blocked = false;
  /** Monotonic time of the last batch sent. */
  private lastSentAt = -Infinity;

  constructor(
    private readonly send: (batch: FlowStreamBatch) => boolean | void,
    options: {
      maxQueued: number;
      flushIntervalMs: number;
      now?: () => number;
      /** Called for each flow dropped from the full queue (for metrics). */
      onDrop?: () => void;
    },
  ) {
    this.queue = new RingBuffer(options.maxQueued);
    this.intervalMs = options.flushIntervalMs;
    this.now = options.now ?? (() => performance.now());
    this.onDrop = options.onDrop;
  }

  /** Queues a flow; when the queue is full the oldest is dropped and counted. */
  offer(record: FlowRecord): void {
    if (this.closed) return;
    if (this.queue.push(record) !== undefined) {
      this.lost++;
      this.onDrop?.();
    }
    this.schedule();
  }

  /** Arms the timer for the earliest moment the next batch may go. */
  private schedule(): void {
    if (this.timer !== undefined || this.closed || this.blocked) return;
    const wait = Math.max(0, this.lastSentAt + this.intervalMs - this.now());
    this.timer = setTimeout(this.onTimer, Math.ceil(wait));
    this.timer.unref?.();
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    if (this.now() - this.lastSentAt < this.intervalMs) {
      // Timers round to whole milliseconds; never send early.
      this.schedule();
      return;
    }
    this.flush();
  };

  /**
   * Sends what is queued as one batch (nothing when there is nothing to say).
   * While the connection cannot take more, flows stay queued (and the oldest
   * are dropped and counted) until {@link FlowSubscriber.resume}.
   */
  private flush(): void {
    if (
      this.closed ||
      this.blocked ||
      (this.queue.length === 0 && this.lost === 0)
    )
      return;
    const batch: FlowStreamBatch = {
      flows: this.queue.toArray(),
      lost: this.lost,
      sentAt: new Date().toISOString(),
    };
    this.queue.clear();
    this.lost = 0;
    this.lastSentAt = this.now();
    if (this.send(batch) === false) this.blocked = true;
  }

  /** The connection drained its write buffer: batches may flow again. */
  resume(): void {
    if (!this.blocked) return;
    this.blocked = false;
    if (this.queue.length > 0 || this.lost > 0) this.schedule();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
