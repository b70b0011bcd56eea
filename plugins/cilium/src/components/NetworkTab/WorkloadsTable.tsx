import { Table, TableColumn } from '@backstage/core-components';
import { Chip } from '@material-ui/core';
import { WorkloadSummary } from '@cilium-zero-trust/plugin-cilium-common';

const columns: TableColumn<WorkloadSummary>[] = [
  { title: 'Kind', field: 'kind' },
  { title: 'Name', field: 'name', highlight: true },
  {
    title: 'Pod labels',
    render: w =>
      Object.entries(w.podLabels).map(([k, v]) => (
        <Chip key={k} size="small" variant="outlined" label={`${k}=${v}`} />
      )),
  },
  {
    title: 'Ports',
    render: w =>
      w.ports
        .map(
          p => `${p.name ? `${p.name} ` : ''}${p.containerPort}/${p.protocol}`,
        )
        .join(', ') || '—',
  },
];

/** The workloads an entity's selector matches. */
export const WorkloadsTable = (props: {
  workloads: WorkloadSummary[];
  namespace: string;
}) => (
  <Table<WorkloadSummary>
    title={`Matching workloads in ${props.namespace}`}
    options={{ paging: false, search: false, padding: 'dense' }}
    columns={columns}
    data={props.workloads}
    emptyContent={
      <div style={{ padding: 16 }}>
        No workload in namespace {props.namespace} has pod labels matching this
        selector. Check the annotation against the pod template labels.
      </div>
    }
  />
);
