import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import {
  ConnectivityPreview,
  ConnectivityRequest,
  ConnectivityRequestState,
  RequestEvent,
} from '@cilium-zero-trust/plugin-cilium-common';
import { randomBytes } from 'crypto';
import {
  normalizeEntityRef,
  ResolvedPeers,
  TargetResolver,
} from '../services/TargetResolver';
import { Caller, RequestAuthorizer } from './RequestAuthorizer';
import { RequestPlan, RequestPlanner } from './RequestPlanner';
import { RequestStore, StoredRequest } from './RequestStore';
import { RequestTransitions } from './RequestTransitions';
import { RequestBody } from './schema';
import { assertTransition } from './stateMachine';

/** What the service needs; everything is injected so tests can swap it. */
export interface RequestServiceOptions {
  store: RequestStore;
  authorizer: RequestAuthorizer;
  targets: TargetResolver;
  planner: RequestPlanner;
  transitions: RequestTransitions;
  /** Merges published requests in the portal and files removals again (the tracker). */
  tracker: {
    merge(request: ConnectivityRequest, actor: string): Promise<void>;
    fileRemovalAgain(
      grant: ConnectivityRequest,
      actor: string,
    ): Promise<string>;
  };
  /** The configured clusters (`cilium.clusters`), the most a request may name. */
  clusterNames: () => string[];
  /** Entity refs of the reviewer groups (`cilium.requests.reviewers`). */
  reviewers: string[];
  /** Called after a request became approved (kicks the outbox). */
  onApproved?: (id: string) => void;
  newId?: () => string;
  now?: () => Date;
}

/** A request checked, resolved and planned, before it is stored. */
interface Prepared {
  plan: RequestPlan;
  /** The clusters the request is for, in order. */
  clusters: string[];
  /** The two ends in the first cluster (the target is the same entity in all). */
  peers: ResolvedPeers;
  consentNeeded: boolean;
}

/**
 * Connectivity change requests, one method per route: each asks the
 * authorizer who may, the target resolver and planner what the change is,
 * and moves state only through `RequestTransitions`.
 */
export class RequestService {
  private readonly now: () => Date;
  private readonly newId: () => string;

  constructor(private readonly options: RequestServiceOptions) {
    this.now = options.now ?? (() => new Date());
    this.newId =
      options.newId ?? (() => `req-${randomBytes(4).toString('hex')}`);
  }

  /** Resolves the caller's identity and groups from their credentials. */
  caller(credentials: BackstageCredentials): Promise<Caller> {
    return this.options.authorizer.caller(credentials);
  }

  /** The gate, then target resolution and planning. Nothing is stored. */
  private async prepare(
    body: RequestBody,
    caller: Caller,
    id: string,
  ): Promise<Prepared> {
    const { authorizer, targets, planner } = this.options;
    const sourceRef = normalizeEntityRef(body.source, 'source');
    const source = await targets.entity(
      sourceRef,
      caller.credentials,
      'source',
    );
    await authorizer.requireMayFile(source, sourceRef, caller);
    const clusters = this.clustersOf(body, targets.sourceClusters(source));
    const resolved: ResolvedPeers[] = [];
    for (const cluster of clusters) {
      resolved.push(
        await targets.resolve(
          source,
          sourceRef,
          body.target,
          caller.credentials,
          cluster,
        ),
      );
    }
    const plan = await planner.plan({
      id,
      requester: caller.userEntityRef,
      body,
      peers: resolved,
    });
    return {
      plan,
      clusters,
      peers: resolved[0],
      consentNeeded: authorizer.consentNeeded(resolved[0], caller),
    };
  }

  /**
   * The clusters a request is for: `body.clusters` (each configured, at most
   * every configured one), else the source's default cluster. Whether the
   * source and the target run in each is checked as they are resolved.
   */
  private clustersOf(body: RequestBody, sourceClusters: string[]): string[] {
    const configured = this.options.clusterNames();
    const clusters = body.clusters ?? [sourceClusters[0]];
    if (clusters.length > Math.max(1, configured.length)) {
      throw new InputError(
        `clusters names ${clusters.length} clusters; at most the ${
          configured.length
        } configured ones (${configured.join(', ')})`,
      );
    }
    for (const cluster of clusters) {
      if (!configured.includes(cluster)) {
        throw new InputError(
          `clusters: "${cluster}" is not a configured cluster (configured: ${
            configured.join(', ') || 'none'
          })`,
        );
      }
    }
    return clusters;
  }

