import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { useLocation } from 'react-router-dom';
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
  FlowRecord,
} from '@cilium-zero-trust/plugin-cilium-common';
import { ciliumApiRef, CiliumClient } from '../../api';
import { NetworkTab } from './NetworkTab';

/** checkout runs in dev (its default) and prod. */
const checkout: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'checkout',
    namespace: 'default',
    annotations: {
      'backstage.io/kubernetes-namespace': 'checkout',
      'backstage.io/kubernetes-id': 'checkout',
      'cilium.backstage.io/cluster': 'dev,prod',
    },
  },
  spec: { type: 'service', owner: 'team-checkout', lifecycle: 'production' },
};

/** dev allows checkout → cart and → payments; prod only → payments. */
function connectivity(cluster: string): EntityConnectivityResponse {
  const peers = cluster === 'dev' ? ['cart', 'payments'] : ['payments'];
  return {
    entityRef: 'component:default/checkout',
    cluster,
    clusters: ['dev', 'prod'],
    workloads: ['checkout/checkout[Deployment]'],
    coverage: [
      {
        workload: 'checkout/checkout[Deployment]',
        ingress: { isolated: true, isolatedBy: ['x'] },
        egress: { isolated: cluster === 'prod', isolatedBy: [] },
      },
    ],
    egress: peers.map(peer => ({
      direction: 'egress' as const,
      workload: 'checkout/checkout[Deployment]',
      peer: { type: 'entity' as const, id: `component:default/${peer}` },
      ports: cluster === 'dev' ? 'TCP 50051' : 'TCP 8443',
      egressAllowedBy: [],
      ingressAllowedBy: [],
      deniedBy: [],
      l7: [],
    })),
    ingress: [],
    drift: [],
    policiesLoadedAt: '2026-11-26T10:00:00Z',
    diagnostics: [],
  };
}

function record(uuid: string, to: string, port: number): FlowRecord {
  return {
    flow: {
      uuid,
      time: '2026-11-26T10:00:00.123Z',
      verdict: 'DROPPED',
      drop_reason_desc: 'POLICY_DENIED',
      l4: { TCP: { source_port: 40000, destination_port: port } },
      source: { namespace: 'checkout', pod_name: 'checkout-abc' },
      destination: { namespace: 'checkout', pod_name: `${to}-def` },
    },
    backstage: {
      source: 'component:default/checkout',
      destination: `component:default/${to}`,
    },
  };
}

const base = 'http://backstage.test/api/cilium';
const entityBase = `${base}/entities/component/default/checkout`;

const LocationProbe = () => (
  <div data-testid="location-search">{useLocation().search}</div>
);

