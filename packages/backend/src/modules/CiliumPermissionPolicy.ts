import {
  catalogConditions,
  createCatalogConditionalDecision,
} from '@backstage/plugin-catalog-backend/alpha';
import {
  catalogEntityDeletePermission,
  catalogEntityRefreshPermission,
  catalogLocationCreatePermission,
  catalogLocationDeletePermission,
} from '@backstage/plugin-catalog-common/alpha';
import {
  AuthorizeResult,
  isPermission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import {
  ciliumFlowsReadPermission,
  ciliumRequestCreatePermission,
  ciliumRequestReviewPermission,
} from '@cilium-zero-trust/plugin-cilium-common';

/**
 * The sample portal's permission policy:
 *
 * - members of a platform group (`cilium.requests.reviewers`) may do anything;
 * - `cilium.request.review`: platform groups only;
 * - `cilium.request.create`: owners of the source entity only;
 * - `cilium.flows.read`: every signed-in user (network visibility is not a secret
 *   inside the company; change it here to owners-only if yours is);
 * - catalog: everyone reads; deleting or refreshing an entity is for its owners;
 *   registering or removing locations is for platform groups;
 * - everything else: allowed.
 */
export class CiliumPermissionPolicy implements PermissionPolicy {
  constructor(private readonly platformGroups: string[]) {}

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    const claims = user?.info.ownershipEntityRefs ?? [];
    const isPlatform = claims.some(ref => this.platformGroups.includes(ref));
    const ownerOnly = () =>
      createCatalogConditionalDecision(
        request.permission as any,
        catalogConditions.isEntityOwner({ claims }),
      );

    if (isPlatform) return { result: AuthorizeResult.ALLOW };

    if (isPermission(request.permission, ciliumRequestReviewPermission)) {
      return { result: AuthorizeResult.DENY };
    }
    if (isPermission(request.permission, ciliumRequestCreatePermission)) {
      return ownerOnly();
    }
    if (isPermission(request.permission, ciliumFlowsReadPermission)) {
      return { result: user ? AuthorizeResult.ALLOW : AuthorizeResult.DENY };
    }
    if (
      isPermission(request.permission, catalogEntityDeletePermission) ||
      isPermission(request.permission, catalogEntityRefreshPermission)
    ) {
      return ownerOnly();
    }
    if (
      isPermission(request.permission, catalogLocationCreatePermission) ||
      isPermission(request.permission, catalogLocationDeletePermission)
    ) {
      return { result: AuthorizeResult.DENY };
    }
    return { result: AuthorizeResult.ALLOW };
  }
}