  /** Generates, validates and tests a request without saving it. */
  async preview(
    body: RequestBody,
    caller: Caller,
  ): Promise<ConnectivityPreview> {
    const p = await this.prepare(body, caller, 'req-preview');
    return {
      ok: !p.plan.findings.some(f => f.severity === 'error'),
      policies: p.plan.policies,
      findings: p.plan.findings,
      diff: p.plan.diff,
      replay: p.plan.replay,
      approvals: {
        destinationOwners: p.consentNeeded ? p.peers.destinationOwners : [],
        reviewerGroups: this.options.reviewers,
      },
    };
  }

  /** Files a request; refused (400) when generation, guardrails or tests find errors. */
  async create(
    body: RequestBody,
    caller: Caller,
  ): Promise<ConnectivityRequest> {
    const id = this.newId();
    const p = await this.prepare(body, caller, id);
    const errors = p.plan.findings.filter(f => f.severity === 'error');
    if (errors.length) {
      throw new InputError(
        `The request cannot be filed: ${errors.map(e => e.message).join(' ')}`,
      );
    }
    const at = this.now().toISOString();
    const stored: StoredRequest = {
      id,
      kind: 'grant',
      state: 'submitted',
      cluster: p.clusters[0],
      clusters: p.clusters,
      source: p.peers.source.entityRef,
      target: p.peers.requested,
      ports: body.ports,
      ...(body.http ? { http: body.http } : {}),
      justification: body.justification,
      ...(body.expiresAt
        ? { expiresAt: new Date(body.expiresAt).toISOString() }
        : {}),
      requester: caller.userEntityRef,
      createdAt: at,
      updatedAt: at,
      policies: p.plan.policies,
      findings: p.plan.findings,
      diff: p.plan.diff,
      replay: p.plan.replay,
      destinationOwners: p.peers.destinationOwners,
      consentNeeded: p.consentNeeded,
    };
    const filed = await this.options.transitions.file(
      stored,
      {
        actor: caller.userEntityRef,
        message: `${caller.userEntityRef} requested ${
          p.plan.diff.added.length
        } new edge(s) in cluster(s) ${p.clusters.join(', ')}: ${
          body.justification
        }`,
        data: {
          clusters: stored.clusters,
          policies: stored.policies.map(x => x.path),
        },
      },
      'submitted',
    );
    return filed ?? this.get(id);
  }

  /** A request with its event timeline (and, for grants past expiry, their removals). */
  async get(id: string): Promise<ConnectivityRequest> {
    const { store } = this.options;
    const request = await store.get(id, { events: true });
    if (!request) throw new NotFoundError(`No connectivity request ${id}`);
    if (
      request.kind === 'grant' &&
      (request.state === 'expiring' || request.state === 'expired')
    ) {
      const removals = await store.removalsOf(id);
      if (removals.length) return { ...request, removals };
    }
    return request;
  }

  /** A request as the caller sees it: reviewers also see its publishing work. */
  async view(id: string, caller: Caller): Promise<ConnectivityRequest> {
    const request = await this.get(id);
    if (!(await this.isReviewer(caller))) return request;
    return { ...request, publishing: await this.options.store.outbox.work(id) };
  }

  /**
   * Queues a publication that failed for good again (reviewers): the
   * outbox row goes back to pending with fresh attempts, with an event.
   */
  async retryPublish(id: string, caller: Caller): Promise<ConnectivityRequest> {
    await this.options.authorizer.requireMayRetryPublish(id, caller);
    const request = await this.get(id);
    if (!(await this.options.store.outbox.retryFailed(id))) {
      throw new ConflictError(
        `Request ${id} has no failed publication to retry (it is ${request.state})`,
      );
    }
    await this.options.store.addEvent(id, {
      actor: caller.userEntityRef,
      type: 'publish-retry',
      message: `${caller.userEntityRef} queued the failed publication again`,
    });
    this.options.onApproved?.(id);
    return this.view(id, caller);
  }

  /**
   * Files the removal of an expiring grant again after its removal was
   * closed without merging (reviewers).
   */
  async fileRemovalAgain(
    id: string,
    caller: Caller,
  ): Promise<ConnectivityRequest> {
    await this.options.authorizer.requireMayFileRemoval(id, caller);
    const grant = await this.get(id);
    await this.options.tracker.fileRemovalAgain(grant, caller.userEntityRef);
    return this.view(id, caller);
  }

  /** Whether the caller may review: a member of a reviewer group, allowed `cilium.request.review`. */
  isReviewer(caller: Caller): Promise<boolean> {
    return this.options.authorizer.isReviewer(caller);
  }

