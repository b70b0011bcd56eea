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
  decideCiliumPermission,
  isCiliumReviewer,
} from '@cilium-zero-trust/plugin-cilium-backend';

/**
 * The sample portal's permission policy, built on the Cilium plugin's
 * building blocks:
 *
 * - members of a platform group (`cilium.requests.reviewers`) may do anything;
 * - the Cilium permissions as the plugin recommends (`decideCiliumPermission`):
 *   `cilium.request.review` for reviewer groups only, `cilium.request.create`
 *   for owners of the source entity, `cilium.flows.read` and
 *   `cilium.status.read` for every signed-in user (network visibility is not a
 *   secret inside the company; make it owners-only if yours is);
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
    if (isCiliumReviewer(user, this.platformGroups)) {
      return { result: AuthorizeResult.ALLOW };
    }
    const cilium = decideCiliumPermission(request, user, {
      reviewerGroups: this.platformGroups,
    });
    if (cilium) return cilium;

    if (
      isPermission(request.permission, catalogEntityDeletePermission) ||
      isPermission(request.permission, catalogEntityRefreshPermission)
    ) {
      return createCatalogConditionalDecision(
        request.permission,
        catalogConditions.isEntityOwner({
          claims: user?.info.ownershipEntityRefs ?? [],
        }),
      );
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
