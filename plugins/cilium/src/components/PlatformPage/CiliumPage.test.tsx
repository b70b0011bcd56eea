import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { registerMswTestHooks, renderInTestApp } from '@backstage/test-utils';
import {
  ConnectivityRequest,
  EntityConnectivityResponse,
} from '@cilium-zero-trust/plugin-cilium-common';
import {
  base,
  catalogEntities,
  mountedRoutes,
  RequestApis,
  storedRequest,
} from '../../__testUtils__/requests';
import { CiliumPage } from './CiliumPage';

describe('CiliumPage', () => {
  const server = setupServer();
  registerMswTestHooks(server);
  const posted: Array<{ path: string; body: unknown }> = [];
  let current: ConnectivityRequest;

  beforeEach(() => {
    posted.length = 0;
    current = storedRequest();
    const record = (
      state: ConnectivityRequest['state'],
      patch: Partial<ConnectivityRequest> = {},
    ) => {
      current = { ...current, state, ...patch };
      return HttpResponse.json(current);
    };
    server.use(
      http.get(`${base}/status`, () =>
        HttpResponse.json({
          clusters: [],
          publishing: { configured: true, type: 'local-git' },
        }),
      ),
      http.get(`${base}/requests/:id`, () => HttpResponse.json(current)),
      http.post(`${base}/requests/:id/:action`, async ({ request, params }) => {
        const body = await request.json();
        posted.push({ path: `${params.id}/${params.action}`, body });
        if (params.action === 'approve')
          return record('approved', {
            approvals: [
              {
                role: 'reviewer',
                by: 'user:default/priya.raman',
                at: '2026-11-26T11:00:00Z',
                comment: 'ok',
              },
            ],
          });
        if (params.action === 'reject')
          return record('rejected', { rejectReason: (body as any).reason });
        if (params.action === 'withdraw') return record('withdrawn');
        if (params.action === 'retry-publish')
          return record('published', {
            publishing: [{ action: 'publish', status: 'done', attempts: 6 }],
            publication: {
              publisher: 'local-git',
              branch: 'netpol/req-1a2b3c4d',
              state: 'open',
            },
          });
        if (params.action === 'file-removal')
          return record('expiring', {
            removals: [
              ...(current.removals ?? []),
              { id: 'req-1a2b3c4d-rm-2', state: 'approved' },
            ],
          });
        return record('merged', {
          publication: { ...current.publication!, state: 'merged' },
        });
      }),
    );
  });

  const render = (user: string, groups: string[], path: string) =>
    renderInTestApp(
      <RequestApis user={user} groups={groups}>
        <CiliumPage />
      </RequestApis>,
      { mountedRoutes, routeEntries: [path] },
    );

  it('shows a request with its timeline, approvals, publication and YAML, and lets a reviewer approve it', async () => {
    current = storedRequest({
      approvals: [
        {
          role: 'destination-owner',
          by: 'user:default/mei.tanaka',
          at: '2026-11-26T10:30:00Z',
          comment: 'fine by us',
        },
      ],
      consentNeeded: false,
      clusters: ['dev', 'prod'],
    });
    await render(
      'user:default/priya.raman',
      ['group:default/platform-team'],
      '/requests/req-1a2b3c4d',
    );
    expect(
      await screen.findByRole('heading', { name: 'req-1a2b3c4d' }),
    ).toBeInTheDocument();
    expect(screen.getByText(/· clusters dev, prod/)).toBeInTheDocument();
    expect(
      screen.getByText('Filed by user:default/aisha.bello'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/Destination owner consent by/),
    ).toBeInTheDocument();
    expect(screen.getByText(/fine by us/)).toBeInTheDocument();
    expect(screen.getByText(/Not published yet/)).toBeInTheDocument();
    expect(
      screen.getAllByText(/allow-egress-from-checkout-to-payments-req-1a2b3c4d/)
        .length,
    ).toBeGreaterThan(0);
    expect(
      screen.getByText(
        'Checkout takes card payments through the payments service.',
      ),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: /Withdraw/ }),
    ).not.toBeInTheDocument();

    fireEvent.click(
      screen.getByRole('button', { name: 'Approve req-1a2b3c4d' }),
    );
    const dialog = await screen.findByRole('dialog', {
      name: 'Approve req-1a2b3c4d',
    });
    fireEvent.change(within(dialog).getByRole('textbox', { name: /Comment/ }), {
      target: { value: 'ok' },
    });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Approve' }));
    await waitFor(() =>
      expect(
        screen.getAllByText('Approved: publishing').length,
      ).toBeGreaterThan(0),
    );
    expect(posted).toEqual([
      { path: 'req-1a2b3c4d/approve', body: { comment: 'ok' } },
    ]);
  });

  it('says that publishing is not configured, on the platform page and on an approved request', async () => {
    server.use(
      http.get(`${base}/status`, () =>
        HttpResponse.json({ clusters: [], publishing: { configured: false } }),
      ),
      http.get(`${base}/requests`, () => HttpResponse.json({ items: [] })),
    );
    current = storedRequest({ state: 'approved' });
    await render(
      'user:default/priya.raman',
      ['group:default/platform-team'],
      '/requests/req-1a2b3c4d',
    );
    expect(
      await screen.findByText(/Publishing is not configured/),
    ).toBeInTheDocument();
    expect(screen.queryByText(/Not published yet/)).not.toBeInTheDocument();
  });

  it('shows the notice above the review queue when publishing is not configured', async () => {
    server.use(
      http.get(`${base}/status`, () =>
        HttpResponse.json({ clusters: [], publishing: { configured: false } }),
      ),
      http.get(`${base}/requests`, () => HttpResponse.json({ items: [] })),
    );
    await render(
      'user:default/priya.raman',
      ['group:default/platform-team'],
      '/',
    );
    expect(
      await screen.findByTestId('publishing-not-configured'),
    ).toHaveTextContent('cilium.requests.publisher');
  });

  it('shows no notice when a publisher is configured', async () => {
    server.use(
      http.get(`${base}/requests`, () => HttpResponse.json({ items: [] })),
    );
    await render(
      'user:default/priya.raman',
      ['group:default/platform-team'],
      '/',
    );
    expect(
      await screen.findByText(/wait for your decision/),
    ).toBeInTheDocument();
    expect(
      screen.queryByTestId('publishing-not-configured'),
    ).not.toBeInTheDocument();
  });

  it('asks for a reason before rejecting', async () => {
    await render(
      'user:default/priya.raman',
      ['group:default/platform-team'],
      '/requests/req-1a2b3c4d',
    );
    fireEvent.click(
      await screen.findByRole('button', { name: 'Reject req-1a2b3c4d' }),
    );
    const dialog = await screen.findByRole('dialog', {
      name: 'Reject req-1a2b3c4d',
    });
    const reject = within(dialog).getByRole('button', { name: 'Reject' });
    expect(reject).toBeDisabled();
    fireEvent.change(within(dialog).getByRole('textbox', { name: /Reason/ }), {
      target: { value: 'Use the payments gateway API instead' },
    });
    fireEvent.click(reject);
    expect(
      await screen.findByText(/Rejected: Use the payments gateway API instead/),
    ).toBeInTheDocument();
    expect(posted).toEqual([
      {
        path: 'req-1a2b3c4d/reject',
        body: { reason: 'Use the payments gateway API instead' },
      },
    ]);
  });

  it('offers the requester withdrawal, not approval', async () => {
    await render(
      'user:default/aisha.bello',
      ['group:default/team-checkout'],
      '/requests/req-1a2b3c4d',
    );
    expect(
      await screen.findByRole('button', { name: 'Withdraw req-1a2b3c4d' }),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: /Approve/ }),
    ).not.toBeInTheDocument();
  });

  it('merges a published request from the portal', async () => {
    current = storedRequest({
      state: 'published',
      publication: {
        publisher: 'local-git',
        branch: 'netpol/req-1a2b3c4d',
        state: 'open',
      },
    });
    await render(
      'user:default/priya.raman',
      ['group:default/platform-team'],
      '/requests/req-1a2b3c4d',
    );
    expect(await screen.findByTestId('publication')).toHaveTextContent(
      'Branch netpol/req-1a2b3c4d on local-git (open)',
    );
    fireEvent.click(screen.getByRole('button', { name: 'Merge req-1a2b3c4d' }));
    fireEvent.click(
      within(await screen.findByRole('dialog')).getByRole('button', {
        name: 'Merge',
      }),
    );
    await waitFor(() =>
      expect(screen.getByTestId('publication')).toHaveTextContent('(merged)'),
    );
    expect(posted.map(p => p.path)).toEqual(['req-1a2b3c4d/merge']);
  });

  it('shows a reviewer a failed publication with its error, and retries it', async () => {
    current = storedRequest({
      state: 'approved',
      publishing: [
        {
          action: 'publish',
          status: 'failed',
          attempts: 5,
          lastError: 'remote rejected the push',
        },
      ],
    });
    await render(
      'user:default/priya.raman',
      ['group:default/platform-team'],
      '/requests/req-1a2b3c4d',
    );
    expect(await screen.findByTestId('publishing-failed')).toHaveTextContent(
      'Publishing failed after 5 attempts: remote rejected the push',
    );
    fireEvent.click(
      screen.getByRole('button', { name: 'Retry publishing req-1a2b3c4d' }),
    );
    fireEvent.click(
      within(await screen.findByRole('dialog')).getByRole('button', {
        name: 'Retry publishing',
      }),
    );
    await waitFor(() =>
      expect(screen.getByTestId('publication')).toHaveTextContent(
        'Branch netpol/req-1a2b3c4d on local-git (open)',
      ),
    );
    expect(screen.queryByTestId('publishing-failed')).not.toBeInTheDocument();
    expect(posted.map(p => p.path)).toEqual(['req-1a2b3c4d/retry-publish']);
  });

  it('shows an expired grant whose removal was closed as still in force, and files the removal again', async () => {
    current = storedRequest({
      state: 'expiring',
      expiresAt: '2026-11-30T00:00:00Z',
      removals: [{ id: 'req-1a2b3c4d-rm', state: 'rejected' }],
    });
    await render(
      'user:default/priya.raman',
      ['group:default/platform-team'],
      '/requests/req-1a2b3c4d',
    );
    expect(await screen.findByTestId('grant-expiring')).toHaveTextContent(
      'Past its expiry, and still in force until its removal is enforced: req-1a2b3c4d-rm is rejected.',
    );
    expect(screen.getByTestId('request-state')).toHaveTextContent(
      'Expiring: removal pending',
    );
    fireEvent.click(
      screen.getByRole('button', {
        name: 'File the removal again req-1a2b3c4d',
      }),
    );
    fireEvent.click(
      within(await screen.findByRole('dialog')).getByRole('button', {
        name: 'File the removal again',
      }),
    );
    await waitFor(() =>
      expect(screen.getByTestId('grant-expiring')).toHaveTextContent(
        'req-1a2b3c4d-rm is rejected, req-1a2b3c4d-rm-2 is approved.',
      ),
    );
    expect(posted.map(p => p.path)).toEqual(['req-1a2b3c4d/file-removal']);
    // The new removal is being tracked: nothing to file again.
    expect(
      screen.queryByRole('button', {
        name: 'File the removal again req-1a2b3c4d',
      }),
    ).not.toBeInTheDocument();
  });

  it('offers no retry when nothing failed (a requester never sees publishing)', async () => {
    current = storedRequest({ state: 'approved' });
    await render(
      'user:default/priya.raman',
      ['group:default/platform-team'],
      '/requests/req-1a2b3c4d',
    );
    await screen.findByText('Approvals and publication');
    expect(
      screen.queryByRole('button', { name: 'Retry publishing req-1a2b3c4d' }),
    ).not.toBeInTheDocument();
  });

  it('shows the review queue with diff, YAML, replay and requester', async () => {
    server.use(
      http.get(`${base}/requests`, ({ request }) => {
        expect(new URL(request.url).searchParams.get('to-review')).toBe('true');
        return HttpResponse.json({ items: [current] });
      }),
    );
    await render(
      'user:default/priya.raman',
      ['group:default/platform-team'],
      '/',
    );
    expect(
      await screen.findByText(/1 request wait for your decision/),
    ).toBeInTheDocument();
    expect(
      screen.getByText(
        /component:default\/checkout → component:default\/payments on TCP 8443 in dev, by aisha.bello/,
      ),
    ).toBeInTheDocument();
    expect(screen.getByText('denied → TCP 8443')).toBeInTheDocument();
    expect(
      screen.getByText(/1 of 120 recent flows were dropped/),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/allow-egress-from-checkout-to-payments-req-1a2b3c4d/),
    ).toBeInTheDocument();
    fireEvent.click(
      screen.getByRole('button', { name: 'Approve req-1a2b3c4d' }),
    );
    fireEvent.click(
      within(await screen.findByRole('dialog')).getByRole('button', {
        name: 'Approve',
      }),
    );
    await waitFor(() =>
      expect(posted.map(p => p.path)).toEqual(['req-1a2b3c4d/approve']),
    );
  });

  it('filters and exports the audit log', async () => {
    const queries: URLSearchParams[] = [];
    server.use(
      http.get(`${base}/audit`, ({ request }) => {
        const q = new URL(request.url).searchParams;
        queries.push(q);
        if (q.get('format') === 'csv')
          return new HttpResponse('id,at\n1,2026', {
            headers: { 'content-type': 'text/csv' },
          });
        return new HttpResponse(
          `${JSON.stringify(current.events![0])}\n${JSON.stringify({
            ...current.events![0],
            id: 2,
            at: '2026-11-26T11:00:00Z',
            type: 'state',
            fromState: 'submitted',
            toState: 'approved',
            actor: 'user:default/priya.raman',
            message: 'Approved by user:default/priya.raman',
          })}\n`,
          { headers: { 'content-type': 'application/x-ndjson' } },
        );
      }),
    );
    const createObjectURL = jest.fn(() => 'blob:x');
    Object.assign(URL, { createObjectURL, revokeObjectURL: jest.fn() });
    await render(
      'user:default/priya.raman',
      ['group:default/platform-team'],
      '/?tab=audit',
    );
    fireEvent.change(
      await screen.findByLabelText('Entity (source or target)'),
      {
        target: { value: 'component:default/payments' },
      },
    );
    fireEvent.change(screen.getByLabelText('From'), {
      target: { value: '2026-11-01T00:00' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Show events' }));
    expect(
      await screen.findByText('Approved by user:default/priya.raman'),
    ).toBeInTheDocument();
    expect(screen.getByText('submitted → approved')).toBeInTheDocument();
    expect(queries[0].get('entity')).toBe('component:default/payments');
    expect(queries[0].get('format')).toBe('jsonl');
    expect(queries[0].get('from')).toBe(
      new Date('2026-11-01T00:00').toISOString(),
    );

    fireEvent.click(screen.getByRole('button', { name: 'Export CSV' }));
    await waitFor(() => expect(createObjectURL).toHaveBeenCalled());
    expect(queries[1].get('format')).toBe('csv');
  });

  it('shows the cluster overview: default deny per direction, top drop sources and requests by state', async () => {
    const connectivity = (
      name: string,
      egressIsolated: boolean,
    ): EntityConnectivityResponse => ({
      entityRef: `component:default/${name}`,
      cluster: 'dev',
      clusters: ['dev'],
      workloads: [`checkout/${name}[Deployment]`],
      coverage: [
        {
          workload: `checkout/${name}[Deployment]`,
          ingress: { isolated: true, isolatedBy: ['x'] },
          egress: { isolated: egressIsolated, isolatedBy: [] },
        },
      ],
      ingress: [],
      egress: [],
      drift: [],
      policiesLoadedAt: '',
      diagnostics: [],
    });
    server.use(
      http.get(
        `${base}/entities/component/default/:name/connectivity`,
        ({ params }) =>
          HttpResponse.json(
            connectivity(String(params.name), params.name !== 'cart'),
          ),
      ),
      http.get(
        `${base}/entities/component/default/:name/traffic`,
        ({ params }) =>
          HttpResponse.json({
            entityRef: '',
            edges:
              params.name === 'checkout'
                ? [
                    {
                      direction: 'egress',
                      peer: {
                        type: 'entity',
                        id: 'component:default/payments',
                      },
                      protocol: 'TCP',
                      port: 8443,
                      verdicts: { DROPPED: 42 },
                      firstSeen: '',
                      lastSeen: '',
                      policies: [],
                      dropReasons: ['POLICY_DENIED'],
                      l7: [],
                    },
                  ]
                : [],
          }),
      ),
      http.get(`${base}/requests`, () =>
        HttpResponse.json({
          items: [
            current,
            storedRequest({ id: 'req-00000002', state: 'enforced' }),
          ],
        }),
      ),
      http.get(`${base}/traffic/history`, () =>
        HttpResponse.json({
          bucketSeconds: 60,
          clusters: [
            {
              cluster: 'dev',
              since: '2026-11-26T10:00:00.000Z',
              coverage: { workloads: 3, ingressIsolated: 3, egressIsolated: 2 },
              buckets: [
                {
                  start: '2026-11-26T10:00:00.000Z',
                  forwarded: 10,
                  dropped: 2,
                },
              ],
            },
          ],
        }),
      ),
    );
    await render(
      'user:default/priya.raman',
      ['group:default/platform-team'],
      '/?tab=overview',
    );
    expect(
      await screen.findByRole('figure', {
        name: /^Cluster dev: dropped flows/,
      }),
    ).toHaveAccessibleDescription(/2 dropped of 12 flows/);
    expect(
      await screen.findByText(/\(3 of 3 workloads under default deny\)/),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/\(2 of 3 workloads under default deny\)/),
    ).toBeInTheDocument();
    const drops = screen.getByRole('table', { name: 'Top drop sources' });
    expect(within(drops).getByText('42')).toBeInTheDocument();
    const states = screen.getByRole('table', { name: 'Requests by state' });
    expect(within(states).getByText('Enforced')).toBeInTheDocument();
    expect(
      within(states).getByText('Submitted: awaiting review'),
    ).toBeInTheDocument();
    expect(catalogEntities.length).toBe(4);
  });

  it('covers every cluster in the overview: coverage and drops per cluster of entities running in several', async () => {
    const connectivity = (
      name: string,
      cluster: string,
    ): EntityConnectivityResponse => ({
      entityRef: `component:default/${name}`,
      cluster,
      clusters: name === 'checkout' ? ['dev', 'prod'] : ['dev'],
      workloads: [`checkout/${name}[Deployment]`],
      coverage: [
        {
          workload: `checkout/${name}[Deployment]`,
          ingress: { isolated: true, isolatedBy: ['x'] },
          // Open egress: cart in dev, checkout in prod.
          egress: {
            isolated: cluster === 'prod' ? false : name !== 'cart',
            isolatedBy: [],
          },
        },
      ],
      ingress: [],
      egress: [],
      drift: [],
      policiesLoadedAt: '',
      diagnostics: [],
    });
    const asked: string[] = [];
    server.use(
      http.get(
        `${base}/entities/component/default/:name/connectivity`,
        ({ params, request }) => {
          const cluster =
            new URL(request.url).searchParams.get('cluster') ?? 'dev';
          asked.push(`${params.name} ${cluster}`);
          return HttpResponse.json(connectivity(String(params.name), cluster));
        },
      ),
      http.get(
        `${base}/entities/component/default/:name/traffic`,
        ({ params, request }) => {
          const cluster =
            new URL(request.url).searchParams.get('cluster') ?? 'dev';
          return HttpResponse.json({
            entityRef: '',
            cluster,
            edges:
              params.name === 'checkout'
                ? [
                    {
                      direction: 'egress',
                      peer: {
                        type: 'entity',
                        id: 'component:default/orders',
                      },
                      protocol: 'TCP',
                      port: 8080,
                      verdicts: { DROPPED: cluster === 'prod' ? 7 : 42 },
                      firstSeen: '',
                      lastSeen: '',
                      policies: [],
                      dropReasons: ['POLICY_DENIED'],
                      l7: [],
                    },
                  ]
                : [],
          });
        },
      ),
      http.get(`${base}/requests`, () => HttpResponse.json({ items: [] })),
      http.get(`${base}/traffic/history`, () =>
        HttpResponse.json({
          bucketSeconds: 60,
          clusters: ['dev', 'prod'].map(cluster => ({
            cluster,
            since: '2026-11-26T10:00:00.000Z',
            buckets: [
              {
                start: '2026-11-26T10:00:00.000Z',
                forwarded: 10,
                dropped: cluster === 'prod' ? 5 : 2,
              },
            ],
          })),
        }),
      ),
    );
    await render(
      'user:default/priya.raman',
      ['group:default/platform-team'],
      '/?tab=overview',
    );
    expect(
      await screen.findByRole('figure', {
        name: /^Cluster prod: dropped flows/,
      }),
    ).toHaveAccessibleDescription(/5 dropped of 15 flows/);
    // All: dev's checkout, payments, cart and prod's checkout.
    expect(
      await screen.findByText(/\(2 of 4 workloads under default deny\)/),
    ).toBeInTheDocument();
    expect(asked).toContain('checkout prod');
    expect(asked).not.toContain('cart prod');
    const prod = screen.getByTestId('coverage-prod');
    expect(
      within(prod).getByText(/\(0 of 1 workloads under default deny\)/),
    ).toBeInTheDocument();
    const dev = screen.getByTestId('coverage-dev');
    expect(
      within(dev).getByText(/\(2 of 3 workloads under default deny\)/),
    ).toBeInTheDocument();
    const drops = screen.getByRole('table', { name: 'Top drop sources' });
    const rows = within(drops).getAllByRole('row');
    expect(rows[1]).toHaveTextContent(/checkout.*dev.*42/i);
    expect(rows[2]).toHaveTextContent(/checkout.*prod.*7/i);
  });
});
