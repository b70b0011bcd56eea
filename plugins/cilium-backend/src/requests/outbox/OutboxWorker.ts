import { LoggerService } from '@backstage/backend-plugin-api';
import { ConnectivityRequest } from '@cilium-zero-trust/plugin-cilium-common';
import type {
  PolicyPublisher,
  Publication,
} from '@cilium-zero-trust/plugin-cilium-node';
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
    // A stopping backend no longer holds claims: another instance may
    // take over once they expire.
    for (const heartbeat of this.heartbeats) clearInterval(heartbeat);
    this.heartbeats.clear();
  }

  private readonly heartbeats = new Set<NodeJS.Timeout>();

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

  /**
   * A publish that does not settle within `lockMs` is not abandoned: it
   * keeps its claim (extended every half `lockMs` while it runs, so neither
   * this worker nor another instance starts a second publish of the same
   * request) and is recorded when it settles. The drain moves on meanwhile.
   */
  private async settleLate(
    item: OutboxItem,
    request: ConnectivityRequest,
    publication: Promise<Publication>,
  ): Promise<void> {
    const { store } = this.options;
    const heartbeat = setInterval(() => {
      if (this.stopped) return;
      store.outbox
        .extendClaim(item.id, this.lockMs)
        .catch(e =>
          this.options.logger.warn(
            `Could not extend the claim on ${item.requestId}: ${e}`,
          ),
        );
    }, Math.max(1, Math.floor(this.lockMs / 2)));
    heartbeat.unref?.();
    this.heartbeats.add(heartbeat);
    if (!this.stopped) await store.outbox.extendClaim(item.id, this.lockMs);
    try {
      await this.record(item, request, await publication);
    } catch (error) {
      await this.fail(item, error);
    } finally {
      clearInterval(heartbeat);
      this.heartbeats.delete(heartbeat);
      this.late.delete(item.requestId);
    }
  }

  /** Publishes that outlived their timeout, by request id. */
  private readonly late = new Map<string, Promise<void>>();

  /** Resolves when every publish that outlived its timeout has settled. */
  async settled(): Promise<void> {
    await Promise.all([...this.late.values()]);
  }

  /** Records a publication: approved → published, the row done. */
  private async record(
    item: OutboxItem,
    request: ConnectivityRequest,
    publication: Publication,
  ): Promise<void> {
    const { store, publisher } = this.options;
    const moved = await this.options.transitions.transition(
      request,
      'published',
      {
        actor: `publisher:${publisher.type}`,
        message: `Published on ${publisher.type}: ${
          publication.url ?? publication.branch
        }`,
        auditMessage: publication.url ?? publication.branch,
        data: { ...publication },
        patch: { publication },
      },
    );
    if (moved) {
      await store.outbox.completeWork(item.id);
      return;
    }
    // The request left `approved` while it was published (withdrawal is
    // refused once the row is claimed, so this is an operator's change):
    // the pull request is live but untracked. Say so where reviewers look.
    const now = await store.get(item.requestId);
    const where = publication.url ?? publication.branch;
    const message = `Published ${where}, but the request is now ${
      now?.state ?? 'gone'
    }; close that pull request`;
    await store.outbox.failWork(item.id, message, undefined);
    await store.addEvent(item.requestId, {
      actor: `publisher:${publisher.type}`,
      type: 'publish-failed',
      message,
      data: { ...publication },
    });
  }

  private async fail(item: OutboxItem, error: unknown): Promise<void> {
    const { store, publisher, logger } = this.options;
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

  private async process(item: OutboxItem): Promise<void> {
    const { store, publisher } = this.options;
    if (this.late.has(item.requestId)) {
      // A claim that expired under a crash-free but slow publish: it is
      // still running here, so no second publish starts.
      await store.outbox.extendClaim(item.id, this.lockMs);
      return;
    }
    try {
      const request = await store.get(item.requestId);
      if (!request || request.state !== 'approved') {
        await store.outbox.completeWork(item.id);
        return;
      }
      const publication = publisher.publish(
        buildChange(request, this.options.linkFor?.(request.id)),
      );
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>(resolve => {
        timer = setTimeout(() => resolve('timeout'), this.lockMs);
        timer.unref?.();
      });
      const first = await Promise.race([publication, timedOut]).finally(() =>
        clearTimeout(timer),
      );
      if (first === 'timeout') {
        this.options.logger.warn(
          `Publishing ${item.requestId} gave no answer within ${this.lockMs} ms; keeping its claim until it settles`,
        );
        this.late.set(
          item.requestId,
          this.settleLate(item, request, publication),
        );
        return;
      }
      await this.record(item, request, first);
    } catch (error) {
      await this.fail(item, error);
    }
  }
}
