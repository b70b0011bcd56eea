import { resolvePackagePath } from '@backstage/backend-plugin-api';
import {
  ConnectivityRequest,
  ConnectivityRequestState,
  GrantRemoval,
  RequestApproval,
  RequestEvent,
} from '@cilium-zero-trust/plugin-cilium-common';
import { ConflictError } from '@backstage/errors';
import { Knex } from 'knex';
import { OutboxItem, OutboxQueue } from './outbox/OutboxQueue';
import {
  approvalFromRow,
  eventFromRow,
  fromRow,
  StoredRequest,
  toRow,
} from './requestRows';

export const REQUESTS = 'cilium_requests';
const APPROVALS = 'cilium_request_approvals';
const EVENTS = 'cilium_request_events';

/** Runs the plugin's migrations (knex, `plugins/cilium-backend/migrations`). */
export async function migrateRequestStore(knex: Knex): Promise<void> {
  await knex.migrate.latest({
    directory: resolvePackagePath(
      '@cilium-zero-trust/plugin-cilium-backend',
      'migrations',
    ),
    tableName: 'cilium_knex_migrations',
  });
}

/** An event to append. */
export interface NewEvent {
  actor: string;
  type: string;
  fromState?: ConnectivityRequestState;
  toState?: ConnectivityRequestState;
  message: string;
  data?: Record<string, unknown>;
}

export type { OutboxItem } from './outbox/OutboxQueue';

export type { StoredRequest } from './requestRows';

/**
 * Requests, approvals and the append-only event log in the plugin's
 * database (the outbox rows through `outbox`). State changes are conditional updates (`where state =
 * from`), so concurrent callers cannot both win a transition.
 */
export class RequestStore {
  /** The outbox; its rows are written in the same transactions as state changes. */
  readonly outbox: OutboxQueue;

  constructor(
    private readonly db: Knex,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.outbox = new OutboxQueue(db, now);
  }

  private iso(): string {
    return this.now().toISOString();
  }

  private async appendEvent(
    tx: Knex,
    request: {
      id: string;
      source: string;
      target: ConnectivityRequest['target'];
    },
    e: NewEvent,
  ) {
    await tx(EVENTS).insert({
      request_id: request.id,
      at: this.iso(),
      actor: e.actor,
      type: e.type,
      from_state: e.fromState ?? null,
      to_state: e.toState ?? null,
      message: e.message,
      data: e.data ? JSON.stringify(e.data) : null,
      source_ref: request.source,
      target_ref: request.target.type === 'entity' ? request.target.ref : null,
    });
  }

  /** Stores a new request with its first event (and, for approved ones, its outbox row). */
  async create(request: StoredRequest, event: NewEvent): Promise<void> {
    await this.db.transaction(async tx => {
      await tx(REQUESTS).insert(toRow(request));
      await this.appendEvent(tx, request, event);
      if (request.state === 'approved')
        await this.outbox.enqueue(tx, request.id, 'publish');
    });
  }

  /** A request with its approvals, or undefined. */
  async get(
    id: string,
    options: { events?: boolean } = {},
  ): Promise<ConnectivityRequest | undefined> {
    const row = await this.db(REQUESTS).where({ id }).first();
    if (!row) return undefined;
    const approvals = await this.approvalsOf([id]);
    const request = fromRow(row, approvals.get(id) ?? []);
    if (options.events) request.events = await this.events({ requestId: id });
    return request;
  }

  private async approvalsOf(
    ids: string[],
  ): Promise<Map<string, RequestApproval[]>> {
    const out = new Map<string, RequestApproval[]>();
    if (!ids.length) return out;
    const rows = await this.db(APPROVALS)
      .whereIn('request_id', ids)
      .orderBy('id');
    for (const r of rows) {
      const list = out.get(r.request_id) ?? [];
      list.push(approvalFromRow(r));
      out.set(r.request_id, list);
    }
    return out;
  }

  /** The removal requests filed for grant `id`, oldest first. */
  async removalsOf(id: string): Promise<GrantRemoval[]> {
    const rows: Array<{ id: string; state: ConnectivityRequestState }> =
      await this.db(REQUESTS)
        .where({ removes: id })
        .select('id', 'state')
        .orderBy([
          { column: 'created_at', order: 'asc' },
          { column: 'id', order: 'asc' },
        ]);
    return rows.map(r => ({ id: r.id, state: r.state }));
  }

