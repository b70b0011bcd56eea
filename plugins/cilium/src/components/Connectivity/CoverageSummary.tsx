import { InfoCard } from '@backstage/core-components';
import { Box, Chip, Tooltip, Typography } from '@material-ui/core';
import CheckCircleIcon from '@material-ui/icons/CheckCircle';
import WarningIcon from '@material-ui/icons/Warning';
import {
  ClusterTrafficStatus,
  EntityConnectivityResponse,
} from '@cilium-zero-trust/plugin-cilium-common';

const Badge = (props: { label: string; ok: boolean; detail: string }) => (
  <Tooltip title={props.detail}>
    <Chip
      icon={props.ok ? <CheckCircleIcon /> : <WarningIcon />}
      label={props.label}
      color={props.ok ? 'primary' : 'secondary'}
      variant={props.ok ? 'default' : 'outlined'}
      style={{ margin: 4 }}
    />
  </Tooltip>
);

/** Zero-trust coverage, counts and the Relay connection at a glance. */
export const CoverageSummary = (props: {
  connectivity: EntityConnectivityResponse;
  relay?: ClusterTrafficStatus;
}) => {
  const { connectivity, relay } = props;
  const all = (d: 'ingress' | 'egress') =>
    connectivity.coverage.length > 0 &&
    connectivity.coverage.every(c => c[d].isolated);
  const detail = (d: 'ingress' | 'egress') =>
    connectivity.coverage
      .map(
        c =>
          `${c.workload}: ${
            c[d].isolated
              ? `isolated by ${c[d].isolatedBy.join(', ')}`
              : 'NOT isolated — everything may connect'
          }`,
      )
      .join('\n') || 'No workload found';
  const peers = (edges: { peer: { id: string } }[]) =>
    new Set(edges.map(e => e.peer.id)).size;
  let relayText = 'No Hubble Relay configured for this cluster';
  if (relay && relay.state !== 'disabled') {
    relayText = relay.connected
      ? `Hubble Relay connected · ${relay.flowsPerSecond.toFixed(0)} flows/s${
          relay.lagMs !== undefined ? ` · lag ${relay.lagMs} ms` : ''
        }`
      : `Hubble Relay ${relay.state}${
          relay.lastError ? `: ${relay.lastError.message}` : ''
        }`;
  }
  return (
    <InfoCard
      title="Zero trust summary"
      subheader={`Cluster ${connectivity.cluster}`}
    >
      <Box display="flex" flexWrap="wrap" alignItems="center">
        <Badge
          label={all('ingress') ? 'Ingress: default deny' : 'Ingress: open'}
          ok={all('ingress')}
          detail={detail('ingress')}
        />
        <Badge
          label={all('egress') ? 'Egress: default deny' : 'Egress: open'}
          ok={all('egress')}
          detail={detail('egress')}
        />
      </Box>
      <Typography variant="body2" style={{ marginTop: 8 }}>
        May call {peers(connectivity.egress)} peers · may be called by{' '}
        {peers(connectivity.ingress)} peers · {connectivity.drift.length} drift
        findings
      </Typography>
      <Typography
        variant="body2"
        color={
          relay && !relay.connected && relay.state !== 'disabled'
            ? 'error'
            : 'textSecondary'
        }
        role="status"
      >
        {relayText}
      </Typography>
      <Typography variant="caption" color="textSecondary" display="block">
        Policies loaded{' '}
        {new Date(connectivity.policiesLoadedAt).toLocaleString()}
        {connectivity.diagnostics.length > 0 &&
          ` · ${connectivity.diagnostics.length} source problems`}
      </Typography>
    </InfoCard>
  );
};