describe('NetworkTab with several clusters', () => {
  const server = setupServer();
  registerMswTestHooks(server);
  const discoveryApi = mockApis.discovery({ baseUrl: 'http://backstage.test' });
  const fetchApi = { fetch: (input: any, init?: any) => fetch(input, init) };
  /** Path and `?cluster=` of every call to the backend. */
  const calls: string[] = [];

  function renderTab(route = '/') {
    return renderInTestApp(
      <TestApiProvider
        apis={[
          [discoveryApiRef, discoveryApi],
          [fetchApiRef, fetchApi],
          [ciliumApiRef, new CiliumClient({ discoveryApi, fetchApi })],
        ]}
      >
        <EntityProvider entity={checkout}>
          <LocationProbe />
          <NetworkTab />
        </EntityProvider>
      </TestApiProvider>,
      {
        routeEntries: [route],
        mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
      },
    );
  }

  const clusterOf = (request: Request) =>
    new URL(request.url).searchParams.get('cluster');

  beforeEach(() => {
    calls.length = 0;
    server.events.on('request:start', ({ request }) => {
      const url = new URL(request.url);
      calls.push(
        `${url.pathname.replace(
          '/api/cilium/entities/component/default/checkout',
          '',
        )} ${url.searchParams.get('cluster') ?? '-'}`,
      );
    });
    const badCluster = (cluster: string) =>
      HttpResponse.json(
        {
          error: {
            name: 'InputError',
            message: `component:default/checkout does not run in cluster "${cluster}"; it runs in dev, prod`,
          },
          request: { method: 'GET', url: '/x' },
          response: { statusCode: 400 },
        },
        { status: 400 },
      );
    server.use(
      http.get(`${entityBase}/connectivity`, ({ request }) => {
        const cluster = clusterOf(request) ?? 'dev';
        if (cluster !== 'dev' && cluster !== 'prod') return badCluster(cluster);
        return HttpResponse.json(connectivity(cluster));
      }),
      http.get(`${entityBase}/traffic`, ({ request }) =>
        HttpResponse.json({
          entityRef: 'component:default/checkout',
          cluster: clusterOf(request) ?? 'dev',
          edges: [],
        }),
      ),
      http.get(`${entityBase}/traffic/history`, ({ request }) =>
        HttpResponse.json({
          entityRef: 'component:default/checkout',
          cluster: clusterOf(request) ?? 'dev',
          bucketSeconds: 60,
          buckets: [
            {
              start: '2026-11-26T10:00:00.000Z',
              forwarded: clusterOf(request) === 'prod' ? 70 : 12,
              dropped: clusterOf(request) === 'prod' ? 30 : 3,
              peers: [],
              otherPeers: { forwarded: 0, dropped: 0 },
            },
          ],
          peersEvicted: 0,
        }),
      ),
      http.get(`${entityBase}/workloads`, ({ request }) => {
        const cluster = clusterOf(request) ?? 'dev';
        return HttpResponse.json({
          entityRef: 'component:default/checkout',
          identity: {
            cluster,
            clusters: ['dev', 'prod'],
            namespace: 'checkout',
            selector: 'backstage.io/kubernetes-id=checkout',
            requirements: [],
            source: 'kubernetes-id',
          },
          workloads: [
            {
              cluster,
              namespace: 'checkout',
              kind: 'Deployment',
              name: `checkout-${cluster}`,
              podLabels: { 'backstage.io/kubernetes-id': 'checkout' },
              ports: [],
            },
          ],
        });
      }),
      http.get(`${entityBase}/flows`, ({ request }) => {
        const cluster = clusterOf(request) ?? 'dev';
        return HttpResponse.json({
          entityRef: 'component:default/checkout',
          cluster,
          evicted: 0,
          flows:
            cluster === 'prod'
              ? [record('p1', 'fraud', 9000)]
              : [record('d1', 'ledger', 7000)],
        });
      }),
      http.get(
        `${entityBase}/flows/stream`,
        () =>
          new HttpResponse(
            new ReadableStream({
              start(controller) {
                controller.enqueue(new TextEncoder().encode(': connected\n\n'));
              },
            }),
            { headers: { 'content-type': 'text/event-stream' } },
          ),
      ),
      http.get(`${base}/status`, () =>
        HttpResponse.json({
          clusters: ['dev', 'prod'].map(cluster => ({
            cluster,
            state: 'connected',
            connected: true,
            flowsPerSecond: cluster === 'prod' ? 900 : 50,
            flowsReceived: 100,
            duplicatesDropped: 0,
            eventsLost: 0,
            namespaces: [],
            nodes: [],
            gaps: [],
          })),
        }),
      ),
      http.get(`${base}/requests`, () => HttpResponse.json({ items: [] })),
    );
  });
  afterEach(() => server.events.removeAllListeners());

  const outgoing = () =>
    screen
      .getByText('Outgoing: what this service may call')
      .closest('.MuiPaper-root') as HTMLElement;

  it("opens on the entity's default cluster and switches every section to the chosen one, keeping it in the URL", async () => {
    await renderTab();
    const select = await screen.findByRole('combobox', { name: 'Cluster' });
    expect(select).toHaveValue('dev');
    expect(screen.getByText('Cluster dev')).toBeInTheDocument();
    expect(within(outgoing()).getByText('cart')).toBeInTheDocument();
    expect(
      screen.getByText(/Hubble Relay connected · 50 flows\/s/),
    ).toBeInTheDocument();
    expect(calls).toContain('/connectivity -');
    expect(screen.getByTestId('location-search')).toHaveTextContent(/^$/);

    fireEvent.change(select, { target: { value: 'prod' } });

    expect(await screen.findByText('Cluster prod')).toBeInTheDocument();
    expect(screen.getByTestId('location-search')).toHaveTextContent(
      '?cluster=prod',
    );
    expect(calls).toContain('/connectivity prod');
    expect(calls).toContain('/traffic prod');
    // prod's policies: payments on 8443 only, no cart; prod's Relay.
    expect(within(outgoing()).getByText('payments')).toBeInTheDocument();
    expect(within(outgoing()).getByText('TCP 8443')).toBeInTheDocument();
    expect(within(outgoing()).queryByText('cart')).not.toBeInTheDocument();
    expect(screen.getByText('Egress: default deny')).toBeInTheDocument();
    expect(
      screen.getByText(/Hubble Relay connected · 900 flows\/s/),
    ).toBeInTheDocument();

    // Live traffic: prod's snapshot and prod's stream.
    fireEvent.click(screen.getByRole('tab', { name: 'Live traffic' }));
    expect(await screen.findByText('Live traffic in prod')).toBeInTheDocument();
    expect(await screen.findByText('fraud')).toBeInTheDocument();
    expect(screen.queryByText('ledger')).not.toBeInTheDocument();
    await waitFor(() => expect(calls).toContain('/flows/stream prod'));
    expect(calls).toContain('/flows prod');

    // Traffic over time and the workloads follow too.
    fireEvent.click(screen.getByRole('tab', { name: 'Traffic over time' }));
    expect(
      await screen.findByRole('figure', {
        name: 'Forwarded and dropped flows per minute, last hour',
      }),
    ).toHaveAccessibleDescription(/70 forwarded, 30 dropped/);
    expect(calls).toContain('/traffic/history prod');
    fireEvent.click(screen.getByRole('tab', { name: 'Workloads' }));
    expect(await screen.findByText('checkout-prod')).toBeInTheDocument();
    expect(screen.getByText('dev, prod')).toBeInTheDocument();
    expect(calls).toContain('/workloads prod');

    // Back to dev: the live table starts afresh with dev's flows.
    fireEvent.change(screen.getByRole('combobox', { name: 'Cluster' }), {
      target: { value: 'dev' },
    });
    fireEvent.click(await screen.findByRole('tab', { name: 'Live traffic' }));
    expect(await screen.findByText('ledger')).toBeInTheDocument();
    expect(screen.queryByText('fraud')).not.toBeInTheDocument();
    expect(screen.getByTestId('location-search')).toHaveTextContent(
      '?cluster=dev',
    );
  });

  it('opens the cluster a link names', async () => {
    await renderTab('/?cluster=prod');
    expect(await screen.findByText('Cluster prod')).toBeInTheDocument();
    expect(screen.getByRole('combobox', { name: 'Cluster' })).toHaveValue(
      'prod',
    );
    expect(within(outgoing()).queryByText('cart')).not.toBeInTheDocument();
    expect(calls).not.toContain('/connectivity -');
  });

  it('explains a cluster the entity does not run in and offers its default', async () => {
    await renderTab('/?cluster=staging');
    expect(
      await screen.findByText(/Cannot show cluster "staging" for this entity/),
    ).toBeInTheDocument();
    expect(
      screen.getAllByText(
        /does not run in cluster "staging"; it runs in dev, prod/,
      ).length,
    ).toBeGreaterThan(0);
    expect(screen.getByRole('combobox', { name: 'Cluster' })).toHaveValue('');
    fireEvent.click(
      screen.getByRole('button', { name: "Show the entity's default cluster" }),
    );
    expect(await screen.findByText('Cluster dev')).toBeInTheDocument();
    expect(screen.getByTestId('location-search')).toHaveTextContent(/^$/);
  });
});
