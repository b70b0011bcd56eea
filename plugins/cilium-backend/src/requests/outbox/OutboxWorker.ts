import { LoggerService } from '@backstage/backend-plugin-api';
import type { PolicyPublisher } from '@cilium-zero-trust/plugin-cilium-node';
import { buildChange } from '../changes';
import { RequestStore } from '../RequestStore';
import { OutboxItem } from './OutboxQueue';
import { RequestTransitions } from '../RequestTransitions';

/** Options of {@link OutboxWorker}. */
export interface OutboxWorkerOptions {
  store: RequestStore;
  publisher: PolicyPublisher;
  transitions: RequestTransitions;
  logger: LoggerService;
  /** How long a claim lasts; a crashed worker's item is retried after it. Default 2 minutes. */
  lockMs?: number;
  /** Attempts before an item is marked failed. Default 10. */
  maxAttempts?: number;
  /** Link to a request page, for pull request bodies. */
  linkFor?: (id: string) => string | undefined;
  now?: () => number;
}

/**
 * Delivers the outbox: publishes approved requests. Items are claimed with a
 * conditional update and retried with backoff; the publisher is idempotent
 * per request (deterministic branch, existing pull request reused), so a crash
 * between publishing and recording it yields the same single pull request on
 * the retry: at-least-once delivery, exactly one pull request.
 */
export class OutboxWorker {
  private readonly lockMs: number;
  private readonly maxAttempts: number;
  private running?: Promise<number>;
  private stopped = false;

  constructor(private readonly options: OutboxWorkerOptions) {
    this.lockMs = options.lockMs ?? 120_000;
    this.maxAttempts = options.maxAttempts ?? 10;
  }

  private now(): number {
    return this.options.now ? this.options.now() : Date.now();
  }

  /** Stops claiming new work (backend shutdown). */
  stop(): void {
    this.stopped = true;
  }

  /** Processes every due item once; concurrent calls share one run. Returns items processed. */
  runOnce(): Promise<number> {
    if (this.stopped) return Promise.resolve(0);
    if (!this.running) {
      this.running = this.drain().finally(() => {
        this.running = undefined;
      });
    }
    return this.running;
  }

  private async drain(): Promise<number> {
    let count = 0;
    while (!this.stopped) {
      const items = await this.options.store.outbox.claimDue(this.lockMs);
      if (!items.length) return count;
      for (const item of items) {
        await this.process(item);
        count++;
      }
    }
    return count;
  }

  /** A publish that does not settle within the claim is abandoned (and retried by whoever claims it next). */
  private withTimeout<T>(promise: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${this.lockMs} ms`)),
        this.lockMs,
      );
      timer.unref?.();
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  private async process(item: OutboxItem): Promise<void> {
    const { store, publisher, logger } = this.options;
    try {
      const request = await store.get(item.requestId);
      if (!request || request.state !== 'approved') {
        await store.outbox.completeWork(item.id);
        return;
      }
      const publication = await this.withTimeout(
        publisher.publish(
          buildChange(request, this.options.linkFor?.(request.id)),
        ),
      );
      await this.options.transitions.transition(request, 'published', {
        actor: `publisher:${publisher.type}`,
        message: `Published on ${publisher.type}: ${
          publication.url ?? publication.branch
        }`,
        auditMessage: publication.url ?? publication.branch,
        data: { ...publication },
        patch: { publication },
      });
      await store.outbox.completeWork(item.id);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const retry = item.attempts < this.maxAttempts;
      const delay = Math.min(30 * 60_000, 5_000 * 2 ** (item.attempts - 1));
      logger.warn(
        `Publishing ${item.requestId} failed (attempt ${item.attempts}): ${message}`,
      );
      await store.outbox.failWork(
        item.id,
        message,
        retry ? this.now() + delay : undefined,
      );
      await store.addEvent(item.requestId, {
        actor: `publisher:${publisher.type}`,
        type: 'publish-failed',
        message: `Publishing failed (attempt ${item.attempts}${
          retry ? `, retrying in ${Math.round(delay / 1000)} s` : ', giving up'
        }): ${message}`,
      });
    }
  }
}
