import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { ConnectivityRequest } from '@cilium-zero-trust/plugin-cilium-common';
import { Caller, RequestAuthorizer } from './RequestAuthorizer';

function component(name: string, owner: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default' },
    spec: { type: 'service', owner, lifecycle: 'production' },
    relations: [{ type: 'ownedBy', targetRef: owner }],
  };
}

const checkout = component('checkout', 'group:default/team-checkout');
const payments = component('payments', 'group:default/team-payments');

function caller(user: string, ...groups: string[]): Caller {
  return {
    credentials: mockCredentials.user(user),
    userEntityRef: user,
    claims: [user, ...groups],
  };
}

const request = {
  id: 'req-0000abcd',
  kind: 'grant',
  state: 'submitted',
  requester: 'user:default/jane.doe',
  source: 'component:default/checkout',
  target: { type: 'entity', ref: 'component:default/payments' },
  consentNeeded: true,
  destinationOwners: ['group:default/team-payments'],
  approvals: [],
} as Partial<ConnectivityRequest> as ConnectivityRequest;

function authorizer(result: AuthorizeResult = AuthorizeResult.ALLOW) {
  const permissions = mockServices.permissions.mock();
  permissions.authorize.mockImplementation(async reqs =>
    reqs.map(() => ({ result } as { result: AuthorizeResult.ALLOW })),
  );
  return new RequestAuthorizer({
    userInfo: mockServices.userInfo.mock(),
    permissions,
    catalog: catalogServiceMock({ entities: [checkout, payments] }),
    reviewers: ['group:default/platform-team'],
  });
}

describe('RequestAuthorizer', () => {
  it('lets only the owners of the source file, and says who they are', async () => {
    await expect(
      authorizer().requireMayFile(
        checkout,
        'component:default/checkout',
        caller('user:default/jane.doe', 'group:default/team-checkout'),
      ),
    ).resolves.toBeUndefined();
    await expect(
      authorizer().requireMayFile(
        checkout,
        'component:default/checkout',
        caller('user:default/sam', 'group:default/team-payments'),
      ),
    ).rejects.toThrow(
      'Only the owners of component:default/checkout (group:default/team-checkout) may request connectivity for it; you are user:default/sam (member of group:default/team-payments)',
    );
    await expect(
      authorizer(AuthorizeResult.DENY).requireMayFile(
        checkout,
        'component:default/checkout',
        caller('user:default/jane.doe', 'group:default/team-checkout'),
      ),
    ).rejects.toThrow(/Only the owners of component:default\/checkout/);
  });

  it('gives reviewers and destination owners their roles, never the requester', async () => {
    const a = authorizer();
    await expect(
      a.requireDecider(
        request,
        caller('user:default/priya', 'group:default/platform-team'),
      ),
    ).resolves.toEqual(['reviewer']);
    await expect(
      a.requireDecider(
        request,
        caller('user:default/sam', 'group:default/team-payments'),
      ),
    ).resolves.toEqual(['destination-owner']);
    await expect(
      a.requireDecider(
        request,
        caller('user:default/jane.doe', 'group:default/platform-team'),
      ),
    ).rejects.toThrow('You filed req-0000abcd; someone else must decide on it');
  });

  it('names who may decide when the caller may not, and why a reviewer owning the source may not', async () => {
    const a = authorizer();
    await expect(
      a.requireDecider(request, caller('user:default/guest')),
    ).rejects.toThrow(
      'Only members of group:default/platform-team (with cilium.request.review) or the owners of component:default/payments (group:default/team-payments) may decide on req-0000abcd',
    );
    await expect(
      a.requireDecider(
        request,
        caller(
          'user:default/lee',
          'group:default/platform-team',
          'group:default/team-checkout',
        ),
      ),
    ).rejects.toThrow(
      'you own component:default/checkout, so a reviewer outside its owning team must review it',
    );
  });

  it('needs consent only for ingress into workloads the requester does not own', () => {
    const a = authorizer();
    const payer = caller('user:default/sam', 'group:default/team-payments');
    const other = caller(
      'user:default/jane.doe',
      'group:default/team-checkout',
    );
    const into = {
      destinationOwners: ['group:default/team-payments'],
      ingressIntoService: true,
    };
    expect(a.consentNeeded(into, other)).toBe(true);
    expect(a.consentNeeded(into, payer)).toBe(false);
    expect(a.consentNeeded({ ...into, ingressIntoService: false }, other)).toBe(
      false,
    );
  });

  it('lists a submitted request for a reviewer until some reviewer approved it', () => {
    const a = authorizer();
    const priya = caller('user:default/priya', 'group:default/platform-team');
    expect(a.awaitsDecisionFrom(request, priya, true)).toBe(true);
    expect(
      a.awaitsDecisionFrom(
        {
          ...request,
          approvals: [
            { role: 'reviewer', by: 'user:default/other', at: '2030-01-01' },
          ],
        },
        priya,
        true,
      ),
    ).toBe(false);
    expect(
      a.awaitsDecisionFrom(request, caller('user:default/jane.doe'), true),
    ).toBe(false);
  });
});
