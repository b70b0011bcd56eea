import { ReactNode } from 'react';
import { Table, TableColumn } from '@backstage/core-components';
import { Typography } from '@material-ui/core';
import { ConnectivityRequest } from '@cilium-zero-trust/plugin-cilium-common';
import { describePorts } from '../RequestDialog/requestForm';
import {
  RefOrText,
  requestClusters,
  RequestStateChip,
  TargetText,
} from './parts';
import { RequestIdLink } from './RequestIdLink';

/** A table of requests; with `entityRef`, each row says whether it is incoming or outgoing. */
export const RequestsTable = (props: {
  title: string;
  requests: ConnectivityRequest[];
  entityRef?: string;
  loading?: boolean;
  emptyText?: string;
  actions?: (r: ConnectivityRequest) => ReactNode;
}) => {
  const columns: TableColumn<ConnectivityRequest>[] = [
    {
      title: 'Request',
      field: 'id',
      render: r => <RequestIdLink id={r.id} />,
    },
    ...(props.entityRef
      ? [
          {
            title: 'Direction',
            render: (r: ConnectivityRequest) =>
              r.source === props.entityRef ? 'Outgoing' : 'Incoming',
          } as TableColumn<ConnectivityRequest>,
        ]
      : []),
    { title: 'From', render: r => <RefOrText value={r.source} /> },
    { title: 'To', render: r => <TargetText target={r.target} /> },
    { title: 'Ports', render: r => describePorts(r.ports) },
    { title: 'Clusters', render: r => requestClusters(r).join(', ') },
    {
      title: 'State',
      field: 'state',
      render: r => <RequestStateChip state={r.state} />,
    },
    { title: 'Requester', render: r => <RefOrText value={r.requester} /> },
    {
      title: 'Updated',
      field: 'updatedAt',
      render: r => new Date(r.updatedAt).toLocaleString(),
    },
    ...(props.actions
      ? [
          {
            title: 'Actions',
            render: (r: ConnectivityRequest) => props.actions!(r),
          } as TableColumn<ConnectivityRequest>,
        ]
      : []),
  ];
  return (
    <Table<ConnectivityRequest>
      title={props.title}
      isLoading={props.loading}
      // No sortable headers: material-table nests their buttons (axe: nested-interactive).
      options={{
        paging: props.requests.length > 20,
        pageSize: 20,
        search: false,
        padding: 'dense',
        sorting: false,
      }}
      columns={columns}
      data={props.requests}
      emptyContent={
        <Typography style={{ padding: 16 }}>
          {props.emptyText ?? 'No requests.'}
        </Typography>
      }
    />
  );
};
