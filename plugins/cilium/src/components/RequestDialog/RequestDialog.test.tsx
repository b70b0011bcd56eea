import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { registerMswTestHooks, renderInTestApp } from '@backstage/test-utils';
import { ConnectivityRequestBody } from '@cilium-zero-trust/plugin-cilium-common';
import {
  base,
  errorBody,
  mountedRoutes,
  preview,
  RequestApis,
  storedRequest,
} from '../../__testUtils__/requests';
import { RequestDialog } from './RequestDialog';

describe('RequestDialog', () => {
  const server = setupServer();
  registerMswTestHooks(server);
  const previews: ConnectivityRequestBody[] = [];
  const created: ConnectivityRequestBody[] = [];

  beforeEach(() => {
    previews.length = 0;
    created.length = 0;
    server.use(
      http.post(`${base}/requests/preview`, async ({ request }) => {
        previews.push((await request.json()) as ConnectivityRequestBody);
        return HttpResponse.json(preview);
      }),
      http.post(`${base}/requests`, async ({ request }) => {
        created.push((await request.json()) as ConnectivityRequestBody);
        return HttpResponse.json(storedRequest(), { status: 201 });
      }),
    );
  });

  const render = (initial?: any) =>
    renderInTestApp(
      <RequestApis
        user="user:default/aisha.bello"
        groups={['group:default/team-checkout']}
      >
        <RequestDialog
          open
          source="component:default/checkout"
          onClose={() => {}}
          initial={initial}
        />
      </RequestApis>,
      { mountedRoutes },
    );

  it('picks a catalog target, previews once the user stops typing, and files the request', async () => {
    const user = userEvent.setup();
    await render();
    const dialog = await screen.findByRole('dialog', {
      name: 'Request connectivity',
    });
    expect(within(dialog).getByRole('status')).toHaveTextContent(
      'Choose a target entity to see the generated policies',
    );

    // The target picker searches the catalog.
    const picker = within(dialog).getByRole('textbox', {
      name: /Target entity/,
    });
    await user.type(picker, 'pay');
    await user.click(await screen.findByRole('option', { name: /Payments/ }));
    expect(picker).toHaveValue('Payments (component:default/payments)');

    // Debounced: keystrokes in quick succession make one preview, for the whole port number.
    const port = within(dialog).getByRole('textbox', { name: /^Port/ });
    for (const text of ['8', '84', '844', '8443'])
      fireEvent.change(port, { target: { value: text } });
    await waitFor(() => expect(previews).toHaveLength(1));
    expect(previews[0]).toEqual({
      source: 'component:default/checkout',
      target: { type: 'entity', ref: 'component:default/payments' },
      ports: [{ port: 8443, protocol: 'TCP' }],
      justification: '(preview: no justification written yet)',
    });

    // The preview: YAML, findings with severity, the diff, drops that would become allowed, approvals.
    await waitFor(() =>
      expect(
        within(dialog).getByText(
          /allow-egress-from-checkout-to-payments-req-1a2b3c4d/,
        ),
      ).toBeInTheDocument(),
    );
    expect(
      within(dialog).getByText(
        'policies/checkout/allow-egress-from-checkout-to-payments.yaml',
      ),
    ).toBeInTheDocument();
    expect(within(dialog).getByText('warning')).toBeInTheDocument();
    expect(
      within(dialog).getByText(/A DNS rule was added/),
    ).toBeInTheDocument();
    expect(within(dialog).getByText('denied → TCP 8443')).toBeInTheDocument();
    expect(
      within(dialog).getByText(
        /1 of 120 recent flows were dropped and would become allowed/,
      ),
    ).toBeInTheDocument();
    expect(
      within(dialog).getByText(
        'checkout/checkout-abc → checkout/payments-def TCP 8443',
      ),
    ).toBeInTheDocument();
    expect(within(dialog).getByText('team-payments')).toBeInTheDocument();

    // Submitting without a justification says what is missing.
    await user.click(
      within(dialog).getByRole('button', { name: 'Submit request' }),
    );
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      /Say why the connection is needed/,
    );
    expect(created).toHaveLength(0);

    fireEvent.change(
      within(dialog).getByRole('textbox', { name: /Justification/ }),
      {
        target: {
          value: 'Checkout takes card payments through the payments service.',
        },
      },
    );
    fireEvent.change(within(dialog).getByLabelText(/Expires on/), {
      target: { value: '2030-01-31' },
    });
    await waitFor(() =>
      expect(
        within(dialog).getByRole('button', { name: 'Submit request' }),
      ).toBeEnabled(),
    );
    expect(within(dialog).getByRole('status')).toHaveTextContent(
      'The backend would accept this request',
    );
    await user.click(
      within(dialog).getByRole('button', { name: 'Submit request' }),
    );

    expect(await within(dialog).findByText(/was filed/)).toBeInTheDocument();
    expect(
      within(dialog).getAllByRole('link', {
        name: /req-1a2b3c4d|Open the request/,
      })[0],
    ).toHaveAttribute('href', '/cilium/requests/req-1a2b3c4d');
    expect(created).toEqual([
      {
        source: 'component:default/checkout',
        target: { type: 'entity', ref: 'component:default/payments' },
        ports: [{ port: 8443, protocol: 'TCP' }],
        justification:
          'Checkout takes card payments through the payments service.',
        expiresAt: '2030-01-31T23:59:59.000Z',
      },
    ]);
  });

  it("shows the backend's refusal, e.g. for a connection that is already allowed, and does not submit", async () => {
    server.use(
      http.post(`${base}/requests/preview`, () =>
        HttpResponse.json(
          errorBody(
            400,
            'InputError',
            'component:default/checkout → component:default/cart on TCP 50051 is already allowed by checkout/allow-egress-from-checkout-to-cart-inventory-orders',
          ),
          { status: 400 },
        ),
      ),
    );
    await render({
      targetRef: 'component:default/cart',
      ports: [{ port: '50051', endPort: '', protocol: 'TCP' }],
      justification: 'Checkout reads the basket from the cart service.',
    });
    const dialog = await screen.findByRole('dialog');
    expect(
      await within(dialog).findByText(
        /is already allowed by checkout\/allow-egress/,
      ),
    ).toBeInTheDocument();
    expect(within(dialog).getByRole('status')).toHaveTextContent(
      'The backend refuses this request',
    );
    expect(
      within(dialog).getByRole('button', { name: 'Submit request' }),
    ).toBeDisabled();
  });

  it('asks for external host names, CIDRs and Cilium entities and validates ports before previewing', async () => {
    await render();
    const dialog = await screen.findByRole('dialog');
    fireEvent.click(
      within(dialog).getByRole('radio', { name: 'External host name' }),
    );
    fireEvent.change(
      within(dialog).getByRole('textbox', { name: /Host name/ }),
      { target: { value: 'api.stripe.com' } },
    );
    fireEvent.change(within(dialog).getByRole('textbox', { name: /^Port/ }), {
      target: { value: '70000' },
    });
    expect(
      within(dialog).getByText('A port is a number from 1 to 65535'),
    ).toBeInTheDocument();
    fireEvent.change(within(dialog).getByRole('textbox', { name: /^Port/ }), {
      target: { value: '443' },
    });
    fireEvent.change(
      within(dialog).getByRole('textbox', { name: /HTTP path/ }),
      { target: { value: '/v1/charges' } },
    );
    await waitFor(() => expect(previews.length).toBeGreaterThan(0));
    expect(previews[previews.length - 1]).toMatchObject({
      target: { type: 'fqdn', name: 'api.stripe.com' },
      ports: [{ port: 443, protocol: 'TCP' }],
      http: [{ path: '/v1/charges' }],
    });

    fireEvent.click(
      within(dialog).getByRole('radio', { name: 'IP range (CIDR)' }),
    );
    fireEvent.change(within(dialog).getByRole('textbox', { name: /CIDR/ }), {
      target: { value: '203.0.113.0/24' },
    });
    await waitFor(() =>
      expect(previews[previews.length - 1].target).toEqual({
        type: 'cidr',
        cidr: '203.0.113.0/24',
      }),
    );
  });

  it("asks which of the source's clusters the request is for, and previews one policy set per cluster", async () => {
    const twoClusters = {
      ...preview,
      policies: [
        {
          cluster: 'dev',
          path: 'policies/checkout/allow-egress-from-checkout-to-payments.yaml',
          yaml: 'kind: CiliumNetworkPolicy # dev\n',
        },
        {
          cluster: 'prod',
          path: 'clusters/prod/policies/checkout/allow-egress-from-checkout-to-payments.yaml',
          yaml: 'kind: CiliumNetworkPolicy # prod\n',
        },
      ],
      findings: [
        {
          severity: 'warning' as const,
          code: 'dns-rule-added',
          message: 'A DNS rule was added because checkout is egress-isolated',
          cluster: 'prod',
        },
      ],
    };
    server.use(
      http.post(`${base}/requests/preview`, async ({ request }) => {
        const body = (await request.json()) as ConnectivityRequestBody;
        previews.push(body);
        return HttpResponse.json(
          body.clusters?.length === 2 ? twoClusters : preview,
        );
      }),
    );
    await renderInTestApp(
      <RequestApis
        user="user:default/aisha.bello"
        groups={['group:default/team-checkout']}
      >
        <RequestDialog
          open
          source="component:default/checkout"
          clusters={['dev', 'prod']}
          onClose={() => {}}
          initial={{
            clusters: ['prod'],
            targetRef: 'component:default/payments',
            ports: [{ port: '8443', endPort: '', protocol: 'TCP' }],
            justification: 'Checkout takes card payments.',
          }}
        />
      </RequestApis>,
      { mountedRoutes },
    );
    const dialog = await screen.findByRole('dialog', {
      name: 'Request connectivity',
    });
    const clusters = within(dialog).getByRole('group', { name: 'Clusters' });
    const dev = within(clusters).getByRole('checkbox', { name: 'dev' });
    const prod = within(clusters).getByRole('checkbox', { name: 'prod' });
    expect(prod).toBeChecked();
    expect(dev).not.toBeChecked();
    await waitFor(() => expect(previews).toHaveLength(1));
    expect(previews[0].clusters).toEqual(['prod']);

    // The default cluster alone: the body names none (the backend's default).
    fireEvent.click(dev);
    fireEvent.click(prod);
    await waitFor(() => expect(previews).toHaveLength(2));
    expect(previews[1]).not.toHaveProperty('clusters');
    fireEvent.click(prod);
    fireEvent.click(dev);

    // Both: in the source's order, its default first; the files grouped by cluster.
    fireEvent.click(dev);
    await waitFor(() =>
      expect(previews[previews.length - 1].clusters).toEqual(['dev', 'prod']),
    );
    const prodFiles = await within(dialog).findByRole('region', {
      name: 'Policies for cluster prod',
    });
    expect(
      within(prodFiles).getByText(
        'clusters/prod/policies/checkout/allow-egress-from-checkout-to-payments.yaml',
      ),
    ).toBeInTheDocument();
    expect(
      within(
        within(dialog).getByRole('region', {
          name: 'Policies for cluster dev',
        }),
      ).getByText(
        'policies/checkout/allow-egress-from-checkout-to-payments.yaml',
      ),
    ).toBeInTheDocument();
    expect(
      within(dialog).getByText('dns-rule-added · cluster prod'),
    ).toBeInTheDocument();

    fireEvent.click(
      within(dialog).getByRole('button', { name: 'Submit request' }),
    );
    await waitFor(() => expect(created).toHaveLength(1));
    expect(created[0].clusters).toEqual(['dev', 'prod']);
  });

  it('does not file a request for no cluster', async () => {
    await renderInTestApp(
      <RequestApis
        user="user:default/aisha.bello"
        groups={['group:default/team-checkout']}
      >
        <RequestDialog
          open
          source="component:default/checkout"
          clusters={['dev', 'prod']}
          onClose={() => {}}
          initial={{
            clusters: ['dev'],
            targetRef: 'component:default/payments',
            ports: [{ port: '8443', endPort: '', protocol: 'TCP' }],
            justification: 'Checkout takes card payments.',
          }}
        />
      </RequestApis>,
      { mountedRoutes },
    );
    const dialog = await screen.findByRole('dialog', {
      name: 'Request connectivity',
    });
    fireEvent.click(within(dialog).getByRole('checkbox', { name: 'dev' }));
    fireEvent.click(
      within(dialog).getByRole('button', { name: 'Submit request' }),
    );
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      'Choose at least one cluster',
    );
    expect(within(dialog).getByRole('status')).toHaveTextContent(
      'Choose at least one cluster to see the generated policies',
    );
    expect(created).toHaveLength(0);
  });
});
