import { screen } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { Entity } from '@backstage/catalog-model';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import {
  mockApis,
  registerMswTestHooks,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/test-utils';
import { EntityTrafficResponse } from '@cilium-zero-trust/plugin-cilium-common';
import { ciliumApiRef, CiliumClient } from '../../api';
import { CiliumCard } from './CiliumCard';

const checkout: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'checkout',
    namespace: 'default',
    annotations: {
      'backstage.io/kubernetes-namespace': 'checkout',
      'backstage.io/kubernetes-id': 'checkout',
    },
  },
  spec: { type: 'service', owner: 'team-checkout', lifecycle: 'production' },
};

const edge = (
  direction: 'ingress' | 'egress',
  peer: string,
  verdicts: Record<string, number>,
) => ({
  direction,
  peer: { type: 'entity' as const, id: peer },
  protocol: 'TCP',
  port: 8080,
  verdicts,
  firstSeen: '2026-11-26T10:00:00Z',
  lastSeen: '2026-11-26T10:01:00Z',
  policies: [],
  dropReasons: [],
  l7: [],
});

describe('CiliumCard', () => {
  const server = setupServer();
  registerMswTestHooks(server);
  const discoveryApi = mockApis.discovery({ baseUrl: 'http://backstage.test' });
  const fetchApi = { fetch: (input: any, init?: any) => fetch(input, init) };

  it('summarises peers and forwarded and dropped flows per direction', async () => {
    const traffic: EntityTrafficResponse = {
      entityRef: 'component:default/checkout',
      cluster: 'dev',
      edges: [
        edge('ingress', 'component:default/storefront', { FORWARDED: 40 }),
        edge('egress', 'component:default/payments', { DROPPED: 7 }),
        edge('egress', 'component:default/cart', { FORWARDED: 12, DROPPED: 1 }),
      ],
    };
    server.use(
      http.get(
        'http://backstage.test/api/cilium/entities/component/default/checkout/traffic',
        () => HttpResponse.json(traffic),
      ),
    );
    await renderInTestApp(
      <TestApiProvider
        apis={[[ciliumApiRef, new CiliumClient({ discoveryApi, fetchApi })]]}
      >
        <EntityProvider entity={checkout}>
          <CiliumCard />
        </EntityProvider>
      </TestApiProvider>,
    );
    expect(
      await screen.findByText(/1 peers · 40 forwarded/),
    ).toBeInTheDocument();
    expect(screen.getByText(/2 peers · 12 forwarded/)).toBeInTheDocument();
    expect(screen.getByText('8 dropped')).toBeInTheDocument();
    expect(
      screen.getByRole('link', { name: 'Open the Network tab' }),
    ).toBeInTheDocument();
    expect(screen.queryByText(/also runs in/)).not.toBeInTheDocument();
  });

  it('names the cluster it shows for an entity in several', async () => {
    server.use(
      http.get(
        'http://backstage.test/api/cilium/entities/component/default/checkout/traffic',
        () =>
          HttpResponse.json({
            entityRef: 'component:default/checkout',
            cluster: 'dev',
            edges: [],
          }),
      ),
    );
    const inTwo: Entity = {
      ...checkout,
      metadata: {
        ...checkout.metadata,
        annotations: {
          ...checkout.metadata.annotations,
          'cilium.backstage.io/cluster': 'dev, prod',
        },
      },
    };
    await renderInTestApp(
      <TestApiProvider
        apis={[[ciliumApiRef, new CiliumClient({ discoveryApi, fetchApi })]]}
      >
        <EntityProvider entity={inTwo}>
          <CiliumCard />
        </EntityProvider>
      </TestApiProvider>,
    );
    expect(
      await screen.findByText('Cluster dev (also runs in prod)'),
    ).toBeInTheDocument();
  });
});
