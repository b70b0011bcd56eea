import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { registerMswTestHooks, renderInTestApp } from '@backstage/test-utils';
import {
  EntityConnectivityResponse,
  FlowRecord,
} from '@cilium-zero-trust/plugin-cilium-common';
import {
  base,
  component,
  mountedRoutes,
  preview,
  RequestApis,
  storedRequest,
} from '../../__testUtils__/requests';
import { NetworkTab } from './NetworkTab';

const checkout = component('checkout', 'team-checkout');
const entityBase = `${base}/entities/component/default/checkout`;

const connectivity: EntityConnectivityResponse = {
  entityRef: 'component:default/checkout',
  cluster: 'dev',
  clusters: ['dev'],
  workloads: ['checkout/checkout[Deployment]'],
  coverage: [],
  egress: [],
  ingress: [],
  drift: [],
  policiesLoadedAt: '2026-11-26T10:00:00Z',
  diagnostics: [],
};

const dropped: FlowRecord = {
  flow: {
    uuid: 'u1',
    time: '2026-11-26T10:00:00.123Z',
    verdict: 'DROPPED',
    drop_reason_desc: 'POLICY_DENIED',
    l4: { TCP: { source_port: 40000, destination_port: 8443 } },
    source: { namespace: 'checkout', pod_name: 'checkout-abc' },
    destination: { namespace: 'checkout', pod_name: 'payments-def' },
  },
  backstage: {
    source: 'component:default/checkout',
    destination: 'component:default/payments',
  },
};

