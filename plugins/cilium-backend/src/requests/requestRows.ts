import {
  ConnectivityRequest,
  RequestApproval,
  RequestEvent,
  RequestPolicyFile,
  RequestPublication,
  RequestReplay,
} from '@cilium-zero-trust/plugin-cilium-common';

/**
 * How requests and events are laid out in the database (see
 * `migrations/`), and the mapping to and from the API types.
 */

/** The stored part of a request (everything but approvals and events). */
export type StoredRequest = Omit<ConnectivityRequest, 'approvals' | 'events'>;

/** A row of `cilium_requests`. */
export type RequestRow = ReturnType<typeof toRow>;

/** A row of `cilium_request_approvals`. */
export interface ApprovalRow {
  request_id: string;
  role: RequestApproval['role'];
  approver: string;
  comment: string | null;
  at: string;
}

/** A row of `cilium_request_events`. */
export interface EventRow {
  id: number | string;
  request_id: string;
  at: string;
  actor: string;
  type: string;
  from_state: RequestEvent['fromState'] | null;
  to_state: RequestEvent['toState'] | null;
  message: string;
  data: string | null;
}

function json<T>(text: string | null | undefined, fallback: T): T {
  if (text === null || text === undefined || text === '') return fallback;
  return JSON.parse(text) as T;
}

export function toRow(r: StoredRequest) {
  return {
    id: r.id,
    kind: r.kind,
    removes: r.removes ?? null,
    state: r.state,
    cluster: r.cluster,
    clusters: JSON.stringify(r.clusters),
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

export function fromRow(
  row: RequestRow,
  approvals: RequestApproval[],
): ConnectivityRequest {
  // Rows filed before several clusters name one cluster; so do their files.
  const clusters = json<string[]>(row.clusters, [row.cluster]);
  const policies = json<Array<Partial<RequestPolicyFile>>>(row.policies, []);
  return {
    id: row.id,
    kind: row.kind,
    ...(row.removes ? { removes: row.removes } : {}),
    state: row.state,
    cluster: row.cluster,
    clusters,
    source: row.source_ref,
    target: json(row.target, { type: 'entity', ref: '' }),
    ports: json(row.ports, []),
    ...(row.http ? { http: json(row.http, []) } : {}),
    justification: row.justification,
    ...(row.expires_at ? { expiresAt: row.expires_at } : {}),
    requester: row.requester,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    policies: policies.map(f => ({
      cluster: f.cluster ?? row.cluster,
      path: f.path ?? '',
      yaml: f.yaml ?? '',
    })),
    findings: json(row.findings, []),
    diff: json(row.diff, { added: [], removed: [] }),
    ...(row.replay
      ? { replay: json<RequestReplay | undefined>(row.replay, undefined) }
      : {}),
    destinationOwners: json(row.destination_owners, []),
    consentNeeded: Boolean(row.consent_needed),
    approvals,
    ...(row.publication
      ? {
          publication: json<RequestPublication | undefined>(
            row.publication,
            undefined,
          ),
        }
      : {}),
    ...(row.reject_reason ? { rejectReason: row.reject_reason } : {}),
  };
}

export function eventFromRow(row: EventRow): RequestEvent {
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

export function approvalFromRow(row: ApprovalRow): RequestApproval {
  return {
    role: row.role,
    by: row.approver,
    at: row.at,
    ...(row.comment ? { comment: row.comment } : {}),
  };
}
