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

/** Default-deny coverage of one cluster's workloads. */
export interface ClusterCoverage {
  cluster: string;
  workloads: number;
  ingressIsolated: number;
  egressIsolated: number;
}

/** What the overview shows. */
export interface ClusterOverviewData {
  entities: number;
  /** Entities (and `entity in cluster`) that did not answer. */
  failed: string[];
  workloads: number;
  ingressIsolated: number;
  egressIsolated: number;
  /** The same per cluster, in the order first seen (each entity's default first). */
  clusters: ClusterCoverage[];
  /** Dropped flows in the live window per source (entity ref or peer id) and cluster, most first. */
  dropSources: Array<{ source: string; cluster: string; drops: number }>;
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
 * annotated component's workloads in each cluster it runs in, drops in their
 * live traffic per cluster, and request counts.
 */
export async function loadClusterOverview(
  api: CiliumApi,
  entities: Entity[],
): Promise<ClusterOverviewData> {
  const annotated = entities.filter(isCiliumAnnotated);
  const refs = new Set(annotated.map(e => stringifyEntityRef(e)));
  const coverage = new Map<
    string,
    { cluster: string; ingress: boolean; egress: boolean }
  >();
  const drops = new Map<
    string,
    { source: string; cluster: string; drops: number }
  >();
  const failed: string[] = [];
  const seenClusters: string[] = [];
  const add = async (
    ref: string,
    compound: ReturnType<typeof getCompoundEntityRef>,
    cluster?: string,
  ) => {
    const [connectivity, traffic] = await Promise.all([
      api.getEntityConnectivity(compound, { cluster }),
      api.getEntityTraffic(compound, { cluster }).catch(() => undefined),
    ]);
    const at = connectivity.cluster;
    if (!seenClusters.includes(at)) seenClusters.push(at);
    for (const c of connectivity.coverage) {
      coverage.set(`${at}/${c.workload}`, {
        cluster: at,
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
      if (!source) continue;
      const key = `${at} ${source}`;
      const entry = drops.get(key) ?? { source, cluster: at, drops: 0 };
      entry.drops += dropped;
      drops.set(key, entry);
    }
    return connectivity.clusters ?? [at];
  };
  await mapLimit(annotated, 4, async entity => {
    const ref = stringifyEntityRef(entity);
    const compound = getCompoundEntityRef(entity);
    let clusters: string[];
    try {
      // The default cluster's answer names the entity's other clusters.
      clusters = await add(ref, compound);
    } catch {
      failed.push(ref);
      return;
    }
    for (const cluster of clusters.slice(1)) {
      try {
        await add(ref, compound, cluster);
      } catch {
        failed.push(`${ref} in ${cluster}`);
      }
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
    clusters: seenClusters.map(cluster => {
      const of = values.filter(v => v.cluster === cluster);
      return {
        cluster,
        workloads: of.length,
        ingressIsolated: of.filter(v => v.ingress).length,
        egressIsolated: of.filter(v => v.egress).length,
      };
    }),
    dropSources: [...drops.values()]
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
  const id = `share-${props.label.replace(/[^A-Za-z0-9-]/g, '-')}`;
  return (
    <Box mb={2}>
      <Typography variant="body1" id={id}>
        {props.label}: <strong>{pct}%</strong> ({props.part} of {props.whole}{' '}
        workloads under default deny)
      </Typography>
      <LinearProgress variant="determinate" value={pct} aria-labelledby={id} />
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
  const several = d.clusters.length > 1;
  return (
    <Grid container spacing={3}>
      <Grid item xs={12} md={4}>
        <InfoCard title="Default deny">
          <Share label="Ingress" part={d.ingressIsolated} whole={d.workloads} />
          <Share label="Egress" part={d.egressIsolated} whole={d.workloads} />
          {several &&
            d.clusters.map(c => (
              <Box key={c.cluster} data-testid={`coverage-${c.cluster}`}>
                <Typography variant="subtitle2" component="h3">
                  Cluster {c.cluster}
                </Typography>
                <Share
                  label={`${c.cluster} ingress`}
                  part={c.ingressIsolated}
                  whole={c.workloads}
                />
                <Share
                  label={`${c.cluster} egress`}
                  part={c.egressIsolated}
                  whole={c.workloads}
                />
              </Box>
            ))}
          <Typography variant="body2" color="textSecondary">
            Workloads of {d.entities} annotated components
            {several ? ` in ${d.clusters.length} clusters` : ''}.
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
                  {several && <TableCell>Cluster</TableCell>}
                  <TableCell align="right">Dropped flows</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {d.dropSources.map(s => (
                  <TableRow key={`${s.cluster} ${s.source}`}>
                    <TableCell>
                      <RefOrText value={s.source} />
                    </TableCell>
                    {several && <TableCell>{s.cluster}</TableCell>}
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
