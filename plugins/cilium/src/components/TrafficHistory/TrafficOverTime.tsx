import { useMemo } from 'react';
import { CompoundEntityRef } from '@backstage/catalog-model';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
  WarningPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import {
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
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import {
  EntityTrafficHistoryBucket,
  EntityTrafficHistoryResponse,
} from '@cilium-zero-trust/plugin-cilium-common';
import { ciliumApiRef, errorMessage, statusOf } from '../../api';
import { usePolled } from '../../hooks/usePolled';
import { ChartOrTable } from './ChartOrTable';
import { count, minuteLabel, peerLabel, percent } from './format';
import { PeerBreakdown } from './PeerBreakdown';

/** Peers listed per minute (in the tooltip and the table). */
const PEERS = 8;

interface Row extends EntityTrafficHistoryBucket {
  label: string;
}

function summary(h: EntityTrafficHistoryResponse): string {
  let forwarded = 0;
  let dropped = 0;
  let worst: EntityTrafficHistoryBucket | undefined;
  for (const b of h.buckets) {
    forwarded += b.forwarded;
    dropped += b.dropped;
    if (b.dropped > 0 && (!worst || b.dropped > worst.dropped)) worst = b;
  }
  const minutes = h.buckets.length;
  let text = `Last ${minutes} minutes: ${count(forwarded)} forwarded, ${count(
    dropped,
  )} dropped (${percent(dropped, forwarded + dropped)}%).`;
  if (worst) {
    text += ` Most drops at ${minuteLabel(worst.start)} (${count(
      worst.dropped,
    )}).`;
  }
  const first = h.buckets[0]?.start;
  if (h.since && first && h.since > first) {
    text += ` Counted since ${minuteLabel(h.since)}.`;
  }
  return text;
}

function peersText(b: EntityTrafficHistoryBucket): string {
  const parts = b.peers.map(p => {
    const verdicts = [
      p.forwarded ? `${count(p.forwarded)} forwarded` : '',
      p.dropped ? `${count(p.dropped)} dropped` : '',
    ].filter(Boolean);
    return `${peerLabel(p.peer)}: ${verdicts.join(', ')}`;
  });
  const other = b.otherPeers.forwarded + b.otherPeers.dropped;
  if (other > 0) parts.push(`other peers: ${count(other)}`);
  return parts.join('; ');
}

/** The minutes with flows, newest first: the chart as a table. */
const MinutesTable = (props: { rows: Row[] }) => {
  const rows = props.rows.filter(r => r.forwarded + r.dropped > 0).reverse();
  return (
    <Table size="small" aria-label="Flows per minute">
      <caption>
        Minutes with flows, newest first; minutes without are left out.
      </caption>
      <TableHead>
        <TableRow>
          <TableCell>Minute</TableCell>
          <TableCell align="right">Forwarded</TableCell>
          <TableCell align="right">Dropped</TableCell>
          <TableCell>Peers</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {rows.map(r => (
          <TableRow key={r.start}>
            <TableCell>{r.label}</TableCell>
            <TableCell align="right">{count(r.forwarded)}</TableCell>
            <TableCell align="right">{count(r.dropped)}</TableCell>
            <TableCell>{peersText(r)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
};

/** Two bar charts on one time axis: forwarded above, dropped below; hovering a minute shows its peers. */
const MinutesChart = (props: { rows: Row[] }) => {
  const theme = useTheme();
  const forwardedColor = theme.palette.success?.main ?? '#2e7d32';
  const droppedColor = theme.palette.error.main;
  const axis = theme.palette.text.secondary;
  // The charts share the hovered minute (syncId); its peers show once, above.
  const breakdown = (
    <Tooltip
      isAnimationActive={false}
      // Above the chart below, which the list of peers may overlap.
      wrapperStyle={{ zIndex: 10 }}
      content={({ active, payload }) => {
        const row = payload?.[0]?.payload as Row | undefined;
        return active && row ? <PeerBreakdown bucket={row} /> : null;
      }}
    />
  );
  const cursorOnly = <Tooltip isAnimationActive={false} content={() => null} />;
  const chart = (
    key: 'forwarded' | 'dropped',
    name: string,
    color: string,
    height: number,
    showAxis: boolean,
    tooltip: JSX.Element,
  ) => (
    <ResponsiveContainer
      width="100%"
      height={height}
      initialDimension={{ width: 800, height }}
    >
      <BarChart
        data={props.rows}
        syncId="cilium-entity-traffic"
        margin={{ top: 8, right: 16, bottom: 0, left: 0 }}
        title={`${name} flows per minute`}
      >
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis
          dataKey="label"
          interval={9}
          tick={{ fill: axis, fontSize: 12 }}
          hide={!showAxis}
        />
        <YAxis
          allowDecimals={false}
          width={56}
          tick={{ fill: axis, fontSize: 12 }}
          label={{
            value: name,
            angle: -90,
            position: 'insideLeft',
            fill: axis,
            fontSize: 12,
            dy: 30,
          }}
        />
        {tooltip}
        <Bar dataKey={key} name={name} fill={color} isAnimationActive={false} />
      </BarChart>
    </ResponsiveContainer>
  );
  return (
    <div data-testid="traffic-history-chart">
      {chart('forwarded', 'Forwarded', forwardedColor, 150, false, breakdown)}
      {chart('dropped', 'Dropped', droppedColor, 130, true, cursorOnly)}
    </div>
  );
};

/**
 * The entity's forwarded and dropped flows per minute over the last hour, as
 * counted by the backend from the live Hubble stream; hovering a minute lists
 * its peers. A summary and a table view are the chart's text alternatives.
 */
export const TrafficOverTime = (props: {
  entity: CompoundEntityRef;
  /** One of the entity's clusters; its default when omitted. */
  cluster?: string;
}) => {
  const api = useApi(ciliumApiRef);
  const { kind, namespace, name } = props.entity;
  const { cluster } = props;
  const polled = usePolled(
    () =>
      api.getEntityTrafficHistory(
        { kind, namespace, name },
        { cluster, peers: PEERS },
      ),
    [api, kind, namespace, name, cluster],
    15000,
  );
  // Not the previous cluster's minutes while another cluster's load.
  const history =
    cluster && polled.value && polled.value.cluster !== cluster
      ? { ...polled, value: undefined }
      : polled;
  const rows = useMemo(
    () =>
      history.value?.buckets.map(b => ({
        ...b,
        label: minuteLabel(b.start),
      })) ?? [],
    [history.value],
  );

  let content;
  if (history.error && !history.value) {
    content =
      statusOf(history.error) === 403 ? (
        <WarningPanel severity="info" title="You may not see this traffic">
          {errorMessage(history.error)}
        </WarningPanel>
      ) : (
        <ResponseErrorPanel error={history.error} />
      );
  } else if (!history.value) {
    content = <Progress />;
  } else if (rows.every(r => r.forwarded + r.dropped === 0)) {
    content = (
      <Typography variant="body2">
        No forwarded or dropped flows in the last hour. Flows are counted from
        the live Hubble stream while this backend runs
        {history.value.since
          ? ` (since ${minuteLabel(history.value.since)})`
          : ''}
        .
      </Typography>
    );
  } else {
    content = (
      <ChartOrTable
        label="Forwarded and dropped flows per minute, last hour"
        summary={summary(history.value)}
        chart={<MinutesChart rows={rows} />}
        table={<MinutesTable rows={rows} />}
      />
    );
  }
  return (
    <div data-testid="traffic-over-time">
      <InfoCard
        title="Traffic over time"
        subheader={cluster ? `Cluster ${cluster}` : undefined}
      >
        {content}
      </InfoCard>
    </div>
  );
};
