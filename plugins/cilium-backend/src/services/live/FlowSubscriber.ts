import { FlowRecord, FlowStreamBatch } from '@internal/plugin-cilium-common';
import { RingBuffer } from './RingBuffer';

/**
 * One browser's subscription to an entity's flows: a bounded queue that drops
 * the oldest flows when the reader falls behind, flushed as batches at most a
 * few times a second.
 */
export class FlowSubscriber {
  private readonly queue: RingBuffer<FlowRecord>;
  private lost = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private closed = false;
  /** True while the connection's write buffer is full (waiting for `drain`). */
  private blocked = false;

  constructor(
    private readonly send: (batch: FlowStreamBatch) => boolean | void,
    options: { maxQueued: number; flushIntervalMs: number },
  ) {
    this.queue = new RingBuffer(options.maxQueued);
    this.timer = setInterval(() => this.flush(), options.flushIntervalMs);
    this.timer.unref?.();
  }

  /** Queues a flow; when the queue is full the oldest is dropped and counted. */
  offer(record: FlowRecord): void {
    if (this.closed) return;
    if (this.queue.push(record) !== undefined) this.lost++;
  }

  /**
   * Sends what is queued as one batch (nothing when there is nothing to say).
   * While the connection cannot take more, flows stay queued (and the oldest
   * are dropped and counted) until {@link FlowSubscriber.resume}.
   */
  flush(): void {
    if (this.closed || this.blocked || (this.queue.length === 0 && this.lost === 0)) return;
    const batch: FlowStreamBatch = { flows: this.queue.toArray(), lost: this.lost };
    this.queue.clear();
    this.lost = 0;
    if (this.send(batch) === false) this.blocked = true;
  }

  /** The connection drained its write buffer: batches may flow again. */
  resume(): void {
    this.blocked = false;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
