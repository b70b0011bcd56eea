import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import {
  mockApis,
  registerMswTestHooks,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/test-utils';
import {
  EntityTrafficHistoryBucket,
  EntityTrafficHistoryResponse,
} from '@cilium-zero-trust/plugin-cilium-common';
import { ciliumApiRef, CiliumClient } from '../../api';
import { minuteLabel } from './format';
import { TrafficOverTime } from './TrafficOverTime';

const base = 'http://backstage.test/api/cilium';
const url = `${base}/entities/component/default/checkout/traffic/history`;
const T0 = Date.parse('2026-11-26T10:00:00Z');

function bucket(
  i: number,
  patch: Partial<EntityTrafficHistoryBucket> = {},
): EntityTrafficHistoryBucket {
  return {
    start: new Date(T0 + i * 60_000).toISOString(),
    forwarded: 0,
    dropped: 0,
    peers: [],
    otherPeers: { forwarded: 0, dropped: 0 },
    ...patch,
  };
}

function history(
  busy: Record<number, Partial<EntityTrafficHistoryBucket>>,
): EntityTrafficHistoryResponse {
  return {
    entityRef: 'component:default/checkout',
    cluster: 'dev',
    bucketSeconds: 60,
    buckets: Array.from({ length: 60 }, (_, i) => bucket(i, busy[i])),
    since: '2026-11-26T09:00:00.000Z',
    peersEvicted: 0,
  };
}

const busyHour = history({
  10: {
    forwarded: 20,
    dropped: 5,
    peers: [
      {
        peer: { type: 'entity', id: 'component:default/cart' },
        forwarded: 20,
        dropped: 0,
      },
      {
        peer: { type: 'entity', id: 'component:default/payments' },
        forwarded: 0,
        dropped: 4,
      },
    ],
    otherPeers: { forwarded: 0, dropped: 1 },
  },
  11: {
    forwarded: 7,
    dropped: 0,
    peers: [
      {
        peer: { type: 'namespace', id: 'kube-system' },
        forwarded: 7,
        dropped: 0,
      },
    ],
  },
  59: {
    forwarded: 3,
    dropped: 2,
    peers: [
      {
        peer: { type: 'reserved', id: 'reserved:world' },
        forwarded: 0,
        dropped: 2,
      },
      {
        peer: { type: 'fqdn', id: 'api.stripe.com' },
        forwarded: 3,
        dropped: 0,
      },
    ],
  },
});

describe('TrafficOverTime', () => {
  const server = setupServer();
  registerMswTestHooks(server);
  const discoveryApi = mockApis.discovery({ baseUrl: 'http://backstage.test' });
  const fetchApi = { fetch: (input: any, init?: any) => fetch(input, init) };
  let queries: URLSearchParams[];

  function serve(response: () => Response) {
    queries = [];
    server.use(
      http.get(url, ({ request }) => {
        queries.push(new URL(request.url).searchParams);
        return response();
      }),
    );
  }

  function renderChart() {
    return renderInTestApp(
      <TestApiProvider
        apis={[[ciliumApiRef, new CiliumClient({ discoveryApi, fetchApi })]]}
      >
        <TrafficOverTime
          entity={{ kind: 'Component', namespace: 'default', name: 'checkout' }}
        />
      </TestApiProvider>,
    );
  }

  /** Bars drawn with a height (recharts draws one path per non-empty bar). */
  function bars(container: HTMLElement, fill: string) {
    return [
      ...container.querySelectorAll<SVGPathElement>(
        `.recharts-bar-rectangle path[fill="${fill}"]`,
      ),
    ].filter(p => Number(p.getAttribute('height')) > 0);
  }

  it('draws forwarded and dropped bars per minute, with a summary as its text alternative', async () => {
    serve(() => HttpResponse.json(busyHour));
    await renderChart();
    const figure = await screen.findByRole('figure', {
      name: 'Forwarded and dropped flows per minute, last hour',
    });
    expect(queries[0].get('peers')).toBe('8');
    expect(
      screen.getByText(
        `Last 60 minutes: 30 forwarded, 7 dropped (19%). Most drops at ${minuteLabel(
          busyHour.buckets[10].start,
        )} (5).`,
      ),
    ).toBeInTheDocument();
    expect(figure).toHaveAccessibleDescription(/30 forwarded, 7 dropped/);
    // Three minutes with forwarded flows, two with drops.
    await waitFor(() => {
      const rects = figure.querySelectorAll(
        '.recharts-bar-rectangle path.recharts-rectangle',
      );
      expect(rects.length).toBeGreaterThanOrEqual(5);
    });
    const paths = [
      ...figure.querySelectorAll<SVGPathElement>('path.recharts-rectangle'),
    ];
    const fills = new Set(paths.map(p => p.getAttribute('fill')));
    expect(fills.size).toBe(2);
    const [forwardedFill, droppedFill] = [
      paths.find(p => p.getAttribute('name') === 'Forwarded')!,
      paths.find(p => p.getAttribute('name') === 'Dropped')!,
    ].map(p => p.getAttribute('fill')!);
    expect(bars(figure, forwardedFill)).toHaveLength(3);
    expect(bars(figure, droppedFill)).toHaveLength(2);
    // The busiest forwarded minute has the tallest bar.
    const heights = bars(figure, forwardedFill).map(p =>
      Number(p.getAttribute('height')),
    );
    expect(Math.max(...heights)).toBe(heights[0]);
  });

  it("shows a minute's peers when it is hovered (here: chosen with the keyboard)", async () => {
    serve(() => HttpResponse.json(busyHour));
    const { container } = await renderChart();
    await screen.findByRole('figure');
    const [forwardedChart] = [
      ...container.querySelectorAll<SVGElement>('svg.recharts-surface'),
    ];
    fireEvent.focus(forwardedChart);
    // The accessibility layer starts at the first minute; move to the 11th.
    for (let i = 0; i < 10; i++)
      fireEvent.keyDown(forwardedChart, { key: 'ArrowRight' });
    const tooltip = await screen.findByText(
      `${minuteLabel(busyHour.buckets[10].start)}: 20 forwarded, 5 dropped`,
    );
    const table = tooltip.parentElement!.querySelector('table')!;
    const rows = within(table)
      .getAllByRole('row')
      .map(r => r.textContent);
    expect(rows).toEqual([
      'PeerForwardedDropped',
      'cart200',
      'payments04',
      'other peers01',
    ]);
  });

  it('shows the same minutes as a table, newest first, with their peers', async () => {
    serve(() => HttpResponse.json(busyHour));
    await renderChart();
    fireEvent.click(await screen.findByRole('button', { name: 'Table' }));
    const table = screen.getByRole('table', { name: 'Flows per minute' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toHaveTextContent(
      'world (outside the cluster): 2 dropped; api.stripe.com: 3 forwarded',
    );
    expect(rows[2]).toHaveTextContent(
      'cart: 20 forwarded; payments: 4 dropped; other peers: 1',
    );
    expect(screen.queryByRole('figure')).not.toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Chart' }));
    expect(await screen.findByRole('figure')).toBeInTheDocument();
  });

  it('says so when the entity had no flows in the last hour', async () => {
    serve(() => HttpResponse.json(history({})));
    await renderChart();
    expect(
      await screen.findByText(/No forwarded or dropped flows in the last hour/),
    ).toBeInTheDocument();
    expect(screen.queryByRole('figure')).not.toBeInTheDocument();
  });

  it("shows the backend's error, and a permission hint on 403", async () => {
    serve(() =>
      HttpResponse.json(
        { error: { name: 'Error', message: 'the history broke' } },
        { status: 500 },
      ),
    );
    const first = await renderChart();
    expect(
      (await screen.findAllByText(/the history broke/)).length,
    ).toBeGreaterThan(0);
    first.unmount();

    serve(() =>
      HttpResponse.json(
        {
          error: {
            name: 'NotAllowedError',
            message:
              'You are not allowed to cilium.flows.read on component:default/checkout',
          },
        },
        { status: 403 },
      ),
    );
    await renderChart();
    expect(
      await screen.findByText(/You may not see this traffic/),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/not allowed to cilium.flows.read/),
    ).toBeInTheDocument();
  });
});
