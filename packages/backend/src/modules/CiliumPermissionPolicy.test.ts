import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { PolicyQueryUser } from '@backstage/plugin-permission-node';
import {
  catalogEntityDeletePermission,
  catalogEntityReadPermission,
  catalogLocationCreatePermission,
} from '@backstage/plugin-catalog-common/alpha';
import {
  ciliumFlowsReadPermission,
  ciliumRequestCreatePermission,
  ciliumRequestReviewPermission,
} from '@cilium-zero-trust/plugin-cilium-common';
import { CiliumPermissionPolicy } from './CiliumPermissionPolicy';

function user(ref: string, groups: string[]): PolicyQueryUser {
  return {
    identity: {
      type: 'user',
      userEntityRef: ref,
      ownershipEntityRefs: [ref, ...groups],
    },
    info: { userEntityRef: ref, ownershipEntityRefs: [ref, ...groups] },
    token: 'token',
    credentials: {} as any,
  } as PolicyQueryUser;
}

describe('CiliumPermissionPolicy', () => {
  const policy = new CiliumPermissionPolicy(['group:default/platform-team']);
  const developer = user('user:default/jane.doe', [
    'group:default/team-checkout',
  ]);
  const platform = user('user:default/sam.ops', [
    'group:default/platform-team',
  ]);

  it('lets only platform groups review requests', async () => {
    expect(
      (
        await policy.handle(
          { permission: ciliumRequestReviewPermission },
          developer,
        )
      ).result,
    ).toBe(AuthorizeResult.DENY);
    expect(
      (
        await policy.handle(
          { permission: ciliumRequestReviewPermission },
          platform,
        )
      ).result,
    ).toBe(AuthorizeResult.ALLOW);
  });

  it('makes request creation conditional on owning the source entity', async () => {
    const decision = await policy.handle(
      { permission: ciliumRequestCreatePermission },
      developer,
    );
    expect(decision).toEqual({
      result: AuthorizeResult.CONDITIONAL,
      pluginId: 'catalog',
      resourceType: 'catalog-entity',
      conditions: {
        rule: 'IS_ENTITY_OWNER',
        resourceType: 'catalog-entity',
        params: {
          claims: ['user:default/jane.doe', 'group:default/team-checkout'],
        },
      },
    });
  });

  it('lets signed-in users read flows but not anonymous callers', async () => {
    expect(
      (
        await policy.handle(
          { permission: ciliumFlowsReadPermission },
          developer,
        )
      ).result,
    ).toBe(AuthorizeResult.ALLOW);
    expect(
      (await policy.handle({ permission: ciliumFlowsReadPermission })).result,
    ).toBe(AuthorizeResult.DENY);
  });

  it('keeps catalog changes to owners and platform groups', async () => {
    expect(
      (
        await policy.handle(
          { permission: catalogEntityReadPermission },
          developer,
        )
      ).result,
    ).toBe(AuthorizeResult.ALLOW);
    expect(
      (
        await policy.handle(
          { permission: catalogEntityDeletePermission },
          developer,
        )
      ).result,
    ).toBe(AuthorizeResult.CONDITIONAL);
    expect(
      (
        await policy.handle(
          { permission: catalogLocationCreatePermission },
          developer,
        )
      ).result,
    ).toBe(AuthorizeResult.DENY);
    expect(
      (
        await policy.handle(
          { permission: catalogLocationCreatePermission },
          platform,
        )
      ).result,
    ).toBe(AuthorizeResult.ALLOW);
  });
});
