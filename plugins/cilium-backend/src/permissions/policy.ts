import { Config } from '@backstage/config';
import {
  AuthorizeResult,
  ConditionalPolicyDecision,
  isPermission,
  PermissionCondition,
  PolicyDecision,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import type {
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import {
  ciliumFlowsReadPermission,
  ciliumRequestCreatePermission,
  ciliumRequestReviewPermission,
  ciliumStatusReadPermission,
} from '@cilium-zero-trust/plugin-cilium-common';

/**
 * The reviewer groups when `cilium.requests.reviewers` is not set.
 * @public
 */
export const DEFAULT_CILIUM_REVIEWER_GROUPS = ['group:default/platform-team'];

/**
 * The reviewer groups (`cilium.requests.reviewers`): entity refs of the groups
 * whose members review connectivity requests. The backend plugin and a
 * permission policy read the same setting.
 * @public
 */
export function readCiliumReviewerGroups(config: Config): string[] {
  return (
    config.getOptionalStringArray('cilium.requests.reviewers') ??
    DEFAULT_CILIUM_REVIEWER_GROUPS
  );
}

/**
 * Whether the user is a member of one of the reviewer groups (their
 * `ownershipEntityRefs` name one of them).
 * @public
 */
export function isCiliumReviewer(
  user: PolicyQueryUser | undefined,
  reviewerGroups: string[],
): boolean {
  const claims = user?.info.ownershipEntityRefs ?? [];
  return claims.some(ref => reviewerGroups.includes(ref));
}

/**
 * Conditions for the Cilium permissions that are resource permissions on
 * catalog entities (`cilium.request.create`, whose resource is the request's
 * source entity, and `cilium.flows.read`). The catalog evaluates them: they
 * are its `IS_ENTITY_OWNER` rule, so no rule of this plugin is involved and
 * a policy may mix them with the catalog's own conditions.
 * @public
 */
export const ciliumConditions = {
  /**
   * The caller owns the entity: one of `claims` (the user's
   * `ownershipEntityRefs`) is among its `ownedBy` relations. For
   * `cilium.request.create`, the entity is the request's source.
   */
  isSourceEntityOwner(params: {
    claims: string[];
  }): PermissionCondition<'catalog-entity', { claims: string[] }> {
    return {
      rule: 'IS_ENTITY_OWNER',
      resourceType: 'catalog-entity',
      params: { claims: params.claims },
    };
  },
};

/**
 * A conditional decision on a catalog-entity permission of this plugin,
 * evaluated by the catalog (as `createCatalogConditionalDecision` does).
 * @public
 */
export function createCiliumEntityConditionalDecision(
  permission: ResourcePermission<'catalog-entity'>,
  conditions: PermissionCondition<'catalog-entity'>,
): ConditionalPolicyDecision {
  return {
    result: AuthorizeResult.CONDITIONAL,
    pluginId: 'catalog',
    resourceType: permission.resourceType,
    conditions,
  };
}

/**
 * The plugin's recommended decisions for its own permissions, for a policy
 * to delegate to; undefined for every other permission:
 *
 * - `cilium.request.review`: members of the reviewer groups;
 * - `cilium.request.create`: owners of the request's source entity;
 * - `cilium.flows.read`, `cilium.status.read`: every signed-in user.
 *
 * @public
 */
export function decideCiliumPermission(
  request: PolicyQuery,
  user: PolicyQueryUser | undefined,
  options: { reviewerGroups: string[] },
): PolicyDecision | undefined {
  const { permission } = request;
  if (isPermission(permission, ciliumRequestReviewPermission)) {
    return {
      result: isCiliumReviewer(user, options.reviewerGroups)
        ? AuthorizeResult.ALLOW
        : AuthorizeResult.DENY,
    };
  }
  if (isPermission(permission, ciliumRequestCreatePermission)) {
    return createCiliumEntityConditionalDecision(
      permission,
      ciliumConditions.isSourceEntityOwner({
        claims: user?.info.ownershipEntityRefs ?? [],
      }),
    );
  }
  if (
    isPermission(permission, ciliumFlowsReadPermission) ||
    isPermission(permission, ciliumStatusReadPermission)
  ) {
    return { result: user ? AuthorizeResult.ALLOW : AuthorizeResult.DENY };
  }
  return undefined;
}