  /** Requests matching the filters, newest first. */
  async list(filter: {
    entity?: string;
    states?: ConnectivityRequestState[];
    requester?: string;
    limit?: number;
  }): Promise<ConnectivityRequest[]> {
    const q = this.db(REQUESTS).orderBy([
      { column: 'created_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ]);
    if (filter.entity) {
      const entity = filter.entity;
      q.where(b => b.where('source_ref', entity).orWhere('target_ref', entity));
    }
    if (filter.states) q.whereIn('state', filter.states);
    if (filter.requester) q.where('requester', filter.requester);
    q.limit(filter.limit ?? 500);
    const rows = await q;
    const approvals = await this.approvalsOf(rows.map(r => r.id));
    return rows.map(r => fromRow(r, approvals.get(r.id) ?? []));
  }

  /**
   * Every request in one of `states`, oldest first, read in pages of
   * `pageSize` by keyset (created_at, id), so a caller that moves requests
   * out of those states while iterating skips none and there is no cap on
   * how many it sees (the tracker and expiry go through every one).
   */
  async *inStates(
    states: ConnectivityRequestState[],
    pageSize = 200,
  ): AsyncGenerator<ConnectivityRequest> {
    let after: { createdAt: string; id: string } | undefined;
    for (;;) {
      const q = this.db(REQUESTS)
        .whereIn('state', states)
        .orderBy([
          { column: 'created_at', order: 'asc' },
          { column: 'id', order: 'asc' },
        ])
        .limit(pageSize);
      if (after) {
        const { createdAt, id } = after;
        q.where(b =>
          b
            .where('created_at', '>', createdAt)
            .orWhere(w =>
              w.where('created_at', createdAt).where('id', '>', id),
            ),
        );
      }
      const rows = await q;
      if (!rows.length) return;
      const approvals = await this.approvalsOf(rows.map(r => r.id));
      for (const r of rows) yield fromRow(r, approvals.get(r.id) ?? []);
      if (rows.length < pageSize) return;
      const last = rows[rows.length - 1];
      after = { createdAt: last.created_at, id: last.id };
    }
  }

  /**
   * Records approvals and, when `isComplete` says the request now has every
   * approval it needs, moves it submitted → approved and queues its
   * publication, all in one transaction. Only one caller can win the
   * transition; the others see `transitioned: false`.
   */
  async approve(
    id: string,
    approvals: Array<{
      role: RequestApproval['role'];
      approver: string;
      comment?: string;
    }>,
    isComplete: (approvals: RequestApproval[]) => boolean,
  ): Promise<{ recorded: RequestApproval['role'][]; transitioned: boolean }> {
    return this.db.transaction(async tx => {
      const row = await tx(REQUESTS).where({ id }).first();
      if (!row) return { recorded: [], transitioned: false };
      const request = fromRow(row, []);
      const recorded: RequestApproval['role'][] = [];
      if (row.state === 'submitted') {
        for (const a of approvals) {
          const inserted = await tx(APPROVALS)
            .insert({
              request_id: id,
              role: a.role,
              approver: a.approver,
              comment: a.comment ?? null,
              at: this.iso(),
            })
            .onConflict(['request_id', 'role', 'approver'])
            .ignore()
            .returning('id');
          if (inserted.length) {
            recorded.push(a.role);
            await this.appendEvent(tx, request, {
              actor: a.approver,
              type: a.role === 'reviewer' ? 'approval' : 'consent',
              message:
                a.role === 'reviewer'
                  ? `${a.approver} approved as a reviewer${
                      a.comment ? `: ${a.comment}` : ''
                    }`
                  : `${a.approver} consented as an owner of the destination${
                      a.comment ? `: ${a.comment}` : ''
                    }`,
            });
          }
        }
      }
      const all = (
        await tx(APPROVALS).where({ request_id: id }).orderBy('id')
      ).map(approvalFromRow);
      if (row.state !== 'submitted' || !isComplete(all))
        return { recorded, transitioned: false };
      const updated = await tx(REQUESTS)
        .where({ id, state: 'submitted' })
        .update({
          state: 'approved',
          updated_at: this.iso(),
          version: tx.raw('version + 1'),
        });
      if (updated !== 1) return { recorded, transitioned: false };
      await this.appendEvent(tx, request, {
        actor: approvals[0]?.approver ?? 'system',
        type: 'state',
        fromState: 'submitted',
        toState: 'approved',
        message: `Approved: ${all.map(a => `${a.role} ${a.by}`).join(', ')}`,
      });
      await this.outbox.enqueue(tx, id, 'publish');
      return { recorded, transitioned: true };
    });
  }

  /**
   * Moves a request from one state to another if it is still in `from`, with
   * an event, optional column changes and optional outbox work. Returns false
   * when someone else changed the state first.
   */
  async transition(
    id: string,
    from: ConnectivityRequestState | ConnectivityRequestState[],
    to: ConnectivityRequestState,
    event: Omit<NewEvent, 'fromState' | 'toState'>,
    patch: Partial<Pick<StoredRequest, 'publication' | 'rejectReason'>> = {},
    enqueue?: OutboxItem['action'],
  ): Promise<boolean> {
    const froms = Array.isArray(from) ? from : [from];
    return this.db.transaction(async tx => {
      const row = await tx(REQUESTS).where({ id }).first();
      if (!row || !froms.includes(row.state)) return false;
      const changes: Record<string, unknown> = {
        state: to,
        updated_at: this.iso(),
        version: tx.raw('version + 1'),
      };
      if (patch.publication)
        changes.publication = JSON.stringify(patch.publication);
      if (patch.rejectReason) changes.reject_reason = patch.rejectReason;
      const updated = await tx(REQUESTS)
        .where({ id, state: row.state })
        .update(changes);
      if (updated !== 1) return false;
      await this.appendEvent(tx, fromRow(row, []), {
        ...event,
        fromState: row.state,
        toState: to,
      });
      if (enqueue) await this.outbox.enqueue(tx, id, enqueue);
      return true;
    });
  }

  /**
   * Withdraws a request that is submitted, or approved but not yet being
   * published: in one transaction the publication is cancelled (only if no
   * worker has claimed it) and the state moves. ConflictError when the
   * publication has started; false when someone else changed the state.
   */
  async withdraw(
    id: string,
    event: Omit<NewEvent, 'fromState' | 'toState'>,
  ): Promise<boolean> {
    return this.db.transaction(async tx => {
      const row = await tx(REQUESTS).where({ id }).first();
      if (!row || !['submitted', 'approved'].includes(row.state)) return false;
      if (
        row.state === 'approved' &&
        !(await this.outbox.cancelUnstarted(tx, id))
      ) {
        throw new ConflictError(
          `Request ${id} is being published; it can no longer be withdrawn. Once it is published, ask a reviewer to close its pull request`,
        );
      }
      const updated = await tx(REQUESTS)
        .where({ id, state: row.state })
        .update({
          state: 'withdrawn',
          updated_at: this.iso(),
          version: tx.raw('version + 1'),
        });
      if (updated !== 1) return false;
      await this.appendEvent(tx, fromRow(row, []), {
        ...event,
        fromState: row.state,
        toState: 'withdrawn',
      });
      return true;
    });
  }

  /** Updates the publication record without a state change (e.g. a PR updated). */
  async setPublication(
    id: string,
    publication: ConnectivityRequest['publication'],
  ): Promise<void> {
    await this.db(REQUESTS)
      .where({ id })
      .update({
        publication: JSON.stringify(publication),
        updated_at: this.iso(),
      });
  }

  /** Appends an event without a state change. */
  async addEvent(id: string, event: NewEvent): Promise<void> {
    const row = await this.db(REQUESTS).where({ id }).first();
    if (!row) return;
    await this.appendEvent(this.db, fromRow(row, []), event);
  }

  /** Events, oldest first, filtered by request, time and entity (source or target). */
  async events(filter: {
    requestId?: string;
    from?: string;
    to?: string;
    entity?: string;
  }): Promise<RequestEvent[]> {
    const q = this.db(EVENTS).orderBy('id');
    if (filter.requestId) q.where('request_id', filter.requestId);
    if (filter.from) q.where('at', '>=', new Date(filter.from).toISOString());
    if (filter.to) q.where('at', '<=', new Date(filter.to).toISOString());
    if (filter.entity) {
      const entity = filter.entity;
      q.where(b => b.where('source_ref', entity).orWhere('target_ref', entity));
    }
    return (await q).map(eventFromRow);
  }
}
