import { mockCredentials } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { ConnectivityRequest } from '@cilium-zero-trust/plugin-cilium-common';
import { RequestAuthorizer } from './RequestAuthorizer';

const groups: Record<string, string[]> = {
  'user:default/grace': ['group:default/platform', 'group:default/payments'],
  'user:default/priya': ['group:default/platform'],
  'user:default/omar': ['group:default/platform', 'group:default/checkout'],
  'user:default/noah': ['group:default/payments'],
  'user:default/hidden': ['group:default/platform'],
};

function component(name: string, owner: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default' },
    spec: { owner, type: 'service', lifecycle: 'production' },
    relations: [{ type: 'ownedBy', targetRef: owner }],
  };
}

const catalogEntities: Record<string, Entity> = {
  'component:default/checkout': component('checkout', 'group:default/checkout'),
  'component:default/payments': component('payments', 'group:default/payments'),
};

function authorizer() {
  return new RequestAuthorizer({
    userInfo: {
      async getUserInfo(credentials: any) {
        const ref = credentials.principal.userEntityRef;
        return { userEntityRef: ref, ownershipEntityRefs: groups[ref] ?? [] };
      },
    },
    permissions: {
      async authorize(requests: unknown[]) {
        return requests.map(() => ({ result: AuthorizeResult.ALLOW }));
      },
    } as any,
    // `hidden` sees nothing (as a catalog permission policy can arrange).
    catalog: {
      async getEntityByRef(ref: string, { credentials }: any) {
        if (credentials.principal.userEntityRef === 'user:default/hidden')
          return undefined;
        return catalogEntities[ref];
      },
    } as any,
    reviewers: ['group:default/platform'],
  });
}

const request: ConnectivityRequest = {
  id: 'req-0000abcd',
  kind: 'grant',
  state: 'submitted',
  cluster: 'dev',
  clusters: ['dev'],
  source: 'component:default/checkout',
  target: { type: 'entity', ref: 'component:default/payments' },
  ports: [{ port: 8443, protocol: 'TCP' }],
  justification: 'Card payments.',
  requester: 'user:default/jane',
  createdAt: '2030-01-01T00:00:00.000Z',
  updatedAt: '2030-01-01T00:00:00.000Z',
  policies: [],
  findings: [],
  diff: { added: [], removed: [] },
  destinationOwners: ['group:default/payments'],
  consentNeeded: true,
  approvals: [],
};

const as = (ref: string) =>
  authorizer().caller(mockCredentials.user(`user:default/${ref}`));

describe('RequestAuthorizer separation of duties', () => {
  it('never lets one person who is both reviewer and destination owner complete both approvals', async () => {
    const a = authorizer();
    const grace = await as('grace');
    const roles = await a.requireDecider(request, grace);
    expect(roles).toEqual(['reviewer', 'destination-owner']);
    const at = '2030-01-02T00:00:00.000Z';
    const alone = roles.map(role => ({ role, by: grace.userEntityRef, at }));
    expect(a.isComplete(request, alone)).toBe(false);
    // A second person completes it, in either role.
    expect(
      a.isComplete(request, [
        ...alone,
        { role: 'reviewer', by: 'user:default/priya', at },
      ]),
    ).toBe(true);
    expect(
      a.isComplete(request, [
        ...alone,
        { role: 'destination-owner', by: 'user:default/noah', at },
      ]),
    ).toBe(true);
  });

  it('refuses, saying why, a reviewer who cannot see the source entity', async () => {
    await expect(
      authorizer().requireDecider(
        { ...request, consentNeeded: false },
        await as('hidden'),
      ),
    ).rejects.toThrow(
      /you cannot see component:default\/checkout in the catalog, so your independence from its owning team cannot be checked/,
    );
  });

  it("refuses a merge by a reviewer from the source's owning team or one who cannot see it", async () => {
    const published = { ...request, state: 'published' as const };
    await expect(
      authorizer().requireMayMerge(published, await as('omar')),
    ).rejects.toThrow(
      /You may not merge req-0000abcd: you own component:default\/checkout/,
    );
    await expect(
      authorizer().requireMayMerge(published, await as('hidden')),
    ).rejects.toThrow(/you cannot see component:default\/checkout/);
    await expect(
      authorizer().requireMayMerge(published, await as('priya')),
    ).resolves.toBeUndefined();
  });
});
