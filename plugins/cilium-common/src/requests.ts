/**
 * Types of the connectivity change-request routes (`/requests…`, `/audit`).
 */

/**
 * The destination of a connectivity request.
 * @public
 */
export type ConnectivityTarget =
  | { type: 'entity'; ref: string }
  | { type: 'fqdn'; name: string }
  | { type: 'cidr'; cidr: string }
  | { type: 'cilium-entity'; entity: string };

/**
 * One requested port (or range, with `endPort`).
 * @public
 */
export interface ConnectivityPort {
  port: number;
  endPort?: number;
  protocol: 'TCP' | 'UDP' | 'SCTP' | 'ANY';
}

/**
 * The body of `POST /requests` and `POST /requests/preview`.
 * @public
 */
export interface ConnectivityRequestBody {
  /** The entity whose pods open the connection, e.g. `component:default/checkout`. */
  source: string;
  target: ConnectivityTarget;
  ports: ConnectivityPort[];
  /** Optional L7 rules (TCP only). */
  http?: Array<{ method?: string; path?: string }>;
  justification: string;
  /** ISO-8601; a temporary grant is removed then. */
  expiresAt?: string;
  /**
   * The clusters the policies are for (one policy set each); every one must
   * be a cluster both the source and an entity destination run in. Default:
   * the source entity's default cluster.
   */
  clusters?: string[];
}

/**
 * States of a request. A temporary grant past its `expiresAt` is `expiring`
 * (still in force) until its removal request is enforced, then `expired`.
 * @public
 */
export type ConnectivityRequestState =
  | 'submitted'
  | 'approved'
  | 'rejected'
  | 'withdrawn'
  | 'published'
  | 'merged'
  | 'enforced'
  | 'expiring'
  | 'expired';

/**
 * Every {@link ConnectivityRequestState}, in life-cycle order.
 * @public
 */
export const CONNECTIVITY_REQUEST_STATES: readonly ConnectivityRequestState[] =
  [
    'submitted',
    'approved',
    'rejected',
    'withdrawn',
    'published',
    'merged',
    'enforced',
    'expiring',
    'expired',
  ];

/**
 * A removal request filed for an expired temporary grant, as the grant
 * shows it.
 * @public
 */
export interface GrantRemoval {
  id: string;
  state: ConnectivityRequestState;
}

/**
 * A generated policy file.
 * @public
 */
export interface RequestPolicyFile {
  /** The cluster the file is for. */
  cluster: string;
  /** Path in the GitOps repository (under the cluster's folder). */
  path: string;
  yaml: string;
}

/**
 * A problem or remark from generation, guardrails and tests.
 * @public
 */
export interface RequestFinding {
  severity: 'error' | 'warning' | 'info';
  code: string;
  message: string;
  policies?: string[];
  /** The cluster the finding is about, when it is about one. */
  cluster?: string;
}

/**
 * One changed edge of the connectivity graph.
 * @public
 */
export interface RequestDiffRow {
  src: string;
  dst: string;
  before: string;
  after: string;
  /** Whether the request asked for it. */
  expected: boolean;
  /** The cluster whose graph changes. */
  cluster?: string;
}

/**
 * The connectivity diff of the whole graph, before and after the policies.
 * @public
 */
export interface RequestDiff {
  added: RequestDiffRow[];
  removed: RequestDiffRow[];
  changed?: RequestDiffRow[];
}

/**
 * Recent flows from the live buffer whose verdict the change would flip.
 * @public
 */
export interface RequestReplay {
  /** Flows looked at (the source entity's live buffer). */
  flowsReplayed: number;
  /** Dropped flows that would be allowed. */
  newlyAllowed: ReplayedFlow[];
  /** Forwarded flows that would be dropped (should always be empty for a grant). */
  newlyDropped: ReplayedFlow[];
}

/**
 * A buffered flow whose verdict the change would flip.
 * @public
 */
export interface ReplayedFlow {
  /** The cluster the flow was seen in. */
  cluster?: string;
  time: string;
  source: string;
  destination: string;
  port: number;
  protocol: string;
}

/**
 * The answer of `POST /requests/preview` (nothing is saved).
 * @public
 */
export interface ConnectivityPreview {
  /** Whether `POST /requests` would accept it. */
  ok: boolean;
  policies: RequestPolicyFile[];
  findings: RequestFinding[];
  diff: RequestDiff;
  replay: RequestReplay;
  /** Who must approve: the destination's owners (unless the requester is one) and a reviewer group. */
  approvals: { destinationOwners: string[]; reviewerGroups: string[] };
}

/**
 * An approval or consent on record.
 * @public
 */
export interface RequestApproval {
  /** `reviewer`: the platform review; `destination-owner`: consent of the destination's owners. */
  role: 'reviewer' | 'destination-owner';
  by: string;
  at: string;
  comment?: string;
}

/**
 * One event of a request's timeline (append-only).
 * @public
 */
export interface RequestEvent {
  id: number;
  requestId: string;
  at: string;
  actor: string;
  type: string;
  fromState?: string;
  toState?: string;
  message: string;
  data?: Record<string, unknown>;
}

/**
 * Where a request was published.
 * @public
 */
export interface RequestPublication {
  publisher: string;
  branch: string;
  url?: string;
  number?: number;
  state?: 'open' | 'merged' | 'closed';
}

/**
 * A stored request.
 * @public
 */
export interface ConnectivityRequest extends ConnectivityRequestBody {
  id: string;
  /** `grant`: opens a connection; `removal`: removes an expired grant. */
  kind: 'grant' | 'removal';
  /** For removals: the request whose grant is removed. */
  removes?: string;
  /**
   * For grants past their expiry: the removal requests filed for them,
   * oldest first (a closed removal is followed by a new one when a reviewer
   * files it again).
   */
  removals?: GrantRemoval[];
  state: ConnectivityRequestState;
  /** The first of `clusters` (kept for readers written before several clusters). */
  cluster: string;
  /** The Cilium clusters the policies are for, one policy set each. */
  clusters: string[];
  requester: string;
  createdAt: string;
  updatedAt: string;
  policies: RequestPolicyFile[];
  findings: RequestFinding[];
  diff: RequestDiff;
  replay?: RequestReplay;
  /** Owners of the destination entity at submission. */
  destinationOwners: string[];
  /** Whether the destination owners' consent is still needed. */
  consentNeeded: boolean;
  approvals: RequestApproval[];
  publication?: RequestPublication;
  rejectReason?: string;
  /** Only on `GET /requests/:id`. */
  events?: RequestEvent[];
  /**
   * The publishing work of the request (its outbox rows); only on
   * `GET /requests/:id` and only for reviewers, who may retry a `failed`
   * one (`POST /requests/:id/retry-publish`).
   */
  publishing?: RequestPublishing[];
}

/**
 * One piece of a request's publishing work.
 * @public
 */
export interface RequestPublishing {
  /** `publish` (open the pull request). */
  action: string;
  /** `pending`, `running`, `done`, `failed` (gave up; a reviewer may retry) or `cancelled` (withdrawn first). */
  status: string;
  attempts: number;
  /** Why the last attempt failed. */
  lastError?: string;
}

/**
 * The answer of `GET /requests`.
 * @public
 */
export interface ConnectivityRequestList {
  items: ConnectivityRequest[];
}
