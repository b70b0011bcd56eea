import useAsync from 'react-use/esm/useAsync';
import { getCompoundEntityRef } from '@backstage/catalog-model';
import { Content, Progress, ResponseErrorPanel } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { Grid } from '@material-ui/core';
import { isCiliumAnnotated } from '@internal/plugin-cilium-common';
import { ciliumApiRef } from '../../api';
import { LiveFlowsTable } from '../LiveTraffic';
import { NotAnnotatedState } from './NotAnnotatedState';
import { WorkloadIdentityCard } from './WorkloadIdentityCard';
import { WorkloadsTable } from './WorkloadsTable';

const AnnotatedNetworkTab = () => {
  const { entity } = useEntity();
  const api = useApi(ciliumApiRef);
  const { value, loading, error } = useAsync(
    () => api.getEntityWorkloads(getCompoundEntityRef(entity)),
    [api, entity],
  );
  if (loading) return <Progress />;
  if (error) return <ResponseErrorPanel error={error} />;
  if (!value) return null;
  return (
    <Grid container spacing={3}>
      <Grid item xs={12} md={4}>
        <WorkloadIdentityCard identity={value.identity} />
      </Grid>
      <Grid item xs={12} md={8}>
        <WorkloadsTable workloads={value.workloads} namespace={value.identity.namespace} />
      </Grid>
      <Grid item xs={12}>
        <LiveFlowsTable entity={getCompoundEntityRef(entity)} />
      </Grid>
    </Grid>
  );
};

/** The Network tab of an entity page. */
export const NetworkTab = () => {
  const { entity } = useEntity();
  return (
    <Content noPadding>
      {isCiliumAnnotated(entity) ? <AnnotatedNetworkTab /> : <NotAnnotatedState />}
    </Content>
  );
};
