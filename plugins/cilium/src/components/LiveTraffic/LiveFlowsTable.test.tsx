import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { discoveryApiRef, fetchApiRef } from '@backstage/core-plugin-api';
import {
  mockApis,
  registerMswTestHooks,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/test-utils';
import { FlowRecord } from '@cilium-zero-trust/plugin-cilium-common';
import { ciliumApiRef, CiliumClient } from '../../api';
import { LiveFlowsTable } from './LiveFlowsTable';

const base =
  'http://backstage.test/api/cilium/entities/component/default/checkout';

function record(
  uuid: string,
  verdict: string,
  from: string,
  to: string,
  port: number,
): FlowRecord {
  return {
    flow: {
      uuid,
      time: '2026-11-26T10:00:00.123Z',
      verdict,
      ...(verdict === 'DROPPED' ? { drop_reason_desc: 'POLICY_DENIED' } : {}),
      l4: { TCP: { source_port: 40000, destination_port: port } },
      source: { namespace: 'shop', pod_name: `${from}-abc` },
      destination: { namespace: 'shop', pod_name: `${to}-def` },
      ...(verdict === 'FORWARDED'
        ? {
            ingress_allowed_by: [
              { name: `${to}-from-${from}`, namespace: 'shop' },
            ],
          }
        : {}),
    },
    backstage: {
      source: `component:default/${from}`,
      destination: `component:default/${to}`,
    },
  };
}

describe('LiveFlowsTable', () => {
  const server = setupServer();
  registerMswTestHooks(server);
  const discoveryApi = mockApis.discovery({ baseUrl: 'http://backstage.test' });
  const fetchApi = { fetch: (input: any, init?: any) => fetch(input, init) };

  function sseBody(batches: object[]) {
    const encoder = new TextEncoder();
    return new ReadableStream({
      start(controller) {
        controller.enqueue(encoder.encode(': connected\n\n'));
        for (const b of batches)
          controller.enqueue(
            encoder.encode(`event: flows\ndata: ${JSON.stringify(b)}\n\n`),
          );
        // stays open, like a live stream
      },
    });
  }

  it('shows the snapshot and streamed flows, newest first, and filters by verdict and peer', async () => {
    server.use(
      http.get(`${base}/flows`, () =>
        HttpResponse.json({
          entityRef: 'component:default/checkout',
          evicted: 0,
          flows: [
            record('u1', 'FORWARDED', 'storefront', 'checkout', 8080),
            record('u2', 'DROPPED', 'checkout', 'payments', 8443),
          ],
        }),
      ),
      http.get(
        `${base}/flows/stream`,
        () =>
          new HttpResponse(
            sseBody([
              // u2 again (overlap with the snapshot) must not show twice
              {
                flows: [
                  record('u2', 'DROPPED', 'checkout', 'payments', 8443),
                  record('u3', 'FORWARDED', 'checkout', 'cart', 50051),
                ],
                lost: 4,
              },
            ]),
            { headers: { 'content-type': 'text/event-stream' } },
          ),
      ),
    );
    await renderInTestApp(
      <TestApiProvider
        apis={[
          [discoveryApiRef, discoveryApi],
          [fetchApiRef, fetchApi],
          [ciliumApiRef, new CiliumClient({ discoveryApi, fetchApi })],
        ]}
      >
        <LiveFlowsTable
          entity={{ kind: 'Component', namespace: 'default', name: 'checkout' }}
          height={400}
        />
      </TestApiProvider>,
    );

    await waitFor(() =>
      expect(screen.getAllByTestId('flow-row')).toHaveLength(3),
    );
    const rows = screen.getAllByTestId('flow-row');
    expect(within(rows[0]).getByText('cart')).toBeInTheDocument();
    expect(within(rows[0]).getByText('50051/TCP')).toBeInTheDocument();
    expect(within(rows[1]).getByText('DROPPED')).toBeInTheDocument();
    expect(within(rows[1]).getByText('POLICY_DENIED')).toBeInTheDocument();
    expect(
      within(rows[2]).getByText('shop/checkout-from-storefront'),
    ).toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent('4 flows lost');

    fireEvent.change(screen.getByLabelText('Filter by peer'), {
      target: { value: 'payments' },
    });
    await waitFor(() =>
      expect(screen.getAllByTestId('flow-row')).toHaveLength(1),
    );
    expect(
      within(screen.getByTestId('flow-row')).getByText('DROPPED'),
    ).toBeInTheDocument();
  });

  it('says the user may not see flows when the backend refuses', async () => {
    server.use(
      http.get(`${base}/flows`, () =>
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
    await renderInTestApp(
      <TestApiProvider
        apis={[
          [discoveryApiRef, discoveryApi],
          [fetchApiRef, fetchApi],
          [ciliumApiRef, new CiliumClient({ discoveryApi, fetchApi })],
        ]}
      >
        <LiveFlowsTable
          entity={{ kind: 'Component', namespace: 'default', name: 'checkout' }}
        />
      </TestApiProvider>,
    );
    expect(
      await screen.findByText(/not allowed to cilium.flows.read/),
    ).toBeInTheDocument();
  });
});
