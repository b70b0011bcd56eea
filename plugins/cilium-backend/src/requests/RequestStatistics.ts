import { Knex } from 'knex';
import { OUTBOX } from './outbox/OutboxQueue';
import { REQUESTS } from './RequestStore';

/** Outbox row statuses that are work still to do (or stuck). */
export const OUTBOX_BACKLOG_STATUSES = [
  'pending',
  'running',
  'failed',
] as const;

/**
 * Counts over the request tables for metrics: requests by state and the
 * outbox backlog. Each is one grouped count on an indexed column; the whole
 * database is counted, so every replica reports the same figures.
 */
export class RequestStatistics {
  constructor(private readonly db: Knex) {}

  /** Requests by state (states without requests are absent). */
  async requestsByState(): Promise<Map<string, number>> {
    const rows = (await this.db(REQUESTS)
      .select('state')
      .count({ n: '*' })
      .groupBy('state')) as Array<{ state: string; n: number | string }>;
    return new Map(rows.map(r => [String(r.state), Number(r.n)]));
  }

  /** Outbox rows not done, by status (`pending`, `running`, `failed`). */
  async outboxBacklog(): Promise<Map<string, number>> {
    const rows = (await this.db(OUTBOX)
      .whereIn('status', [...OUTBOX_BACKLOG_STATUSES])
      .select('status')
      .count({ n: '*' })
      .groupBy('status')) as Array<{ status: string; n: number | string }>;
    return new Map(rows.map(r => [String(r.status), Number(r.n)]));
  }
}
