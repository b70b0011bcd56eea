import { ResponseErrorPanel } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { ciliumApiRef } from '../../api';
import { usePolled } from '../../hooks/usePolled';
import { RequestsTable } from './RequestsTable';

/** This entity's requests, incoming and outgoing, with their states. */
export const EntityRequests = (props: {
  entityRef: string;
  reloadKey?: number;
}) => {
  const api = useApi(ciliumApiRef);
  const list = usePolled(
    () => api.listRequests({ entity: props.entityRef }),
    [api, props.entityRef, props.reloadKey],
    15000,
  );
  if (list.error && !list.value)
    return <ResponseErrorPanel error={list.error} />;
  return (
    <div data-testid="entity-requests">
      <RequestsTable
        title="Connectivity requests"
        entityRef={props.entityRef}
        requests={list.value?.items ?? []}
        loading={list.loading && !list.value}
        emptyText="No connectivity requests name this entity yet."
      />
    </div>
  );
};
