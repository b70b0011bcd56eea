import { screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { Entity } from '@backstage/catalog-model';
import { discoveryApiRef, fetchApiRef } from '@backstage/core-plugin-api';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import {
  mockApis,
  registerMswTestHooks,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/test-utils';
import { EntityWorkloadsResponse } from '@internal/plugin-cilium-common';
import { ciliumApiRef, CiliumClient } from '../../api';
import { NetworkTab } from './NetworkTab';

const annotated: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'checkout',
    namespace: 'default',
    annotations: {
      'backstage.io/kubernetes-namespace': 'shop',
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

const workloadsResponse: EntityWorkloadsResponse = {
  entityRef: 'component:default/checkout',
  identity: {
    cluster: 'dev',
    namespace: 'shop',
    selector: 'app=checkout',
    requirements: [{ key: 'app', operator: 'In', values: ['checkout'] }],
    source: 'label-selector',
  },
  workloads: [
    {
      cluster: 'dev',
      namespace: 'shop',
      kind: 'Deployment',
      name: 'checkout',
      podLabels: { app: 'checkout', tier: 'api' },
      ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
    },
  ],
};

describe('NetworkTab', () => {
  const server = setupServer();
  registerMswTestHooks(server);
  const discoveryApi = mockApis.discovery({ baseUrl: 'http://backstage.test' });
  const requests: Request[] = [];

  function renderTab(entity: Entity) {
    const fetchApi = { fetch: (input: any, init?: any) => fetch(input, init) };
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
    );
  }

  beforeEach(() => {
    requests.length = 0;
  });

  it('shows the resolved identity and the matching workloads of an annotated entity', async () => {
    server.use(
      http.get(
        'http://backstage.test/api/cilium/entities/component/default/checkout/workloads',
        ({ request }) => {
          requests.push(request);
          return HttpResponse.json(workloadsResponse);
        },
      ),
      http.get('http://backstage.test/api/cilium/entities/component/default/checkout/flows', () =>
        HttpResponse.json({ entityRef: 'component:default/checkout', flows: [], evicted: 0 }),
      ),
      http.get(
        'http://backstage.test/api/cilium/entities/component/default/checkout/flows/stream',
        () =>
          new HttpResponse(new ReadableStream({ start: c => c.enqueue(new TextEncoder().encode(': connected\n\n')) }), {
            headers: { 'content-type': 'text/event-stream' },
          }),
      ),
    );
    await renderTab(annotated);
    expect(await screen.findByText('Workload identity')).toBeInTheDocument();
    const identityCard = screen.getByText('Workload identity').closest('.MuiCard-root') as HTMLElement;
    expect(within(identityCard).getByText('app=checkout')).toBeInTheDocument();
    expect(within(identityCard).getByText('dev')).toBeInTheDocument();
    const table = screen.getByText('Matching workloads in shop').closest('.MuiPaper-root') as HTMLElement;
    expect(within(table).getByText('checkout')).toBeInTheDocument();
    expect(within(table).getByText('tier=api')).toBeInTheDocument();
    expect(within(table).getByText('http 8080/TCP')).toBeInTheDocument();
    expect(await screen.findByText(/No flows seen for this entity yet/)).toBeInTheDocument();
    expect(requests).toHaveLength(1);
  });

  it('explains which annotations to add, without calling the backend, for an unannotated entity', async () => {
    server.use(
      http.get('http://backstage.test/api/cilium/*', ({ request }) => {
        requests.push(request);
        return HttpResponse.json({});
      }),
    );
    await renderTab(unannotated);
    expect(
      await screen.findByText('This entity is not mapped to Kubernetes workloads'),
    ).toBeInTheDocument();
    expect(screen.getAllByText(/backstage.io\/kubernetes-label-selector/).length).toBeGreaterThan(0);
    expect(requests).toHaveLength(0);
  });

  it("shows the backend's error message when the lookup fails", async () => {
    server.use(
      http.get('http://backstage.test/api/cilium/entities/component/default/checkout/workloads', () =>
        HttpResponse.json(
          {
            error: { name: 'InputError', message: 'The entity names cluster "prod", which is not configured' },
            request: { method: 'GET', url: '/x' },
            response: { statusCode: 400 },
          },
          { status: 400 },
        ),
      ),
    );
    await renderTab(annotated);
    expect((await screen.findAllByText(/which is not configured/)).length).toBeGreaterThan(0);
    expect(screen.queryByText('Workload identity')).not.toBeInTheDocument();
  });
});
