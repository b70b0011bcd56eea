import { resolvePackagePath } from '@backstage/backend-plugin-api';
import {
  ConnectivityRequest,
  ConnectivityRequestState,
  RequestApproval,
  RequestEvent,
} from '@cilium-zero-trust/plugin-cilium-common';
import { Knex } from 'knex';

const REQUESTS = 'cilium_requests';
const APPROVALS = 'cilium_request_approvals';
const EVENTS = 'cilium_request_events';
const OUTBOX = 'cilium_request_outbox';

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

/** A claimed outbox row. */
export interface OutboxItem {
  id: number;
  requestId: string;
  action: 'publish' | 'merge';
  attempts: number;
}

/** The stored part of a request (everything but approvals and events). */
export type StoredRequest = Omit<ConnectivityRequest, 'approvals' | 'events'>;

function json<T>(text: string | null | undefined, fallback: T): T {
  if (text === null || text === undefined || text === '') return fallback;
  return JSON.parse(text) as T;
}

function toRow(r: StoredRequest) {
  return {
    id: r.id,
    kind: r.kind,
    removes: r.removes ?? null,
    state: r.state,
    cluster: r.cluster,
    source_ref: r.source,
    target_ref: r.target.type === 'entity' ? r.target.ref : null,
    target: JSON.stringify(r.target),
    ports: JSON.stringify(r.ports),
    http: r.http ? JSON.stringify(r.http) : null,
    justification: r.justification,
    expires_at: r.expiresAt ?? null,
    requester: r.requester,
    destination_owners: JSON.stringify(r.destinationOwners),
    consent_needed: r.consentNeeded,
    policies: JSON.stringify(r.policies),
    findings: JSON.stringify(r.findings),
    diff: JSON.stringify(r.diff),
    replay: r.replay ? JSON.stringify(r.replay) : null,
    publication: r.publication ? JSON.stringify(r.publication) : null,
    reject_reason: r.rejectReason ?? null,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  };
}

function fromRow(row: any, approvals: RequestApproval[]): ConnectivityRequest {
  return {
    id: row.id,
    kind: row.kind,
    ...(row.removes ? { removes: row.removes } : {}),
    state: row.state,
    cluster: row.cluster,
    source: row.source_ref,
    target: json(row.target, { type: 'entity', ref: '' }),
    ports: json(row.ports, []),
    ...(row.http ? { http: json(row.http, []) } : {}),
    justification: row.justification,
    ...(row.expires_at ? { expiresAt: row.expires_at } : {}),
    requester: row.requester,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    policies: json(row.policies, []),
    findings: json(row.findings, []),
    diff: json(row.diff, { added: [], removed: [] }),
    ...(row.replay ? { replay: json(row.replay, undefined as any) } : {}),
    destinationOwners: json(row.destination_owners, []),
    consentNeeded: Boolean(row.consent_needed),
    approvals,
    ...(row.publication
      ? { publication: json(row.publication, undefined as any) }
      : {}),
    ...(row.reject_reason ? { rejectReason: row.reject_reason } : {}),
  };
}

function eventFromRow(row: any): RequestEvent {
  return {
    id: Number(row.id),
    requestId: row.request_id,
    at: row.at,
    actor: row.actor,
    type: row.type,
    ...(row.from_state ? { fromState: row.from_state } : {}),
    ...(row.to_state ? { toState: row.to_state } : {}),
    message: row.message,
    ...(row.data ? { data: json(row.data, {}) } : {}),
  };
}

/**
 * Requests, approvals, the append-only event log and the outbox in the
 * plugin's database. State changes are conditional updates (`where state =
 * from`), so concurrent callers cannot both win a transition.
 */
export class RequestStore {
  constructor(
    private readonly db: Knex,
    private readonly now: () => Date = () => new Date(),
  ) {}

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

  private async enqueue(
    tx: Knex,
    requestId: string,
    action: OutboxItem['action'],
  ) {
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

  /** Stores a new request with its first event (and, for approved ones, its outbox row). */
  async create(request: StoredRequest, event: NewEvent): Promise<void> {
    await this.db.transaction(async tx => {
      await tx(REQUESTS).insert(toRow(request));
      await this.appendEvent(tx, request, event);
      if (request.state === 'approved')
        await this.enqueue(tx, request.id, 'publish');
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
      list.push({
        role: r.role,
        by: r.approver,
        at: r.at,
        ...(r.comment ? { comment: r.comment } : {}),
      });
      out.set(r.request_id, list);
    }
    return out;
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
      ).map(
        (r: any): RequestApproval => ({
          role: r.role,
          by: r.approver,
          at: r.at,
        }),
      );
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
      await this.enqueue(tx, id, 'publish');
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
      if (enqueue) await this.enqueue(tx, id, enqueue);
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

  /** Queues outbox work (idempotent: one row per request and action). */
  async enqueueWork(
    requestId: string,
    action: OutboxItem['action'],
  ): Promise<void> {
    await this.enqueue(this.db, requestId, action);
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

  /** Outbox rows of a request (for status and tests). */
  async work(requestId: string): Promise<
    Array<{
      action: string;
      status: string;
      attempts: number;
      lastError?: string;
    }>
  > {
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
