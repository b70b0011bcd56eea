import { Table, TableColumn } from '@backstage/core-components';
import { Chip, Grid, Typography } from '@material-ui/core';
import { ConnectivityEdge } from '@cilium-zero-trust/plugin-cilium-common';
import { PeerName } from './PeerName';
import { PolicyChips } from './PolicyChips';

function l7Summary(edge: ConnectivityEdge): string[] {
  const out: string[] = [];
  for (const l of edge.l7) {
    for (const rule of l.rules as Array<Record<string, unknown>>) {
      if (l.type === 'http')
        out.push(`${rule.method ?? '*'} ${rule.path ?? '/*'}`);
      else if (l.type === 'dns')
        out.push(`DNS ${rule.matchPattern ?? rule.matchName ?? '*'}`);
      else out.push(`${l.type} ${JSON.stringify(rule)}`);
    }
  }
  return [...new Set(out)];
}

function columns(
  cluster: string,
  direction: 'ingress' | 'egress',
): TableColumn<ConnectivityEdge>[] {
  return [
    {
      title: direction === 'egress' ? 'May call' : 'May be called by',
      customSort: (a, b) => a.peer.id.localeCompare(b.peer.id),
      render: e => <PeerName peer={e.peer} />,
    },
    {
      title: 'Ports',
      field: 'ports',
      render: e => (
        <>
          <Typography variant="body2">{e.ports}</Typography>
          {e.deniedPorts && (
            <Typography variant="caption" color="error" display="block">
              denied: {e.deniedPorts}
            </Typography>
          )}
        </>
      ),
    },
    {
      title: 'L7',
      sorting: false,
      render: e =>
        l7Summary(e).map(s => (
          <Chip key={s} size="small" label={s} style={{ margin: 2 }} />
        )),
    },
    {
      title: 'Allowed by',
      sorting: false,
      render: e => (
        <>
          <PolicyChips
            cluster={cluster}
            rules={[...e.egressAllowedBy, ...e.ingressAllowedBy]}
          />
          {e.defaultAllow?.map(d => (
            <Typography
              key={d}
              variant="caption"
              color="textSecondary"
              display="block"
            >
              {d}
            </Typography>
          ))}
        </>
      ),
    },
    {
      title: 'Denied by',
      sorting: false,
      render: e =>
        e.deniedBy.length ? (
          <PolicyChips cluster={cluster} rules={e.deniedBy} />
        ) : (
          '—'
        ),
    },
  ];
}

/** The peers the policies allow, both directions, with the rule behind each edge. */
export const AllowedDependencies = (props: {
  cluster: string;
  ingress: ConnectivityEdge[];
  egress: ConnectivityEdge[];
  multipleWorkloads: boolean;
}) => {
  const tables: Array<['egress' | 'ingress', string, ConnectivityEdge[]]> = [
    ['egress', 'Outgoing: what this service may call', props.egress],
    ['ingress', 'Incoming: who may call this service', props.ingress],
  ];
  return (
    <Grid container spacing={3}>
      {tables.map(([direction, title, edges]) => (
        <Grid item xs={12} key={direction} data-testid={`allowed-${direction}`}>
          <Table<ConnectivityEdge>
            title={title}
            options={{
              paging: edges.length > 20,
              pageSize: 20,
              search: true,
              padding: 'dense',
            }}
            columns={[
              ...columns(props.cluster, direction),
              ...(props.multipleWorkloads
                ? [
                    {
                      title: 'Workload',
                      field: 'workload',
                    } as TableColumn<ConnectivityEdge>,
                  ]
                : []),
            ]}
            data={edges}
            emptyContent={
              <Typography style={{ padding: 16 }}>
                {direction === 'egress'
                  ? 'No policy lets this service open connections to anything.'
                  : 'No policy lets anything connect to this service.'}
              </Typography>
            }
          />
        </Grid>
      ))}
    </Grid>
  );
};
