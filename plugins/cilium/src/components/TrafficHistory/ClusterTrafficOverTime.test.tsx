import { fireEvent, screen, within } from '@testing-library/react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { ResponseError } from '@backstage/errors';
import {
  ClusterTrafficHistory,
  TrafficHistoryResponse,
} from '@cilium-zero-trust/plugin-cilium-common';
import { CiliumApi, ciliumApiRef } from '../../api';
import { ClusterTrafficOverTime } from './ClusterTrafficOverTime';

const T0 = Date.parse('2026-11-26T10:00:00Z');

function cluster(
  name: string,
  drops: Record<number, number>,
  coverageFrom: number,
): ClusterTrafficHistory {
  return {
    cluster: name,
    since: '2026-11-26T09:00:00.000Z',
    coverage: { workloads: 4, ingressIsolated: 3, egressIsolated: 2 },
    buckets: Array.from({ length: 60 }, (_, i) => ({
      start: new Date(T0 + i * 60_000).toISOString(),
      forwarded: 100,
      dropped: drops[i] ?? 0,
      // Ingress coverage rises from 2 to 3 of 4 workloads at minute 30.
      coverage:
        i >= coverageFrom
          ? {
              workloads: 4,
              ingressIsolated: i >= 30 ? 3 : 2,
              egressIsolated: 2,
            }
          : undefined,
    })),
  };
}

function api(result: () => Promise<TrafficHistoryResponse>) {
  const getTrafficHistory = jest.fn(result);
  return {
    mock: getTrafficHistory,
    api: { getTrafficHistory } as unknown as CiliumApi,
  };
}

function renderWith(cilium: CiliumApi) {
  return renderInTestApp(
    <TestApiProvider apis={[[ciliumApiRef, cilium]]}>
      <ClusterTrafficOverTime />
    </TestApiProvider>,
  );
}

describe('ClusterTrafficOverTime', () => {
  it("draws each cluster's drops per minute and its coverage per direction over time", async () => {
    const { api: cilium } = api(async () => ({
      bucketSeconds: 60,
      clusters: [cluster('dev', { 5: 12, 40: 3, 59: 1 }, 10)],
    }));
    await renderWith(cilium);
    const figure = await screen.findByRole('figure', {
      name: 'Cluster dev: dropped flows and default-deny coverage per minute, last hour',
    });
    expect(figure).toHaveAccessibleDescription(
      'Last 60 minutes: 16 dropped of 6,016 flows. Default deny now: ingress 75% (3 of 4 workloads), egress 50% (2 of 4).',
    );
    // One bar for each minute with drops.
    const drops = [
      ...figure.querySelectorAll('.recharts-bar-rectangle path'),
    ].filter(p => Number(p.getAttribute('height')) > 0);
    expect(drops).toHaveLength(3);
    // Two lines (ingress, egress), each starting where sampling started.
    const lines = [...figure.querySelectorAll('path.recharts-line-curve')];
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line.getAttribute('d')).toMatch(/^M/);
    expect(within(figure).getByText('Ingress')).toBeInTheDocument();
    expect(within(figure).getByText('Egress')).toBeInTheDocument();
  });

  it('shows the minutes as a table, with a dash where coverage was not sampled', async () => {
    const { api: cilium } = api(async () => ({
      bucketSeconds: 60,
      clusters: [cluster('dev', { 59: 4 }, 58)],
    }));
    await renderWith(cilium);
    fireEvent.click(await screen.findByRole('button', { name: 'Table' }));
    const table = screen.getByRole('table', {
      name: 'Drops and coverage per minute',
    });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(60);
    const cells = (r: HTMLElement) =>
      within(r)
        .getAllByRole('cell')
        .slice(1)
        .map(c => c.textContent);
    expect(cells(rows[0])).toEqual(['4', '100', '75%', '50%']);
    expect(cells(rows[2])).toEqual(['0', '100', '—', '—']);
  });

  it('says when a cluster had no flows and why coverage is unknown', async () => {
    const quiet = cluster('prod', {}, 60);
    const { api: cilium } = api(async () => ({
      bucketSeconds: 60,
      clusters: [
        {
          ...quiet,
          buckets: quiet.buckets.map(b => ({ ...b, forwarded: 0 })),
          coverage: undefined,
          coverageUnavailable: 'the branch main was not found',
        },
      ],
    }));
    await renderWith(cilium);
    expect(
      await screen.findByText(
        "No flows from this cluster's Hubble Relay in the last hour.",
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/Coverage unknown: the branch main was not found\./),
    ).toBeInTheDocument();
  });

  it('explains a refusal and shows other errors', async () => {
    const refused = Object.assign(new Error('refused'), {
      name: 'ResponseError',
      statusCode: 403,
      body: {
        error: {
          name: 'NotAllowedError',
          message: 'You are not allowed to cilium.status.read',
        },
      },
    }) as unknown as ResponseError;
    const first = await renderWith(api(() => Promise.reject(refused)).api);
    expect(
      await screen.findByText(/You may not see cluster traffic/),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/You are not allowed to cilium.status.read/),
    ).toBeInTheDocument();
    first.unmount();

    await renderWith(
      api(() => Promise.reject(new Error('the backend is down'))).api,
    );
    expect(
      (await screen.findAllByText(/the backend is down/)).length,
    ).toBeGreaterThan(0);
  });
});
