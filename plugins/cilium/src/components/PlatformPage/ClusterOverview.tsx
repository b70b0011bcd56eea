import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import {
  Entity,
  getCompoundEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import {
  Box,
  Button,
  Grid,
  LinearProgress,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@material-ui/core';
import {
  ConnectivityRequestState,
  isCiliumAnnotated,
} from '@cilium-zero-trust/plugin-cilium-common';
import { CiliumApi, ciliumApiRef } from '../../api';
import { RefOrText, RequestStateChip } from '../Requests/parts';

/** What the overview shows. */
export interface ClusterOverviewData {
  entities: number;
  failed: string[];
  workloads: number;
  ingressIsolated: number;
  egressIsolated: number;
  /** Dropped flows in the live window per source (entity ref or peer id), most first. */
  dropSources: Array<{ source: string; drops: number }>;
  requestsByState: Array<{ state: ConnectivityRequestState; count: number }>;
}

async function mapLimit<T, R>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, worker),
  );
  return out;
}

/**
 * Gathers the overview from the per-entity routes: coverage of every
 * annotated component's workloads, drops in their live traffic, and request
 * counts.
 */
export async function loadClusterOverview(
  api: CiliumApi,
  entities: Entity[],
): Promise<ClusterOverviewData> {
  const annotated = entities.filter(isCiliumAnnotated);
  const refs = new Set(annotated.map(e => stringifyEntityRef(e)));
  const coverage = new Map<string, { ingress: boolean; egress: boolean }>();
  const drops = new Map<string, number>();
  const failed: string[] = [];
  await mapLimit(annotated, 4, async entity => {
    const ref = stringifyEntityRef(entity);
    const compound = getCompoundEntityRef(entity);
    try {
      const [connectivity, traffic] = await Promise.all([
        api.getEntityConnectivity(compound),
        api.getEntityTraffic(compound).catch(() => undefined),
      ]);
      for (const c of connectivity.coverage) {
        coverage.set(`${connectivity.cluster}/${c.workload}`, {
          ingress: c.ingress.isolated,
          egress: c.egress.isolated,
        });
      }
      for (const edge of traffic?.edges ?? []) {
        const dropped = edge.verdicts.DROPPED ?? 0;
        if (!dropped) continue;
        // Count each drop once: from the source's egress, or from the ingress side when the source is not annotated.
        let source: string | undefined;
        if (edge.direction === 'egress') source = ref;
        else if (!refs.has(edge.peer.id)) source = edge.peer.id;
        if (source) drops.set(source, (drops.get(source) ?? 0) + dropped);
      }
    } catch {
      failed.push(ref);
    }
  });
  const requests = await api.listRequests().catch(() => ({ items: [] }));
  const byState = new Map<ConnectivityRequestState, number>();
  for (const r of requests.items)
    byState.set(r.state, (byState.get(r.state) ?? 0) + 1);
  const values = [...coverage.values()];
  return {
    entities: annotated.length,
    failed,
    workloads: values.length,
    ingressIsolated: values.filter(v => v.ingress).length,
    egressIsolated: values.filter(v => v.egress).length,
    dropSources: [...drops.entries()]
      .map(([source, n]) => ({ source, drops: n }))
      .sort((a, b) => b.drops - a.drops)
      .slice(0, 10),
    requestsByState: [...byState.entries()].map(([state, count]) => ({
      state,
      count,
    })),
  };
}

const Share = (props: { label: string; part: number; whole: number }) => {
  const pct = props.whole ? Math.round((100 * props.part) / props.whole) : 0;
  return (
    <Box mb={2}>
      <Typography variant="body1" id={`share-${props.label}`}>
        {props.label}: <strong>{pct}%</strong> ({props.part} of {props.whole}{' '}
        workloads under default deny)
      </Typography>
      <LinearProgress
        variant="determinate"
        value={pct}
        aria-labelledby={`share-${props.label}`}
      />
    </Box>
  );
};

/** Share of workloads under default deny per direction, top drop sources and requests by state. */
export const ClusterOverview = () => {
  const api = useApi(ciliumApiRef);
  const catalogApi = useApi(catalogApiRef);
  const data = useAsyncRetry(async () => {
    const { items } = await catalogApi.getEntities({
      filter: { kind: 'Component' },
    });
    return loadClusterOverview(api, items);
  }, [api, catalogApi]);

  if (data.loading && !data.value) return <Progress />;
  if (data.error) return <ResponseErrorPanel error={data.error} />;
  const d = data.value!;
  return (
    <Grid container spacing={3}>
      <Grid item xs={12} md={4}>
        <InfoCard title="Default deny">
          <Share label="Ingress" part={d.ingressIsolated} whole={d.workloads} />
          <Share label="Egress" part={d.egressIsolated} whole={d.workloads} />
          <Typography variant="body2" color="textSecondary">
            Workloads of {d.entities} annotated components.
            {d.failed.length
              ? ` Not counted (no answer): ${d.failed.join(', ')}.`
              : ''}
          </Typography>
        </InfoCard>
      </Grid>
      <Grid item xs={12} md={4}>
        <InfoCard title="Top drop sources (live window)">
          {d.dropSources.length === 0 ? (
            <Typography variant="body2">
              No drops in the live window.
            </Typography>
          ) : (
            <Table size="small" aria-label="Top drop sources">
              <TableHead>
                <TableRow>
                  <TableCell>Source</TableCell>
                  <TableCell align="right">Dropped flows</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {d.dropSources.map(s => (
                  <TableRow key={s.source}>
                    <TableCell>
                      <RefOrText value={s.source} />
                    </TableCell>
                    <TableCell align="right">{s.drops}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </InfoCard>
      </Grid>
      <Grid item xs={12} md={4}>
        <InfoCard title="Requests by state">
          {d.requestsByState.length === 0 ? (
            <Typography variant="body2">No requests yet.</Typography>
          ) : (
            <Table size="small" aria-label="Requests by state">
              <TableHead>
                <TableRow>
                  <TableCell>State</TableCell>
                  <TableCell align="right">Requests</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {d.requestsByState.map(s => (
                  <TableRow key={s.state}>
                    <TableCell>
                      <RequestStateChip state={s.state} />
                    </TableCell>
                    <TableCell align="right">{s.count}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </InfoCard>
      </Grid>
      <Grid item xs={12}>
        <Button variant="outlined" onClick={data.retry}>
          Refresh
        </Button>
      </Grid>
    </Grid>
  );
};
