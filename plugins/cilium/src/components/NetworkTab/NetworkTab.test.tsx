import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { Entity } from '@backstage/catalog-model';
import { discoveryApiRef, fetchApiRef } from '@backstage/core-plugin-api';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import {
  mockApis,
  registerMswTestHooks,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/test-utils';
import {
  EntityConnectivityResponse,
  EntityWorkloadsResponse,
  PolicyRuleRef,
} from '@cilium-zero-trust/plugin-cilium-common';
import { ciliumApiRef, CiliumClient } from '../../api';
import { NetworkTab } from './NetworkTab';

const annotated: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'checkout',
    namespace: 'default',
    annotations: {
      'backstage.io/kubernetes-namespace': 'checkout',
      'backstage.io/kubernetes-label-selector': 'app=checkout',
    },
  },
  spec: { type: 'service', owner: 'team-checkout', lifecycle: 'production' },
};

const unannotated: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'handbook', namespace: 'default' },
  spec: { type: 'website', owner: 'platform-team', lifecycle: 'production' },
};

const rule = (
  name: string,
  direction: 'ingress' | 'egress',
  ports: string,
): PolicyRuleRef => ({
  kind: 'CiliumNetworkPolicy',
  namespace: 'checkout',
  name,
  ruleIndex: 0,
  section: direction,
  elementIndex: 0,
  direction,
  deny: false,
  ports,
  path: `checkout/${name}.yaml`,
});

const connectivity: EntityConnectivityResponse = {
  entityRef: 'component:default/checkout',
  cluster: 'dev',
  clusters: ['dev'],
  workloads: ['checkout/checkout[Deployment]'],
  coverage: [
    {
      workload: 'checkout/checkout[Deployment]',
      ingress: {
        isolated: true,
        isolatedBy: ['CiliumNetworkPolicy checkout/default-deny'],
      },
      egress: {
        isolated: true,
        isolatedBy: ['CiliumNetworkPolicy checkout/default-deny'],
      },
    },
  ],
  egress: [
    {
      direction: 'egress',
      workload: 'checkout/checkout[Deployment]',
      peer: {
        type: 'entity',
        id: 'component:default/cart',
        workload: 'checkout/cart[Deployment]',
      },
      ports: 'TCP 50051',
      egressAllowedBy: [rule('allow-egress-to-cart', 'egress', 'TCP 50051')],
      ingressAllowedBy: [rule('allow-ingress-to-cart', 'ingress', 'TCP 50051')],
      deniedBy: [],
      l7: [],
    },
  ],
  ingress: [
    {
      direction: 'ingress',
      workload: 'checkout/checkout[Deployment]',
      peer: { type: 'cilium-entity', id: 'ingress' },
      ports: 'TCP 8080',
      egressAllowedBy: [],
      ingressAllowedBy: [rule('allow-from-gateway', 'ingress', 'TCP 8080')],
      deniedBy: [],
      l7: [
        {
          rule: rule('allow-from-gateway', 'ingress', 'TCP 8080'),
          type: 'http',
          rules: [{ method: 'POST', path: '/orders' }],
        },
      ],
    },
  ],
  drift: [
    {
      kind: 'declared-not-allowed',
      direction: 'egress',
      peer: 'component:default/payments',
      message:
        'The catalog says this depends on component:default/payments, but no policy allows the connection',
    },
  ],
  policiesLoadedAt: '2026-11-26T10:00:00Z',
  diagnostics: [],
};

const workloads: EntityWorkloadsResponse = {
  entityRef: 'component:default/checkout',
  identity: {
    cluster: 'dev',
    clusters: ['dev'],
    namespace: 'checkout',
    selector: 'app=checkout',
    requirements: [{ key: 'app', operator: 'In', values: ['checkout'] }],
    source: 'label-selector',
  },
  workloads: [
    {
      cluster: 'dev',
      namespace: 'checkout',
      kind: 'Deployment',
      name: 'checkout',
      podLabels: { app: 'checkout', tier: 'api' },
      ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
    },
  ],
};

const base = 'http://backstage.test/api/cilium';
const entityPath = '/api/cilium/entities/component/default/checkout';
const entityBase = `http://backstage.test${entityPath}`;

