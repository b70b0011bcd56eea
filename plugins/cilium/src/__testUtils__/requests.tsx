import { ReactNode } from 'react';
import { Entity } from '@backstage/catalog-model';
import {
  discoveryApiRef,
  fetchApiRef,
  identityApiRef,
} from '@backstage/core-plugin-api';
import { catalogApiRef, entityRouteRef } from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { mockApis, TestApiProvider } from '@backstage/test-utils';
import {
  ConnectivityPreview,
  ConnectivityRequest,
} from '@cilium-zero-trust/plugin-cilium-common';
import { ciliumApiRef, CiliumClient } from '../api';
import { ciliumPageRouteRef } from '../routes';

/** Routes the request UI links to. */
export const mountedRoutes = {
  '/cilium': ciliumPageRouteRef,
  '/catalog/:namespace/:kind/:name': entityRouteRef,
};

export const base = 'http://backstage.test/api/cilium';

export function component(
  name: string,
  owner: string,
  annotated = true,
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name,
      namespace: 'default',
      title: name[0].toUpperCase() + name.slice(1),
      annotations: annotated
        ? {
            'backstage.io/kubernetes-namespace': 'checkout',
            'backstage.io/kubernetes-id': name,
          }
        : {},
    },
    spec: { type: 'service', owner, lifecycle: 'production' },
    relations: [{ type: 'ownedBy', targetRef: `group:default/${owner}` }],
  };
}

export const catalogEntities: Entity[] = [
  component('checkout', 'team-checkout'),
  component('payments', 'team-payments'),
  component('cart', 'team-checkout'),
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Resource',
    metadata: {
      name: 'stripe-api',
      namespace: 'default',
      annotations: { 'cilium.backstage.io/fqdn': 'api.stripe.com' },
    },
    spec: { type: 'external-api', owner: 'team-checkout' },
  },
];

export const yaml = `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: allow-egress-from-checkout-to-payments-req-1a2b3c4d
  namespace: checkout
spec:
  endpointSelector:
    matchLabels:
      backstage.io/kubernetes-id: checkout
`;

export const preview: ConnectivityPreview = {
  ok: true,
  policies: [
    {
      cluster: 'dev',
      path: 'policies/checkout/allow-egress-from-checkout-to-payments.yaml',
      yaml,
    },
  ],
  findings: [
    {
      severity: 'warning',
      code: 'dns-rule-added',
      message: 'A DNS rule was added because checkout is egress-isolated',
    },
  ],
  diff: {
    added: [
      {
        src: 'component:default/checkout',
        dst: 'component:default/payments',
        before: 'denied',
        after: 'TCP 8443',
        expected: true,
      },
    ],
    removed: [],
  },
  replay: {
    flowsReplayed: 120,
    newlyAllowed: [
      {
        time: '2026-11-26T10:00:00Z',
        source: 'checkout/checkout-abc',
        destination: 'checkout/payments-def',
        port: 8443,
        protocol: 'TCP',
      },
    ],
    newlyDropped: [],
  },
  approvals: {
    destinationOwners: ['group:default/team-payments'],
    reviewerGroups: ['group:default/platform-team'],
  },
};

export function storedRequest(
  patch: Partial<ConnectivityRequest> = {},
): ConnectivityRequest {
  return {
    id: 'req-1a2b3c4d',
    kind: 'grant',
    state: 'submitted',
    cluster: 'dev',
    clusters: ['dev'],
    source: 'component:default/checkout',
    target: { type: 'entity', ref: 'component:default/payments' },
    ports: [{ port: 8443, protocol: 'TCP' }],
    justification: 'Checkout takes card payments through the payments service.',
    requester: 'user:default/aisha.bello',
    createdAt: '2026-11-26T10:00:00Z',
    updatedAt: '2026-11-26T10:00:00Z',
    policies: preview.policies,
    findings: [],
    diff: preview.diff,
    replay: preview.replay,
    destinationOwners: ['group:default/team-payments'],
    consentNeeded: true,
    approvals: [],
    events: [
      {
        id: 1,
        requestId: 'req-1a2b3c4d',
        at: '2026-11-26T10:00:00Z',
        actor: 'user:default/aisha.bello',
        type: 'state',
        toState: 'submitted',
        message: 'Filed by user:default/aisha.bello',
      },
    ],
    ...patch,
  };
}

export function errorBody(status: number, name: string, message: string) {
  return {
    error: { name, message },
    request: { method: 'POST', url: '/x' },
    response: { statusCode: status },
  };
}

/** The APIs the request UI needs, with the signed-in user and their groups. */
export function RequestApis(props: {
  user: string;
  groups: string[];
  children: ReactNode;
  entities?: Entity[];
}) {
  const discoveryApi = mockApis.discovery({ baseUrl: 'http://backstage.test' });
  const fetchApi = { fetch: (input: any, init?: any) => fetch(input, init) };
  return (
    <TestApiProvider
      apis={[
        [discoveryApiRef, discoveryApi],
        [fetchApiRef, fetchApi],
        [ciliumApiRef, new CiliumClient({ discoveryApi, fetchApi })],
        [
          catalogApiRef,
          catalogApiMock({ entities: props.entities ?? catalogEntities }),
        ],
        [
          identityApiRef,
          mockApis.identity({
            userEntityRef: props.user,
            ownershipEntityRefs: [props.user, ...props.groups],
          }),
        ],
      ]}
    >
      {props.children}
    </TestApiProvider>
  );
}