describe('NetworkTab requests', () => {
  const server = setupServer();
  registerMswTestHooks(server);
  const previews: unknown[] = [];
  const listed: Array<string | null> = [];

  beforeEach(() => {
    previews.length = 0;
    listed.length = 0;
    server.use(
      http.get(`${entityBase}/connectivity`, () =>
        HttpResponse.json(connectivity),
      ),
      http.get(`${entityBase}/workloads`, () =>
        HttpResponse.json({ entityRef: '', identity: {}, workloads: [] }),
      ),
      http.get(`${entityBase}/traffic`, () =>
        HttpResponse.json({
          entityRef: 'component:default/checkout',
          edges: [],
        }),
      ),
      http.get(`${entityBase}/flows`, () =>
        HttpResponse.json({
          entityRef: 'component:default/checkout',
          evicted: 0,
          flows: [dropped],
        }),
      ),
      http.get(
        `${entityBase}/flows/stream`,
        () =>
          new HttpResponse(new ReadableStream({ start() {} }), {
            headers: { 'content-type': 'text/event-stream' },
          }),
      ),
      http.get(`${base}/status`, () => HttpResponse.json({ clusters: [] })),
      http.post(`${base}/requests/preview`, async ({ request }) => {
        previews.push(await request.json());
        return HttpResponse.json(preview);
      }),
      http.get(`${base}/requests`, ({ request }) => {
        listed.push(new URL(request.url).searchParams.get('entity'));
        return HttpResponse.json({
          items: [
            storedRequest(),
            storedRequest({
              id: 'req-99999999',
              source: 'component:default/storefront',
              target: { type: 'entity', ref: 'component:default/checkout' },
              ports: [{ port: 8080, protocol: 'TCP' }],
              state: 'enforced',
              requester: 'user:default/lucia.fernandez',
            }),
          ],
        });
      }),
    );
  });

  const render = (groups: string[]) =>
    renderInTestApp(
      <RequestApis user="user:default/someone" groups={groups}>
        <EntityProvider entity={checkout}>
          <NetworkTab />
        </EntityProvider>
      </RequestApis>,
      { mountedRoutes },
    );

  it('lets owners open the request dialog', async () => {
    await render(['group:default/team-checkout']);
    const button = await screen.findByRole('button', {
      name: 'Request connectivity',
    });
    await waitFor(() => expect(button).toBeEnabled());
    fireEvent.click(button);
    expect(
      await screen.findByRole('dialog', { name: 'Request connectivity' }),
    ).toBeInTheDocument();
  });

  it('shows others who owns the service and why they cannot request', async () => {
    await render(['group:default/team-catalog']);
    const why = await screen.findByTestId('request-why-not');
    expect(why).toHaveTextContent(
      /Only the owners of Checkout \(team-checkout\) can request connectivity/,
    );
    expect(
      within(why).getByRole('link', { name: 'team-checkout' }),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: 'Request connectivity' }),
    ).toBeDisabled();
  });

  it("lists the entity's incoming and outgoing requests with their states", async () => {
    await render(['group:default/team-checkout']);
    fireEvent.click(await screen.findByRole('tab', { name: 'Requests' }));
    const outgoing = (
      await screen.findByRole('link', { name: 'req-1a2b3c4d' })
    ).closest('tr')!;
    expect(within(outgoing).getByText('Outgoing')).toBeInTheDocument();
    expect(
      within(outgoing).getByText('Submitted: awaiting review'),
    ).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'req-1a2b3c4d' })).toHaveAttribute(
      'href',
      '/cilium/requests/req-1a2b3c4d',
    );
    const incoming = screen
      .getByRole('link', { name: 'req-99999999' })
      .closest('tr')!;
    expect(within(incoming).getByText('Incoming')).toBeInTheDocument();
    expect(within(incoming).getByText('Enforced')).toBeInTheDocument();
    expect(listed[0]).toBe('component:default/checkout');
  });

  it('opens the dialog prefilled from a dropped flow ("Request this")', async () => {
    await render(['group:default/team-checkout']);
    fireEvent.click(await screen.findByRole('tab', { name: 'Live traffic' }));
    const request = await screen.findByRole('button', {
      name: 'Request checkout to payments on 8443/TCP',
    });
    fireEvent.click(request);
    const dialog = await screen.findByRole('dialog', {
      name: 'Request connectivity',
    });
    expect(within(dialog).getByRole('textbox', { name: /^Port/ })).toHaveValue(
      '8443',
    );
    await waitFor(() => expect(previews).toHaveLength(1));
    expect(previews[0]).toMatchObject({
      source: 'component:default/checkout',
      target: { type: 'entity', ref: 'component:default/payments' },
      ports: [{ port: 8443, protocol: 'TCP' }],
    });
    // One cluster: the body names none (the source's default), as before.
    expect(previews[0]).not.toHaveProperty('clusters');
    expect(
      within(dialog).queryByRole('group', { name: 'Clusters' }),
    ).not.toBeInTheDocument();
  });

  it("files requests from the cluster shown: the dialog and a live row are for it, and the table shows each request's clusters", async () => {
    const both = {
      ...checkout,
      metadata: {
        ...checkout.metadata,
        annotations: {
          ...checkout.metadata.annotations,
          'cilium.backstage.io/cluster': 'dev,prod',
        },
      },
    };
    const flowClusters: Array<string | null> = [];
    server.use(
      http.get(`${entityBase}/connectivity`, ({ request }) => {
        const cluster =
          new URL(request.url).searchParams.get('cluster') ?? 'dev';
        return HttpResponse.json({
          ...connectivity,
          cluster,
          clusters: ['dev', 'prod'],
        });
      }),
      http.get(`${entityBase}/flows`, ({ request }) => {
        flowClusters.push(new URL(request.url).searchParams.get('cluster'));
        return HttpResponse.json({
          entityRef: 'component:default/checkout',
          cluster: 'prod',
          evicted: 0,
          flows: [dropped],
        });
      }),
      http.get(`${base}/requests`, () =>
        HttpResponse.json({
          items: [storedRequest({ clusters: ['dev', 'prod'] })],
        }),
      ),
    );
    await renderInTestApp(
      <RequestApis
        user="user:default/someone"
        groups={['group:default/team-checkout']}
      >
        <EntityProvider entity={both}>
          <NetworkTab />
        </EntityProvider>
      </RequestApis>,
      { mountedRoutes, routeEntries: ['/?cluster=prod'] },
    );

    // From the tab's button: the tab's cluster is checked, the other offered.
    const button = await screen.findByRole('button', {
      name: 'Request connectivity',
    });
    await waitFor(() => expect(button).toBeEnabled());
    fireEvent.click(button);
    let dialog = await screen.findByRole('dialog', {
      name: 'Request connectivity',
    });
    expect(
      within(dialog).getByRole('checkbox', { name: 'prod' }),
    ).toBeChecked();
    expect(
      within(dialog).getByRole('checkbox', { name: 'dev' }),
    ).not.toBeChecked();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() =>
      expect(
        screen.queryByRole('dialog', { name: 'Request connectivity' }),
      ).not.toBeInTheDocument(),
    );

    // From a live row of prod: a request for prod only.
    fireEvent.click(screen.getByRole('tab', { name: 'Live traffic' }));
    fireEvent.click(
      await screen.findByRole('button', {
        name: 'Request checkout to payments on 8443/TCP',
      }),
    );
    expect(flowClusters).toContain('prod');
    dialog = await screen.findByRole('dialog', {
      name: 'Request connectivity',
    });
    await waitFor(() => expect(previews).toHaveLength(1));
    expect(previews[0]).toMatchObject({
      target: { type: 'entity', ref: 'component:default/payments' },
      clusters: ['prod'],
    });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));

    fireEvent.click(screen.getByRole('tab', { name: 'Requests' }));
    await screen.findByRole('link', { name: 'req-1a2b3c4d' });
    // The table re-renders as the list polls: look the row up each time.
    await waitFor(() =>
      expect(
        within(
          screen.getByRole('link', { name: 'req-1a2b3c4d' }).closest('tr')!,
        ).getByText('dev, prod'),
      ).toBeInTheDocument(),
    );
  });
});
