import { Table, TableColumn } from '@backstage/core-components';
import { Chip, Typography } from '@material-ui/core';
import { DriftItem } from '@cilium-zero-trust/plugin-cilium-common';
import { PeerName } from './PeerName';

const KIND: Record<
  DriftItem['kind'],
  { label: string; color: 'secondary' | 'default' | 'primary' }
> = {
  'declared-not-allowed': {
    label: 'Declared, not allowed',
    color: 'secondary',
  },
  'observed-not-allowed': { label: 'Dropped', color: 'secondary' },
  'allowed-not-declared': { label: 'Allowed, not declared', color: 'default' },
  'allowed-not-observed': { label: 'Allowed, never seen', color: 'default' },
};

const columns: TableColumn<DriftItem>[] = [
  {
    title: 'Finding',
    render: d => (
      <Chip
        size="small"
        label={KIND[d.kind].label}
        color={KIND[d.kind].color}
      />
    ),
    customSort: (a, b) => a.kind.localeCompare(b.kind),
  },
  { title: 'Direction', field: 'direction' },
  {
    title: 'Peer',
    render: d => (
      <PeerName
        peer={{
          type: /^[a-z]+:[^/]+\//.test(d.peer) ? 'entity' : 'workload',
          id: d.peer,
        }}
      />
    ),
  },
  { title: 'Ports', field: 'ports' },
  { title: 'What it means', field: 'message' },
];

/** Differences between the catalog, the policies and the observed traffic. */
export const DriftList = (props: { drift: DriftItem[] }) => (
  <Table<DriftItem>
    title="Drift: catalog, policies and traffic"
    options={{ paging: false, search: false, padding: 'dense' }}
    columns={columns}
    data={props.drift}
    emptyContent={
      <Typography style={{ padding: 16 }}>
        The catalog, the policies and the observed traffic agree.
      </Typography>
    }
  />
);
