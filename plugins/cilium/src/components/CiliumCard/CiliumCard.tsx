import useAsync from 'react-use/esm/useAsync';
import { getCompoundEntityRef } from '@backstage/catalog-model';
import { InfoCard, Link, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { Box, Typography } from '@material-ui/core';
import {
  getEntityClusters,
  isCiliumAnnotated,
  TrafficEdge,
} from '@cilium-zero-trust/plugin-cilium-common';
import { ciliumApiRef, errorMessage } from '../../api';

function count(
  edges: TrafficEdge[],
  direction: 'ingress' | 'egress',
  verdict: string,
): number {
  return edges
    .filter(e => e.direction === direction)
    .reduce((sum, e) => sum + (e.verdicts[verdict] ?? 0), 0);
}

/**
 * The entity's network at a glance, for the overview page: peers seen in the
 * live window and how many flows were forwarded or dropped, with a link to the
 * Network tab.
 */
export const CiliumCard = (props: { networkTabPath?: string }) => {
  const { entity } = useEntity();
  const api = useApi(ciliumApiRef);
  const annotated = isCiliumAnnotated(entity);
  const { value, loading, error } = useAsync(
    async () =>
      annotated
        ? api.getEntityTraffic(getCompoundEntityRef(entity))
        : undefined,
    [api, entity, annotated],
  );
  const deepLink = {
    title: 'Open the Network tab',
    link: props.networkTabPath ?? 'network',
  };

  let body;
  if (!annotated) {
    body = (
      <Typography variant="body2">
        Not mapped to Kubernetes workloads: add the{' '}
        <code>backstage.io/kubernetes-namespace</code> and{' '}
        <code>backstage.io/kubernetes-label-selector</code> annotations.
      </Typography>
    );
  } else if (loading) {
    body = <Progress />;
  } else if (error) {
    body = <Typography color="error">{errorMessage(error)}</Typography>;
  } else {
    const edges = value?.edges ?? [];
    const peers = (direction: 'ingress' | 'egress') =>
      new Set(edges.filter(e => e.direction === direction).map(e => e.peer.id))
        .size;
    body = (
      <Box display="flex" flexDirection="column" style={{ gap: 8 }}>
        {(['ingress', 'egress'] as const).map(d => (
          <Typography key={d} variant="body2">
            <b>{d === 'ingress' ? 'Incoming' : 'Outgoing'}:</b> {peers(d)} peers
            · {count(edges, d, 'FORWARDED')} forwarded ·{' '}
            <span
              style={{
                color: count(edges, d, 'DROPPED') > 0 ? '#c62828' : undefined,
              }}
            >
              {count(edges, d, 'DROPPED')} dropped
            </span>
          </Typography>
        ))}
        {edges.length === 0 && (
          <Typography variant="body2" color="textSecondary">
            No traffic seen in the live window yet.
          </Typography>
        )}
        <Link to={deepLink.link}>{deepLink.title}</Link>
      </Box>
    );
  }
  // An entity in several clusters: the card shows its default cluster's traffic.
  const clusters = getEntityClusters(entity, { defaultCluster: '' });
  const others =
    clusters.ok && value?.cluster
      ? clusters.clusters.filter(c => c && c !== value.cluster)
      : [];
  return (
    <InfoCard
      title="Network (Cilium)"
      subheader={
        others.length
          ? `Cluster ${value!.cluster} (also runs in ${others.join(', ')})`
          : undefined
      }
    >
      {body}
    </InfoCard>
  );
};
