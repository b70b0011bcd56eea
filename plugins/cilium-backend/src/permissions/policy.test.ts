import { ConfigReader } from '@backstage/config';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { PolicyQueryUser } from '@backstage/plugin-permission-node';
import {
  ciliumFlowsReadPermission,
  ciliumRequestCreatePermission,
  ciliumRequestReviewPermission,
  ciliumStatusReadPermission,
} from '@cilium-zero-trust/plugin-cilium-common';
import {
  decideCiliumPermission,
  isCiliumReviewer,
  readCiliumReviewerGroups,
} from './policy';

function user(ref: string, groups: string[]): PolicyQueryUser {
  const ownershipEntityRefs = [ref, ...groups];
  return {
    info: { userEntityRef: ref, ownershipEntityRefs },
    credentials: {} as any,
  } as PolicyQueryUser;
}

const reviewerGroups = ['group:default/network-reviewers'];
const developer = user('user:default/jane.doe', ['group:default/team-a']);
const reviewer = user('user:default/sam.ops', [
  'group:default/network-reviewers',
]);

describe('Cilium permission building blocks', () => {
  it('reads the reviewer groups from cilium.requests.reviewers', () => {
    expect(
      readCiliumReviewerGroups(
        new ConfigReader({
          cilium: { requests: { reviewers: reviewerGroups } },
        }),
      ),
    ).toEqual(reviewerGroups);
  });

  it('recognises reviewers by group membership only', () => {
    expect(isCiliumReviewer(reviewer, reviewerGroups)).toBe(true);
    expect(isCiliumReviewer(developer, reviewerGroups)).toBe(false);
    expect(isCiliumReviewer(undefined, reviewerGroups)).toBe(false);
  });

  it('allows review to reviewer-group members and denies everyone else', () => {
    const query = { permission: ciliumRequestReviewPermission };
    expect(
      decideCiliumPermission(query, reviewer, { reviewerGroups })?.result,
    ).toBe(AuthorizeResult.ALLOW);
    expect(
      decideCiliumPermission(query, developer, { reviewerGroups })?.result,
    ).toBe(AuthorizeResult.DENY);
  });

  it('makes filing a request conditional on owning the source entity, evaluated by the catalog', () => {
    expect(
      decideCiliumPermission(
        { permission: ciliumRequestCreatePermission },
        developer,
        { reviewerGroups },
      ),
    ).toEqual({
      result: AuthorizeResult.CONDITIONAL,
      pluginId: 'catalog',
      resourceType: 'catalog-entity',
      conditions: {
        rule: 'IS_ENTITY_OWNER',
        resourceType: 'catalog-entity',
        params: { claims: ['user:default/jane.doe', 'group:default/team-a'] },
      },
    });
  });

  it('lets signed-in users read flows and status, not anonymous callers', () => {
    for (const permission of [
      ciliumFlowsReadPermission,
      ciliumStatusReadPermission,
    ]) {
      expect(
        decideCiliumPermission({ permission }, developer, { reviewerGroups })
          ?.result,
      ).toBe(AuthorizeResult.ALLOW);
      expect(
        decideCiliumPermission({ permission }, undefined, { reviewerGroups })
          ?.result,
      ).toBe(AuthorizeResult.DENY);
    }
  });

  it('leaves other plugins’ permissions to the policy', () => {
    expect(
      decideCiliumPermission(
        {
          permission: {
            type: 'basic',
            name: 'catalog.location.create',
            attributes: { action: 'create' },
          },
        },
        developer,
        { reviewerGroups },
      ),
    ).toBeUndefined();
  });
});
