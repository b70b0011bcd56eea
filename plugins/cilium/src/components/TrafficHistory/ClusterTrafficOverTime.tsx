import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
  WarningPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import {
  Box,
  Grid,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@material-ui/core';
import { useTheme } from '@material-ui/core/styles';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import {
  ClusterTrafficHistory,
  DefaultDenyCoverage,
} from '@cilium-zero-trust/plugin-cilium-common';
import { ciliumApiRef, errorMessage, statusOf } from '../../api';
import { usePolled } from '../../hooks/usePolled';
import { ChartOrTable } from './ChartOrTable';
import { count, minuteLabel, percent } from './format';

interface Row {
  start: string;
  label: string;
  forwarded: number;
  dropped: number;
  /** Share under default deny (%), null for a minute without a sample (a gap in the line). */
  ingress: number | null;
  egress: number | null;
  coverage?: DefaultDenyCoverage;
}

function rowsOf(c: ClusterTrafficHistory): Row[] {
  return c.buckets.map(b => ({
    start: b.start,
    label: minuteLabel(b.start),
    forwarded: b.forwarded,
    dropped: b.dropped,
    ingress: b.coverage
      ? percent(b.coverage.ingressIsolated, b.coverage.workloads)
      : null,
    egress: b.coverage
      ? percent(b.coverage.egressIsolated, b.coverage.workloads)
      : null,
    coverage: b.coverage,
  }));
}

function coverageText(c?: DefaultDenyCoverage): string {
  if (!c) return '';
  return `ingress ${percent(c.ingressIsolated, c.workloads)}% (${
    c.ingressIsolated
  } of ${c.workloads} workloads), egress ${percent(
    c.egressIsolated,
    c.workloads,
  )}% (${c.egressIsolated} of ${c.workloads})`;
}

function summary(c: ClusterTrafficHistory, rows: Row[]): string {
  const dropped = rows.reduce((n, r) => n + r.dropped, 0);
  const all = rows.reduce((n, r) => n + r.dropped + r.forwarded, 0);
  const parts = [
    `Last ${rows.length} minutes: ${count(dropped)} dropped of ${count(
      all,
    )} flows.`,
  ];
  if (c.coverage) parts.push(`Default deny now: ${coverageText(c.coverage)}.`);
  else if (c.coverageUnavailable)
    parts.push(`Coverage unknown: ${c.coverageUnavailable}.`);
  if (c.since > rows[0]?.start)
    parts.push(`Counted since ${minuteLabel(c.since)}.`);
  return parts.join(' ');
}

const ClusterTable = (props: { rows: Row[] }) => (
  <Table size="small" aria-label="Drops and coverage per minute">
    <caption>
      Newest first. Coverage is the share of the cluster's workloads under
      default deny, sampled each minute.
    </caption>
    <TableHead>
      <TableRow>
        <TableCell>Minute</TableCell>
        <TableCell align="right">Dropped</TableCell>
        <TableCell align="right">Forwarded</TableCell>
        <TableCell align="right">Ingress default deny</TableCell>
        <TableCell align="right">Egress default deny</TableCell>
      </TableRow>
    </TableHead>
    <TableBody>
      {[...props.rows].reverse().map(r => (
        <TableRow key={r.start}>
          <TableCell>{r.label}</TableCell>
          <TableCell align="right">{count(r.dropped)}</TableCell>
          <TableCell align="right">{count(r.forwarded)}</TableCell>
          <TableCell align="right">
            {r.ingress === null ? '—' : `${r.ingress}%`}
          </TableCell>
          <TableCell align="right">
            {r.egress === null ? '—' : `${r.egress}%`}
          </TableCell>
        </TableRow>
      ))}
    </TableBody>
  </Table>
);

const ClusterCharts = (props: { rows: Row[] }) => {
  const theme = useTheme();
  const axis = theme.palette.text.secondary;
  const tick = { fill: axis, fontSize: 12 };
  const anyFlows = props.rows.some(r => r.forwarded + r.dropped > 0);
  return (
    <Grid container spacing={2} data-testid="cluster-traffic-chart">
      <Grid item xs={12} md={6}>
        <Typography variant="subtitle2" component="h3">
          Dropped flows per minute
        </Typography>
        {anyFlows ? (
          <ResponsiveContainer
            width="100%"
            height={220}
            initialDimension={{ width: 500, height: 220 }}
          >
            <BarChart
              data={props.rows}
              margin={{ top: 8, right: 16, bottom: 0, left: 0 }}
              title="Dropped flows per minute"
            >
              <CartesianGrid strokeDasharray="3 3" vertical={false} />
              <XAxis dataKey="label" interval={9} tick={tick} />
              <YAxis allowDecimals={false} width={56} tick={tick} />
              <Tooltip isAnimationActive={false} />
              <Bar
                dataKey="dropped"
                name="Dropped"
                fill={theme.palette.error.main}
                isAnimationActive={false}
              />
            </BarChart>
          </ResponsiveContainer>
        ) : (
          <Typography variant="body2">
            No flows from this cluster's Hubble Relay in the last hour.
          </Typography>
        )}
      </Grid>
      <Grid item xs={12} md={6}>
        <Typography variant="subtitle2" component="h3">
          Workloads under default deny (%)
        </Typography>
        <ResponsiveContainer
          width="100%"
          height={220}
          initialDimension={{ width: 500, height: 220 }}
        >
          <LineChart
            data={props.rows}
            margin={{ top: 8, right: 16, bottom: 0, left: 0 }}
            title="Workloads under default deny, per direction"
          >
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="label" interval={9} tick={tick} />
            <YAxis
              domain={[0, 100]}
              unit="%"
              width={56}
              tick={tick}
              allowDecimals={false}
            />
            <Tooltip isAnimationActive={false} formatter={v => `${v}%`} />
            <Legend />
            <Line
              dataKey="ingress"
              name="Ingress"
              stroke={theme.palette.primary.main}
              // Wider than egress, so equal shares show as two lines.
              strokeWidth={5}
              strokeOpacity={0.6}
              dot={{ r: 2 }}
              connectNulls={false}
              isAnimationActive={false}
            />
            <Line
              dataKey="egress"
              name="Egress"
              stroke={theme.palette.secondary.main}
              strokeWidth={2}
              strokeDasharray="6 3"
              dot={{ r: 2 }}
              connectNulls={false}
              isAnimationActive={false}
            />
          </LineChart>
        </ResponsiveContainer>
      </Grid>
    </Grid>
  );
};

/**
 * Every cluster's dropped flows per minute and default-deny coverage over the
 * last hour (the platform page's cluster overview).
 */
export const ClusterTrafficOverTime = () => {
  const api = useApi(ciliumApiRef);
  const history = usePolled(() => api.getTrafficHistory(), [api], 30000);

  if (history.error && !history.value) {
    return statusOf(history.error) === 403 ? (
      <WarningPanel severity="info" title="You may not see cluster traffic">
        {errorMessage(history.error)}. Ask the platform team for the{' '}
        <code>cilium.status.read</code> permission.
      </WarningPanel>
    ) : (
      <ResponseErrorPanel error={history.error} />
    );
  }
  if (!history.value) return <Progress />;
  if (history.value.clusters.length === 0) {
    return (
      <Typography variant="body2">
        No clusters are configured under <code>cilium.clusters</code>.
      </Typography>
    );
  }
  return (
    <>
      {history.value.clusters.map(c => {
        const rows = rowsOf(c);
        return (
          <Box
            key={c.cluster}
            mb={3}
            data-testid={`cluster-traffic-${c.cluster}`}
          >
            <InfoCard
              title={`Cluster ${c.cluster}: drops and default deny over time`}
            >
              <ChartOrTable
                label={`Cluster ${c.cluster}: dropped flows and default-deny coverage per minute, last hour`}
                summary={summary(c, rows)}
                chart={<ClusterCharts rows={rows} />}
                table={<ClusterTable rows={rows} />}
              />
            </InfoCard>
          </Box>
        );
      })}
    </>
  );
};
