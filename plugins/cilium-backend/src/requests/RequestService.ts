import {
  AuditorService,
  BackstageCredentials,
  LoggerService,
  PermissionsService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import {
  Entity,
  parseEntityRef,
  RELATION_OWNED_BY,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  ANNOTATION_CILIUM_CIDR,
  ANNOTATION_CILIUM_FQDN,
  ciliumRequestCreatePermission,
  ciliumRequestReviewPermission,
  ConnectivityPreview,
  ConnectivityRequest,
  ConnectivityRequestState,
  getWorkloadIdentity,
  RequestApproval,
  RequestEvent,
  RequestReplay,
} from '@cilium-zero-trust/plugin-cilium-common';
import type { LeanFlow } from '@cilium-zero-trust/plugin-cilium-node';
import { randomBytes } from 'crypto';
import { auditTransition } from './audit';
import {
  ChangePlan,
  GenerateRequest,
  GenerateTarget,
  planChange,
  selectorObjectOf,
} from './engine';
import { EngineProvider } from './EngineProvider';
import { replayFlows } from './replay';
import { RequestStore, StoredRequest } from './RequestStore';
import { RequestBody } from './schema';
import { assertTransition } from './stateMachine';

/** The signed-in caller, resolved server-side. */
export interface Caller {
  credentials: BackstageCredentials;
  userEntityRef: string;
  /** The user ref and the groups they belong to (`ownershipEntityRefs`). */
  claims: string[];
}

/** What the service needs; everything is injected so tests can swap it. */
export interface RequestServiceOptions {
  store: RequestStore;
  catalog: CatalogService;
  userInfo: UserInfoService;
  permissions: PermissionsService;
  engines: EngineProvider;
  auditor: AuditorService;
  logger: LoggerService;
  /** Entity refs of the reviewer groups (`cilium.requests.reviewers`). */
  reviewers: string[];
  defaultCluster: string;
  /** Recent flows of an entity from the live buffer (for the replay). */
  recentFlows?: (entityRef: string) => LeanFlow[];
  /** Called after a request became approved (kicks the outbox). */
  onApproved?: (id: string) => void;
  newId?: () => string;
  now?: () => Date;
}

const NO_REPLAY: RequestReplay = {
  flowsReplayed: 0,
  newlyAllowed: [],
  newlyDropped: [],
};

function ownersOf(entity: Entity): string[] {
  return (entity.relations ?? [])
    .filter(r => r.type === RELATION_OWNED_BY)
    .map(r => r.targetRef);
}

function normalizeRef(ref: string, field: string): string {
  try {
    return stringifyEntityRef(parseEntityRef(ref));
  } catch (e) {
    throw new InputError(
      `${field} "${ref}" is not an entity ref; write it as kind:namespace/name, e.g. component:default/checkout`,
    );
  }
}

interface Prepared {
  cluster: string;
  sourceRef: string;
  destinationOwners: string[];
  consentNeeded: boolean;
  plan: ChangePlan;
  replay: RequestReplay;
}

/**
 * Connectivity change requests: the ownership gate, generation and tests
 * (via the policy engine), approvals and the state machine. Routes are thin
 * wrappers around these methods.
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
  async caller(credentials: BackstageCredentials): Promise<Caller> {
    const info = await this.options.userInfo.getUserInfo(credentials);
    return {
      credentials,
      userEntityRef: info.userEntityRef,
      claims: [...new Set([info.userEntityRef, ...info.ownershipEntityRefs])],
    };
  }

  private async entity(
    ref: string,
    caller: Caller,
    field: string,
  ): Promise<Entity> {
    const entity = await this.options.catalog.getEntityByRef(ref, {
      credentials: caller.credentials,
    });
    if (!entity)
      throw new NotFoundError(
        `${field} ${ref} is not in the catalog, or you may not see it`,
      );
    return entity;
  }

  private identity(entity: Entity, field: string) {
    const result = getWorkloadIdentity(entity, {
      defaultCluster: this.options.defaultCluster,
    });
    if (!result.ok)
      throw new InputError(
        `${field} ${stringifyEntityRef(entity)} has no workload identity: ${
          result.message
        }`,
      );
    return result.identity;
  }

  /** The gate, then generation, validation and the tests. Nothing is stored. */
  private async prepare(
    body: RequestBody,
    caller: Caller,
    id: string,
  ): Promise<Prepared> {
    const sourceRef = normalizeRef(body.source, 'source');
    const source = await this.entity(sourceRef, caller, 'source');
    const [decision] = await this.options.permissions.authorize(
      [{ permission: ciliumRequestCreatePermission, resourceRef: sourceRef }],
      { credentials: caller.credentials },
    );
    const owners = ownersOf(source);
    if (
      decision.result !== AuthorizeResult.ALLOW ||
      !owners.some(o => caller.claims.includes(o))
    ) {
      throw new NotAllowedError(
        `Only the owners of ${sourceRef} (${
          owners.join(', ') || 'it has no owner'
        }) may request connectivity for it; you are ${caller.userEntityRef}${
          caller.claims.length > 1
            ? ` (member of ${caller.claims
                .filter(c => c !== caller.userEntityRef)
                .join(', ')})`
            : ''
        }`,
      );
    }
    const src = this.identity(source, 'source');
    const sourceEnd = {
      type: 'workloads' as const,
      entityRef: sourceRef,
      name: source.metadata.name,
      namespace: src.namespace,
      selector: selectorObjectOf(src.requirements),
    };

    let target: GenerateTarget;
    let destinationOwners: string[] = [];
    let ingressIntoService = false;
    if (body.target.type === 'entity') {
      const targetRef = normalizeRef(body.target.ref, 'target.ref');
      const dst = await this.entity(targetRef, caller, 'target');
      const a = dst.metadata.annotations ?? {};
      const result = getWorkloadIdentity(dst, {
        defaultCluster: this.options.defaultCluster,
      });
      if (result.ok) {
        if (result.identity.cluster !== src.cluster) {
          throw new InputError(
            `${targetRef} runs in cluster ${result.identity.cluster} and ${sourceRef} in ${src.cluster}; cross-cluster requests are not supported`,
          );
        }
        target = {
          type: 'workloads',
          entityRef: targetRef,
          name: dst.metadata.name,
          namespace: result.identity.namespace,
          selector: selectorObjectOf(result.identity.requirements),
        };
        destinationOwners = ownersOf(dst);
        ingressIntoService = true;
      } else if (a[ANNOTATION_CILIUM_FQDN]) {
        target = {
          type: 'fqdn',
          name: a[ANNOTATION_CILIUM_FQDN].split(',')[0].trim(),
        };
      } else if (a[ANNOTATION_CILIUM_CIDR]) {
        target = {
          type: 'cidr',
          cidr: a[ANNOTATION_CILIUM_CIDR].split(',')[0].trim(),
        };
      } else {
        throw new InputError(
          `target ${targetRef} has no workloads and no ${ANNOTATION_CILIUM_FQDN} / ${ANNOTATION_CILIUM_CIDR} annotation: ${result.message}`,
        );
      }
    } else if (body.target.type === 'fqdn') {
      target = { type: 'fqdn', name: body.target.name };
    } else if (body.target.type === 'cidr') {
      target = { type: 'cidr', cidr: body.target.cidr };
    } else {
      target = { type: 'cilium-entity', entity: body.target.entity };
    }

    const before = await this.options.engines.engine(src.cluster);
    const generateRequest: GenerateRequest = {
      id,
      requester: caller.userEntityRef,
      justification: body.justification,
      expiresAt: body.expiresAt
        ? new Date(body.expiresAt).toISOString()
        : undefined,
      source: sourceEnd,
      target,
      ports: body.ports,
      http: body.http,
    };
    if (
      body.expiresAt &&
      new Date(body.expiresAt).getTime() <= this.now().getTime()
    ) {
      throw new InputError(
        `expiresAt ${body.expiresAt} is in the past; give a future date-time or leave it out`,
      );
    }
    const plan = planChange(generateRequest, before);
    const replay =
      plan.after && this.options.recentFlows
        ? replayFlows(this.options.recentFlows(sourceRef), before, plan.after)
        : NO_REPLAY;
    if (replay.newlyDropped.length) {
      plan.findings.push({
        severity: 'error',
        code: 'replay-newly-dropped',
        message: `${replay.newlyDropped.length} recently forwarded flow(s) would be dropped after this change; a grant must not remove traffic.`,
      });
    }
    return {
      cluster: src.cluster,
      sourceRef,
      destinationOwners,
      consentNeeded:
        ingressIntoService &&
        destinationOwners.length > 0 &&
        !destinationOwners.some(o => caller.claims.includes(o)),
      plan,
      replay,
    };
  }

  /** Generates, validates and tests a request without saving it. */
  async preview(
    body: RequestBody,
    caller: Caller,
  ): Promise<ConnectivityPreview> {
    const p = await this.prepare(body, caller, 'req-preview');
    return {
      ok: !p.plan.findings.some(f => f.severity === 'error'),
      policies: p.plan.policies.map(x => ({ path: x.path, yaml: x.yaml })),
      findings: p.plan.findings,
      diff: p.plan.diff,
      replay: p.replay,
      approvals: {
        destinationOwners: p.consentNeeded ? p.destinationOwners : [],
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
      cluster: p.cluster,
      source: p.sourceRef,
      target:
        body.target.type === 'entity'
          ? { type: 'entity', ref: normalizeRef(body.target.ref, 'target.ref') }
          : body.target,
      ports: body.ports,
      ...(body.http ? { http: body.http } : {}),
      justification: body.justification,
      ...(body.expiresAt
        ? { expiresAt: new Date(body.expiresAt).toISOString() }
        : {}),
      requester: caller.userEntityRef,
      createdAt: at,
      updatedAt: at,
      policies: p.plan.policies.map(x => ({ path: x.path, yaml: x.yaml })),
      findings: p.plan.findings,
      diff: p.plan.diff,
      replay: p.replay,
      destinationOwners: p.destinationOwners,
      consentNeeded: p.consentNeeded,
    };
    await this.options.store.create(stored, {
      actor: caller.userEntityRef,
      type: 'state',
      toState: 'submitted',
      message: `${caller.userEntityRef} requested ${p.plan.diff.added.length} new edge(s): ${body.justification}`,
      data: { policies: stored.policies.map(x => x.path) },
    });
    await auditTransition(this.options.auditor, {
      requestId: id,
      from: '',
      to: 'submitted',
      actor: caller.userEntityRef,
      message: 'submitted',
    });
    return (await this.options.store.get(id))!;
  }

  /** A request with its event timeline. */
  async get(id: string): Promise<ConnectivityRequest> {
    const request = await this.options.store.get(id, { events: true });
    if (!request) throw new NotFoundError(`No connectivity request ${id}`);
    return request;
  }

  /** Whether the caller may review: a member of a reviewer group, allowed `cilium.request.review`. */
  async isReviewer(caller: Caller): Promise<boolean> {
    if (!caller.claims.some(c => this.options.reviewers.includes(c)))
      return false;
    const [decision] = await this.options.permissions.authorize(
      [{ permission: ciliumRequestReviewPermission }],
      {
        credentials: caller.credentials,
      },
    );
    return decision.result === AuthorizeResult.ALLOW;
  }

  /** The roles in which the caller may decide on a request, and why not otherwise. */
  private async roles(
    request: ConnectivityRequest,
    caller: Caller,
  ): Promise<{ roles: RequestApproval['role'][]; why: string }> {
    if (caller.userEntityRef === request.requester) {
      throw new NotAllowedError(
        `You filed ${request.id}; someone else must decide on it (nobody approves their own request)`,
      );
    }
    const roles: RequestApproval['role'][] = [];
    const notes: string[] = [];
    if (await this.isReviewer(caller)) {
      const source = await this.options.catalog.getEntityByRef(request.source, {
        credentials: caller.credentials,
      });
      if (source && ownersOf(source).some(o => caller.claims.includes(o))) {
        notes.push(
          `you own ${request.source}, so a reviewer outside its owning team must review it`,
        );
      } else {
        roles.push('reviewer');
      }
    }
    if (request.consentNeeded && request.target.type === 'entity') {
      const dst = await this.options.catalog.getEntityByRef(
        request.target.ref,
        { credentials: caller.credentials },
      );
      if (dst && ownersOf(dst).some(o => caller.claims.includes(o)))
        roles.push('destination-owner');
    }
    const who = [
      `members of ${this.options.reviewers.join(
        ', ',
      )} (with cilium.request.review)`,
      ...(request.consentNeeded
        ? [
            `the owners of ${
              (request.target as any).ref
            } (${request.destinationOwners.join(', ')})`,
          ]
        : []),
    ].join(' or ');
    return {
      roles,
      why: `Only ${who} may decide on ${request.id}${
        notes.length ? `; ${notes.join('; ')}` : ''
      }`,
    };
  }

  private complete(
    request: ConnectivityRequest,
    approvals: RequestApproval[],
  ): boolean {
    return (
      approvals.some(a => a.role === 'reviewer') &&
      (!request.consentNeeded ||
        approvals.some(a => a.role === 'destination-owner'))
    );
  }

  /** Records the caller's approval (reviewer) and/or consent (destination owner). */
  async approve(
    id: string,
    caller: Caller,
    comment?: string,
  ): Promise<ConnectivityRequest> {
    const request = await this.get(id);
    const { roles, why } = await this.roles(request, caller);
    if (!roles.length) throw new NotAllowedError(why);
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
    const result = await this.options.store.approve(
      id,
      roles.map(role => ({ role, approver: caller.userEntityRef, comment })),
      approvals => this.complete(request, approvals),
    );
    if (result.transitioned) {
      await auditTransition(this.options.auditor, {
        requestId: id,
        from: 'submitted',
        to: 'approved',
        actor: caller.userEntityRef,
        message: 'approved',
      });
      this.options.onApproved?.(id);
    }
    return this.get(id);
  }

  /** Rejects a submitted request with a reason (reviewers and destination owners). */
  async reject(
    id: string,
    caller: Caller,
    reason: string,
  ): Promise<ConnectivityRequest> {
    const request = await this.get(id);
    const { roles, why } = await this.roles(request, caller);
    if (!roles.length) throw new NotAllowedError(why);
    assertTransition(id, request.state, 'rejected');
    if (request.state !== 'submitted')
      throw new ConflictError(
        `Request ${id} is ${request.state}; only submitted requests can be rejected here`,
      );
    const ok = await this.options.store.transition(
      id,
      'submitted',
      'rejected',
      {
        actor: caller.userEntityRef,
        type: 'state',
        message: `Rejected by ${caller.userEntityRef} (${roles.join(
          ', ',
        )}): ${reason}`,
      },
      { rejectReason: reason },
    );
    if (!ok)
      throw new ConflictError(
        `Request ${id} changed state while you rejected it; reload it`,
      );
    await auditTransition(this.options.auditor, {
      requestId: id,
      from: 'submitted',
      to: 'rejected',
      actor: caller.userEntityRef,
      message: reason,
    });
    return this.get(id);
  }

  /** Withdraws the caller's own request before it is published. */
  async withdraw(
    id: string,
    caller: Caller,
    comment?: string,
  ): Promise<ConnectivityRequest> {
    const request = await this.get(id);
    if (
      request.requester !== caller.userEntityRef ||
      request.kind !== 'grant'
    ) {
      throw new NotAllowedError(
        `Only the requester (${request.requester}) may withdraw ${id}`,
      );
    }
    assertTransition(id, request.state, 'withdrawn');
    const ok = await this.options.store.transition(
      id,
      ['submitted', 'approved'],
      'withdrawn',
      {
        actor: caller.userEntityRef,
        type: 'state',
        message: `Withdrawn by ${caller.userEntityRef}${
          comment ? `: ${comment}` : ''
        }`,
      },
    );
    if (!ok)
      throw new ConflictError(
        `Request ${id} changed state while you withdrew it (it may have been published); reload it`,
      );
    await auditTransition(this.options.auditor, {
      requestId: id,
      from: request.state,
      to: 'withdrawn',
      actor: caller.userEntityRef,
      message: 'withdrawn',
    });
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
      entity: filter.entity ? normalizeRef(filter.entity, 'entity') : undefined,
      states,
      requester: filter.mine ? caller.userEntityRef : undefined,
    });
    if (!filter.toReview) return items;
    const reviewer = await this.isReviewer(caller);
    return items.filter(r => {
      if (r.requester === caller.userEntityRef) return false;
      const mine = r.approvals
        .filter(a => a.by === caller.userEntityRef)
        .map(a => a.role);
      const asReviewer =
        reviewer &&
        !mine.includes('reviewer') &&
        !r.approvals.some(a => a.role === 'reviewer');
      const asOwner =
        r.consentNeeded &&
        r.destinationOwners.some(o => caller.claims.includes(o)) &&
        !mine.includes('destination-owner');
      return asReviewer || asOwner;
    });
  }

  /** The event log for the audit export (reviewers only). */
  async auditEvents(
    filter: { from?: string; to?: string; entity?: string },
    caller: Caller,
  ): Promise<RequestEvent[]> {
    if (!(await this.isReviewer(caller))) {
      throw new NotAllowedError(
        `Only members of ${this.options.reviewers.join(
          ', ',
        )} (with cilium.request.review) may export the audit log`,
      );
    }
    return this.options.store.events({
      from: filter.from,
      to: filter.to,
      entity: filter.entity ? normalizeRef(filter.entity, 'entity') : undefined,
    });
  }
}
