import { Table, TableColumn } from '@backstage/core-components';
import { Chip, Typography } from '@material-ui/core';
import { TrafficEdge } from '@cilium-zero-trust/plugin-cilium-common';
import { PeerName } from '../Connectivity/PeerName';
import { formatClockTime } from './clockTime';

const columns: TableColumn<TrafficEdge>[] = [
  { title: 'Direction', field: 'direction' },
  {
    title: 'Peer',
    render: t => <PeerName peer={t.peer} />,
    customSort: (a, b) => a.peer.id.localeCompare(b.peer.id),
  },
  { title: 'Port', render: t => `${t.port}/${t.protocol}` },
  {
    title: 'Flows',
    render: t =>
      Object.entries(t.verdicts).map(([v, n]) => (
        <Chip
          key={v}
          size="small"
          label={`${v.toLowerCase()} ${n}`}
          color={v === 'DROPPED' ? 'secondary' : 'default'}
          style={{ margin: 2 }}
        />
      )),
  },
  { title: 'Drop reasons', render: t => t.dropReasons.join(', ') || '—' },
  { title: 'Policies', render: t => t.policies.join(', ') || '—' },
  {
    title: 'Last seen',
    render: t => formatClockTime(new Date(t.lastSeen)),
  },
];

/** Live traffic aggregated per peer and port. */
export const ObservedTrafficTable = (props: { edges: TrafficEdge[] }) => (
  <Table<TrafficEdge>
    title="Observed traffic (live window)"
    options={{
      paging: props.edges.length > 20,
      pageSize: 20,
      search: true,
      padding: 'dense',
    }}
    columns={columns}
    data={props.edges}
    emptyContent={
      <Typography style={{ padding: 16 }}>No traffic observed yet.</Typography>
    }
  />
);