  /** Records the caller's approval (reviewer) and/or consent (destination owner). */
  async approve(
    id: string,
    caller: Caller,
    comment?: string,
  ): Promise<ConnectivityRequest> {
    const { authorizer, store } = this.options;
    const request = await this.get(id);
    const roles = await authorizer.requireDecider(request, caller);
    if (request.state !== 'submitted') {
      if (
        request.approvals.some(
          a => a.by === caller.userEntityRef && roles.includes(a.role),
        )
      )
        return request;
      throw new ConflictError(
        `Request ${id} is ${request.state}; only submitted requests can be approved`,
      );
    }
    if (request.expiresAt && new Date(request.expiresAt) <= this.now()) {
      throw new ConflictError(
        `Request ${id} asked for access until ${request.expiresAt}, which has passed; it cannot be approved (reject it, or the requester files a new one)`,
      );
    }
    const approved = await this.options.transitions.transition(
      request,
      'approved',
      {
        actor: caller.userEntityRef,
        message: 'approved',
        // Approvals, the state change and the outbox row in one transaction.
        move: async () =>
          (
            await store.approve(
              id,
              roles.map(role => ({
                role,
                approver: caller.userEntityRef,
                comment,
              })),
              approvals => authorizer.isComplete(request, approvals),
            )
          ).transitioned,
      },
    );
    if (approved) this.options.onApproved?.(id);
    return approved ?? this.get(id);
  }

  /** Rejects a submitted request with a reason (reviewers and destination owners). */
  async reject(
    id: string,
    caller: Caller,
    reason: string,
  ): Promise<ConnectivityRequest> {
    const request = await this.get(id);
    const roles = await this.options.authorizer.requireDecider(request, caller);
    assertTransition(id, request.state, 'rejected');
    if (request.state !== 'submitted')
      throw new ConflictError(
        `Request ${id} is ${request.state}; only submitted requests can be rejected here`,
      );
    const rejected = await this.options.transitions.transition(
      request,
      'rejected',
      {
        actor: caller.userEntityRef,
        message: `Rejected by ${caller.userEntityRef} (${roles.join(
          ', ',
        )}): ${reason}`,
        auditMessage: reason,
        patch: { rejectReason: reason },
      },
    );
    if (!rejected)
      throw new ConflictError(
        `Request ${id} changed state while you rejected it; reload it`,
      );
    return rejected;
  }

  /** Withdraws the caller's own request before it is published. */
  async withdraw(
    id: string,
    caller: Caller,
    comment?: string,
  ): Promise<ConnectivityRequest> {
    const request = await this.get(id);
    this.options.authorizer.requireMayWithdraw(request, caller);
    assertTransition(id, request.state, 'withdrawn');
    const withdrawn = await this.options.transitions.transition(
      request,
      'withdrawn',
      {
        actor: caller.userEntityRef,
        message: `Withdrawn by ${caller.userEntityRef}${
          comment ? `: ${comment}` : ''
        }`,
        auditMessage: 'withdrawn',
        // The state change and cancelling the unstarted publication in one
        // transaction; refused (409) once a worker has started publishing.
        move: () =>
          this.options.store.withdraw(id, {
            actor: caller.userEntityRef,
            type: 'state',
            message: `Withdrawn by ${caller.userEntityRef}${
              comment ? `: ${comment}` : ''
            }`,
          }),
      },
    );
    if (!withdrawn)
      throw new ConflictError(
        `Request ${id} changed state while you withdrew it (it may have been published); reload it`,
      );
    return withdrawn;
  }

  /** Merges a published request in the portal (publishers such as local-git). */
  async merge(id: string, caller: Caller): Promise<ConnectivityRequest> {
    const request = await this.get(id);
    await this.options.authorizer.requireMayMerge(request, caller);
    await this.options.tracker.merge(request, caller.userEntityRef);
    return this.get(id);
  }

  /** Requests, filtered. */
  async list(
    filter: {
      entity?: string;
      state?: ConnectivityRequestState;
      mine?: boolean;
      toReview?: boolean;
    },
    caller: Caller,
  ): Promise<ConnectivityRequest[]> {
    let states: ConnectivityRequestState[] | undefined = filter.state
      ? [filter.state]
      : undefined;
    if (filter.toReview) states = ['submitted'];
    const items = await this.options.store.list({
      entity: filter.entity
        ? normalizeEntityRef(filter.entity, 'entity')
        : undefined,
      states,
      requester: filter.mine ? caller.userEntityRef : undefined,
    });
    if (!filter.toReview) return items;
    const reviewer = await this.isReviewer(caller);
    return items.filter(r =>
      this.options.authorizer.awaitsDecisionFrom(r, caller, reviewer),
    );
  }

  /** The event log for the audit export (reviewers only). */
  async auditEvents(
    filter: { from?: string; to?: string; entity?: string },
    caller: Caller,
  ): Promise<RequestEvent[]> {
    await this.options.authorizer.requireMayExport(caller);
    return this.options.store.events({
      from: filter.from,
      to: filter.to,
      entity: filter.entity
        ? normalizeEntityRef(filter.entity, 'entity')
        : undefined,
    });
  }
}
