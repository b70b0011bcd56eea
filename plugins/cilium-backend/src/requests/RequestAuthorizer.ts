import {
  BackstageCredentials,
  PermissionsService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { Entity } from '@backstage/catalog-model';
import { NotAllowedError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  AuthorizePermissionRequest,
  AuthorizeResult,
} from '@backstage/plugin-permission-common';
import {
  ciliumRequestCreatePermission,
  ciliumRequestReviewPermission,
  ConnectivityRequest,
  RequestApproval,
} from '@cilium-zero-trust/plugin-cilium-common';
import { ownersOf } from '../services/ownership';

/** The signed-in caller, resolved server-side. */
export interface Caller {
  credentials: BackstageCredentials;
  userEntityRef: string;
  /** The user ref and the groups they belong to (`ownershipEntityRefs`). */
  claims: string[];
}

/** What the authorizer needs. */
export interface RequestAuthorizerOptions {
  userInfo: UserInfoService;
  permissions: PermissionsService;
  catalog: CatalogService;
  /** Entity refs of the reviewer groups (`cilium.requests.reviewers`). */
  reviewers: string[];
}

/** A role in which someone decides on a request. */
export type DecidingRole = RequestApproval['role'];

/**
 * Who may do what with connectivity requests: file one (owners of the
 * source, with `cilium.request.create`), consent (owners of a destination
 * that runs workloads), approve or reject (reviewers with
 * `cilium.request.review`, outside the source's owning team; never the
 * requester), withdraw (the requester), merge and export the audit log
 * (reviewers). Every refusal says who may instead.
 */
export class RequestAuthorizer {
  constructor(private readonly options: RequestAuthorizerOptions) {}

  /** Resolves the caller's identity and groups from their credentials. */
  async caller(credentials: BackstageCredentials): Promise<Caller> {
    const info = await this.options.userInfo.getUserInfo(credentials);
    return {
      credentials,
      userEntityRef: info.userEntityRef,
      claims: [...new Set([info.userEntityRef, ...info.ownershipEntityRefs])],
    };
  }

  private owns(caller: Caller, owners: string[]): boolean {
    return owners.some(o => caller.claims.includes(o));
  }

  private async allowed(
    caller: Caller,
    request: AuthorizePermissionRequest,
  ): Promise<boolean> {
    const [decision] = await this.options.permissions.authorize([request], {
      credentials: caller.credentials,
    });
    return decision.result === AuthorizeResult.ALLOW;
  }

  /** Filing: the caller owns the source and is allowed `cilium.request.create` on it. */
  async requireMayFile(
    source: Entity,
    sourceRef: string,
    caller: Caller,
  ): Promise<void> {
    const allowed = await this.allowed(caller, {
      permission: ciliumRequestCreatePermission,
      resourceRef: sourceRef,
    });
    const owners = ownersOf(source);
    if (allowed && this.owns(caller, owners)) return;
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

  /**
   * Whether the destination's owners must consent: the change opens ingress
   * into their workloads and the requester is not one of them.
   */
  consentNeeded(
    destination: { destinationOwners: string[]; ingressIntoService: boolean },
    caller: Caller,
  ): boolean {
    return (
      destination.ingressIntoService &&
      destination.destinationOwners.length > 0 &&
      !this.owns(caller, destination.destinationOwners)
    );
  }

  /** Whether the caller may review: a member of a reviewer group, allowed `cilium.request.review`. */
  async isReviewer(caller: Caller): Promise<boolean> {
    if (!caller.claims.some(c => this.options.reviewers.includes(c)))
      return false;
    return this.allowed(caller, {
      permission: ciliumRequestReviewPermission,
    });
  }

  /**
   * The roles in which the caller decides on (approves or rejects) a
   * request; NotAllowedError saying who may when there are none.
   */
  async requireDecider(
    request: ConnectivityRequest,
    caller: Caller,
  ): Promise<DecidingRole[]> {
    if (caller.userEntityRef === request.requester) {
      throw new NotAllowedError(
        `You filed ${request.id}; someone else must decide on it (nobody approves their own request)`,
      );
    }
    const roles: DecidingRole[] = [];
    const notes: string[] = [];
    if (await this.isReviewer(caller)) {
      const independence = await this.independenceFromSource(
        request,
        caller,
        'review',
      );
      if (independence) notes.push(independence);
      else roles.push('reviewer');
    }
    const target = request.target;
    if (request.consentNeeded && target.type === 'entity') {
      const dst = await this.options.catalog.getEntityByRef(target.ref, {
        credentials: caller.credentials,
      });
      if (dst && this.owns(caller, ownersOf(dst)))
        roles.push('destination-owner');
    }
    if (roles.length) return roles;
    const who = [
      `members of ${this.options.reviewers.join(
        ', ',
      )} (with cilium.request.review)`,
      ...(request.consentNeeded && target.type === 'entity'
        ? [
            `the owners of ${target.ref} (${request.destinationOwners.join(
              ', ',
            )})`,
          ]
        : []),
    ].join(' or ');
    throw new NotAllowedError(
      `Only ${who} may decide on ${request.id}${
        notes.length ? `; ${notes.join('; ')}` : ''
      }`,
    );
  }

  /**
   * Why the caller is not independent of the request's source (undefined
   * when they are): a reviewer must be outside the source's owning team, and
   * one who cannot see the source entity cannot show that, so is refused
   * rather than assumed independent.
   */
  private async independenceFromSource(
    request: ConnectivityRequest,
    caller: Caller,
    act: 'review' | 'merge',
  ): Promise<string | undefined> {
    const source = await this.options.catalog.getEntityByRef(request.source, {
      credentials: caller.credentials,
    });
    if (!source) {
      return `you cannot see ${request.source} in the catalog, so your independence from its owning team cannot be checked; a reviewer who can see it must ${act} it`;
    }
    if (this.owns(caller, ownersOf(source))) {
      return `you own ${request.source}, so a reviewer outside its owning team must ${act} it`;
    }
    return undefined;
  }

  /**
   * Whether the approvals are enough: a reviewer's, and, when needed, the
   * destination owners' consent given by someone other than that reviewer
   * (one person who is both never satisfies both alone).
   */
  isComplete(
    request: ConnectivityRequest,
    approvals: RequestApproval[],
  ): boolean {
    const reviewers = approvals.filter(a => a.role === 'reviewer');
    if (!request.consentNeeded) return reviewers.length > 0;
    const owners = approvals.filter(a => a.role === 'destination-owner');
    return reviewers.some(r => owners.some(o => o.by !== r.by));
  }

  /** Whether a submitted request still waits for the caller's decision (the "to review" list). */
  awaitsDecisionFrom(
    request: ConnectivityRequest,
    caller: Caller,
    callerIsReviewer: boolean,
  ): boolean {
    if (request.requester === caller.userEntityRef) return false;
    const mine = request.approvals
      .filter(a => a.by === caller.userEntityRef)
      .map(a => a.role);
    const asReviewer =
      callerIsReviewer &&
      !mine.includes('reviewer') &&
      !request.approvals.some(a => a.role === 'reviewer');
    const asOwner =
      request.consentNeeded &&
      this.owns(caller, request.destinationOwners) &&
      !mine.includes('destination-owner');
    return asReviewer || asOwner;
  }

  /** Withdrawing: only the requester, only their own grant. */
  requireMayWithdraw(request: ConnectivityRequest, caller: Caller): void {
    if (
      request.requester !== caller.userEntityRef ||
      request.kind !== 'grant'
    ) {
      throw new NotAllowedError(
        `Only the requester (${request.requester}) may withdraw ${request.id}`,
      );
    }
  }

  /**
   * Merging in the portal: reviewers outside the source's owning team (who
   * can see the source). The tracker also refuses the requester.
   */
  async requireMayMerge(
    request: ConnectivityRequest,
    caller: Caller,
  ): Promise<void> {
    if (!(await this.isReviewer(caller))) {
      throw new NotAllowedError(`Only reviewers may merge ${request.id}`);
    }
    const independence = await this.independenceFromSource(
      request,
      caller,
      'merge',
    );
    if (independence) {
      throw new NotAllowedError(
        `You may not merge ${request.id}: ${independence}`,
      );
    }
  }

  /** Retrying a failed publication: reviewers only. */
  async requireMayRetryPublish(
    requestId: string,
    caller: Caller,
  ): Promise<void> {
    if (!(await this.isReviewer(caller))) {
      throw new NotAllowedError(
        `Only members of ${this.options.reviewers.join(
          ', ',
        )} (with cilium.request.review) may retry publishing ${requestId}`,
      );
    }
  }

  /** Filing the removal of an expiring grant again: reviewers only. */
  async requireMayFileRemoval(
    requestId: string,
    caller: Caller,
  ): Promise<void> {
    if (!(await this.isReviewer(caller))) {
      throw new NotAllowedError(
        `Only members of ${this.options.reviewers.join(
          ', ',
        )} (with cilium.request.review) may file the removal of ${requestId} again`,
      );
    }
  }

  /** The audit export: reviewers only. */
  async requireMayExport(caller: Caller): Promise<void> {
    if (!(await this.isReviewer(caller))) {
      throw new NotAllowedError(
        `Only members of ${this.options.reviewers.join(
          ', ',
        )} (with cilium.request.review) may export the audit log`,
      );
    }
  }
}
