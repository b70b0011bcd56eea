import { Knex } from 'knex';

export const OUTBOX = 'cilium_request_outbox';

/** A claimed outbox row. */
export interface OutboxItem {
  id: number;
  requestId: string;
  action: 'publish' | 'merge';
  attempts: number;
}

/** An outbox row as reviewers see it. */
export interface OutboxWork {
  action: string;
  /** pending, running, done, failed, or cancelled (withdrawn before publishing). */
  status: string;
  attempts: number;
  lastError?: string;
}

/**
 * The outbox table (`cilium_request_outbox`): work queued with a state
 * change, claimed by conditional updates, retried with a delay.
 */
export class OutboxQueue {
  constructor(
    private readonly db: Knex,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private iso(): string {
    return this.now().toISOString();
  }

  /** Queues work inside the caller's transaction (idempotent: one row per request and action). */
  async enqueue(tx: Knex, requestId: string, action: OutboxItem['action']) {
    const at = this.iso();
    await tx(OUTBOX)
      .insert({
        request_id: requestId,
        action,
        status: 'pending',
        attempts: 0,
        next_attempt_at: this.now().getTime(),
        locked_until: 0,
        created_at: at,
        updated_at: at,
      })
      .onConflict(['request_id', 'action'])
      .ignore();
  }

  /**
   * Claims due outbox rows: each is taken by a conditional update, so two
   * workers (or two backend instances) never run the same row at once. A
   * claim expires after `lockMs`; a crashed worker's row is then retried.
   */
  async claimDue(lockMs: number, limit = 10): Promise<OutboxItem[]> {
    const now = this.now().getTime();
    const candidates = await this.db(OUTBOX)
      .where(b =>
        b
          .where(w =>
            w.where('status', 'pending').where('next_attempt_at', '<=', now),
          )
          .orWhere(w =>
            w.where('status', 'running').where('locked_until', '<', now),
          ),
      )
      .orderBy('id')
      .limit(limit);
    const claimed: OutboxItem[] = [];
    for (const c of candidates) {
      const updated = await this.db(OUTBOX)
        .where({
          id: c.id,
          status: c.status,
          locked_until: c.locked_until,
          attempts: c.attempts,
        })
        .update({
          status: 'running',
          locked_until: now + lockMs,
          attempts: c.attempts + 1,
          updated_at: this.iso(),
        });
      if (updated === 1)
        claimed.push({
          id: c.id,
          requestId: c.request_id,
          action: c.action,
          attempts: c.attempts + 1,
        });
    }
    return claimed;
  }

  /** Extends a claim that is still being worked on (a slow publish keeps its row). */
  async extendClaim(id: number, lockMs: number): Promise<void> {
    await this.db(OUTBOX)
      .where({ id, status: 'running' })
      .update({ locked_until: this.now().getTime() + lockMs });
  }

  /**
   * Cancels a request's publication inside the caller's transaction, if it
   * was never attempted: a conditional update from `pending` with no
   * attempts, so it cannot succeed once a worker has claimed the row.
   * Resolves whether it was cancelled (true also when there is no row).
   */
  async cancelUnstarted(tx: Knex, requestId: string): Promise<boolean> {
    const row = await tx(OUTBOX)
      .where({ request_id: requestId, action: 'publish' })
      .first();
    if (!row) return true;
    const updated = await tx(OUTBOX)
      .where({ id: row.id, status: 'pending', attempts: 0 })
      .update({ status: 'cancelled', updated_at: this.iso() });
    return updated === 1;
  }

  /**
   * Queues a failed row again (a reviewer's retry): a conditional update
   * from `failed`, so it resolves false when there is nothing to retry.
   */
  async retryFailed(requestId: string): Promise<boolean> {
    const updated = await this.db(OUTBOX)
      .where({ request_id: requestId, status: 'failed' })
      .update({
        status: 'pending',
        attempts: 0,
        next_attempt_at: this.now().getTime(),
        locked_until: 0,
        updated_at: this.iso(),
      });
    return updated > 0;
  }

  /** Marks claimed work done. */
  async completeWork(id: number): Promise<void> {
    await this.db(OUTBOX)
      .where({ id })
      .update({ status: 'done', last_error: null, updated_at: this.iso() });
  }

  /** Marks claimed work for a retry at `retryAt` (or failed for good). */
  async failWork(
    id: number,
    error: string,
    retryAt: number | undefined,
  ): Promise<void> {
    await this.db(OUTBOX)
      .where({ id })
      .update({
        status: retryAt === undefined ? 'failed' : 'pending',
        next_attempt_at: retryAt ?? 0,
        locked_until: 0,
        last_error: error.slice(0, 2000),
        updated_at: this.iso(),
      });
  }

  /** Outbox rows of a request (its publishing status, for reviewers). */
  async work(requestId: string): Promise<OutboxWork[]> {
    return (
      await this.db(OUTBOX).where({ request_id: requestId }).orderBy('id')
    ).map(r => ({
      action: r.action,
      status: r.status,
      attempts: Number(r.attempts),
      ...(r.last_error ? { lastError: r.last_error } : {}),
    }));
  }
}