describe('NetworkTab', () => {
  const server = setupServer();
  registerMswTestHooks(server);
  const discoveryApi = mockApis.discovery({ baseUrl: 'http://backstage.test' });
  const fetchApi = { fetch: (input: any, init?: any) => fetch(input, init) };
  const requests: string[] = [];

  function renderTab(entity: Entity) {
    return renderInTestApp(
      <TestApiProvider
        apis={[
          [discoveryApiRef, discoveryApi],
          [fetchApiRef, fetchApi],
          [ciliumApiRef, new CiliumClient({ discoveryApi, fetchApi })],
        ]}
      >
        <EntityProvider entity={entity}>
          <NetworkTab />
        </EntityProvider>
      </TestApiProvider>,
      { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
    );
  }

  beforeEach(() => {
    requests.length = 0;
    server.events.on('request:start', ({ request }) => {
      requests.push(new URL(request.url).pathname);
    });
    server.use(
      http.get(`${entityBase}/connectivity`, () =>
        HttpResponse.json(connectivity),
      ),
      http.get(`${entityBase}/workloads`, () => HttpResponse.json(workloads)),
      http.get(`${entityBase}/traffic`, () =>
        HttpResponse.json({
          entityRef: 'component:default/checkout',
          cluster: 'dev',
          edges: [],
        }),
      ),
      http.get(`${base}/status`, () =>
        HttpResponse.json({
          clusters: [
            {
              cluster: 'dev',
              state: 'connected',
              connected: true,
              flowsPerSecond: 50,
              lagMs: 40,
              flowsReceived: 100,
              duplicatesDropped: 0,
              eventsLost: 0,
              namespaces: [],
              nodes: [],
              gaps: [],
            },
          ],
        }),
      ),
      http.get(`${base}/clusters/dev/policy-file`, ({ request }) =>
        HttpResponse.json({
          cluster: 'dev',
          path: new URL(request.url).searchParams.get('path'),
          yaml: 'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata:\n  name: allow-egress-to-cart\n',
        }),
      ),
    );
  });
  afterEach(() => server.events.removeAllListeners());

  it('shows coverage, the allowed peers with ports and the rules behind them, and opens a rule as YAML', async () => {
    await renderTab(annotated);
    expect(
      await screen.findByText('Ingress: default deny'),
    ).toBeInTheDocument();
    expect(screen.getByText('Egress: default deny')).toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent(
      'Hubble Relay connected · 50 flows/s',
    );

    const outgoing = screen
      .getByText('Outgoing: what this service may call')
      .closest('.MuiPaper-root') as HTMLElement;
    expect(within(outgoing).getByText('cart')).toBeInTheDocument();
    expect(within(outgoing).getByText('TCP 50051')).toBeInTheDocument();
    expect(
      within(outgoing).getByText('CNP checkout/allow-ingress-to-cart'),
    ).toBeInTheDocument();
    const incoming = screen
      .getByText('Incoming: who may call this service')
      .closest('.MuiPaper-root') as HTMLElement;
    expect(within(incoming).getByText('POST /orders')).toBeInTheDocument();

    fireEvent.click(
      within(outgoing).getByText('CNP checkout/allow-egress-to-cart'),
    );
    const dialog = await screen.findByRole('dialog');
    // The syntax highlighter may re-render the text once more after it first appears.
    await waitFor(() =>
      expect(
        within(dialog).getByText(/kind: CiliumNetworkPolicy/),
      ).toBeInTheDocument(),
    );
    expect(
      within(dialog).getByText('checkout/allow-egress-to-cart.yaml', {
        exact: false,
      }),
    ).toBeInTheDocument();
  });

  it('shows drift and the workloads on their tabs, loading the workloads only when asked', async () => {
    await renderTab(annotated);
    fireEvent.click(await screen.findByRole('tab', { name: /Drift/ }));
    expect(
      await screen.findByText('Declared, not allowed'),
    ).toBeInTheDocument();
    expect(requests).toContain(`${entityPath}/connectivity`);
    expect(requests).not.toContain(`${entityPath}/workloads`);
    fireEvent.click(screen.getByRole('tab', { name: 'Workloads' }));
    expect(
      await screen.findByText('Matching workloads in checkout'),
    ).toBeInTheDocument();
    expect(screen.getByText('tier=api')).toBeInTheDocument();
  });

  it('explains which annotations to add, without calling the backend, for an unannotated entity', async () => {
    await renderTab(unannotated);
    expect(
      await screen.findByText(
        'This entity is not mapped to Kubernetes workloads',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getAllByText(/backstage.io\/kubernetes-label-selector/).length,
    ).toBeGreaterThan(0);
    expect(requests.filter(p => p.startsWith('/api/cilium'))).toEqual([]);
  });

  it('says so when the user may not see the network data', async () => {
    server.use(
      http.get(`${entityBase}/connectivity`, () =>
        HttpResponse.json(
          {
            error: {
              name: 'NotAllowedError',
              message:
                'You are not allowed to cilium.flows.read on component:default/checkout',
            },
            request: { method: 'GET', url: '/x' },
            response: { statusCode: 403 },
          },
          { status: 403 },
        ),
      ),
    );
    await renderTab(annotated);
    expect(
      await screen.findByText(/You may not see this service's network data/),
    ).toBeInTheDocument();
  });

  it("shows the backend's error message when the entity cannot be resolved", async () => {
    server.use(
      http.get(`${entityBase}/connectivity`, () =>
        HttpResponse.json(
          {
            error: {
              name: 'InputError',
              message:
                'The entity names cluster "prod", which is not configured',
            },
            request: { method: 'GET', url: '/x' },
            response: { statusCode: 400 },
          },
          { status: 400 },
        ),
      ),
    );
    await renderTab(annotated);
    expect(
      (await screen.findAllByText(/which is not configured/)).length,
    ).toBeGreaterThan(0);
  });

  it('shows the traffic over time in its own section, asked for only when opened', async () => {
    server.use(
      http.get(`${entityBase}/traffic/history`, () =>
        HttpResponse.json({
          entityRef: 'component:default/checkout',
          cluster: 'dev',
          bucketSeconds: 60,
          buckets: [
            {
              start: '2026-11-26T10:00:00.000Z',
              forwarded: 12,
              dropped: 3,
              peers: [],
              otherPeers: { forwarded: 12, dropped: 3 },
            },
          ],
          peersEvicted: 0,
        }),
      ),
    );
    await renderTab(annotated);
    await screen.findByText('Ingress: default deny');
    expect(requests).not.toContain(
      '/api/cilium/entities/component/default/checkout/traffic/history',
    );
    fireEvent.click(screen.getByRole('tab', { name: 'Traffic over time' }));
    expect(
      await screen.findByRole('figure', {
        name: 'Forwarded and dropped flows per minute, last hour',
      }),
    ).toHaveAccessibleDescription(/12 forwarded, 3 dropped \(20%\)/);
  });
});
