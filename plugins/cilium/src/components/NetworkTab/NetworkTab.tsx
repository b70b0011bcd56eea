import { useDeferredValue, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import {
  Entity,
  getCompoundEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  Content,
  Progress,
  ResponseErrorPanel,
  WarningPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { Badge, Box, Button, Grid, Tab, Tabs } from '@material-ui/core';
import { makeStyles } from '@material-ui/core/styles';
import {
  getEntityClusters,
  isCiliumAnnotated,
} from '@cilium-zero-trust/plugin-cilium-common';
import { ciliumApiRef, errorMessage, statusOf } from '../../api';
import { usePolled } from '../../hooks/usePolled';
import {
  AllowedDependencies,
  CoverageSummary,
  DriftList,
} from '../Connectivity';
import { LiveFlowsTable, ObservedTrafficTable } from '../LiveTraffic';
import { ServiceMap } from '../ServiceMap';
import { TrafficOverTime } from '../TrafficHistory';
import {
  formFromFlow,
  RequestDialog,
  RequestFormValues,
  RequestGate,
  useRequestGate,
} from '../RequestDialog';
import { EntityRequests } from '../Requests';
import { ClusterSelector } from './ClusterSelector';
import { NotAnnotatedState } from './NotAnnotatedState';
import { WorkloadIdentityCard } from './WorkloadIdentityCard';
import { WorkloadsTable } from './WorkloadsTable';

/** A badge dark enough for white text to pass WCAG AA contrast (axe). */
const useBadgeStyles = makeStyles({
  badge: { backgroundColor: '#b71c1c', color: '#fff' },
});

type Section =
  | 'allowed'
  | 'live'
  | 'history'
  | 'map'
  | 'drift'
  | 'workloads'
  | 'requests';

/** The query parameter that keeps the chosen cluster in the tab's URL. */
const CLUSTER_PARAM = 'cluster';

/**
 * The live flows of one cluster; owners get "Request this" on the drops their
 * service opened, a request for the cluster the flow was seen in.
 */
const LiveFlows = (props: {
  entity: Entity;
  cluster: string;
  onRequest: (initial: Partial<RequestFormValues>) => void;
}) => {
  const gate = useRequestGate(props.entity);
  const { cluster } = props;
  return (
    <LiveFlowsTable
      entity={getCompoundEntityRef(props.entity)}
      cluster={cluster}
      onRequest={
        gate.allowed
          ? row =>
              props.onRequest({ ...formFromFlow(row), clusters: [cluster] })
          : undefined
      }
    />
  );
};

/** The clusters named by the entity's annotation (when the backend did not answer). */
function annotatedClusters(entity: Entity): string[] {
  const result = getEntityClusters(entity, { defaultCluster: '' });
  return result.ok ? result.clusters.filter(Boolean) : [];
}

const AnnotatedNetworkTab = () => {
  const badgeClasses = useBadgeStyles();
  const { entity } = useEntity();
  const api = useApi(ciliumApiRef);
  const ref = getCompoundEntityRef(entity);
  const entityRef = stringifyEntityRef(entity);
  const [section, setSection] = useState<Section>('allowed');
  const [requesting, setRequesting] = useState<{
    initial?: Partial<RequestFormValues>;
  }>();
  const [requestsReload, setRequestsReload] = useState(0);
  // The cluster shown: `?cluster=` of the tab's URL, else the entity's default.
  const [searchParams, setSearchParams] = useSearchParams();
  const requested = searchParams.get(CLUSTER_PARAM) || undefined;
  const selectCluster = (cluster: string) =>
    setSearchParams(params => {
      const next = new URLSearchParams(params);
      next.set(CLUSTER_PARAM, cluster);
      return next;
    });
  const showDefaultCluster = () =>
    setSearchParams(params => {
      const next = new URLSearchParams(params);
      next.delete(CLUSTER_PARAM);
      return next;
    });
  /** Whether an answer is for the cluster asked for (not the one shown before a switch). */
  const forRequested = (answer?: { cluster?: string }) =>
    Boolean(answer) && (!requested || answer!.cluster === requested);

  const connectivity = usePolled(
    () => api.getEntityConnectivity(ref, { cluster: requested }),
    [api, entityRef, requested],
    30000,
  );
  const traffic = usePolled(
    () => api.getEntityTraffic(ref, { cluster: requested }),
    [api, entityRef, requested],
    5000,
  );
  const status = usePolled(() => api.getStatus(), [api], 10000);
  // Loaded when the Workloads section is first opened, not with the tab.
  const [workloadsOpened, setWorkloadsOpened] = useState(false);
  const workloads = useAsync(
    async () =>
      workloadsOpened
        ? api.getEntityWorkloads(ref, { cluster: requested })
        : undefined,
    [api, entityRef, workloadsOpened, requested],
  );
  // The aggregated table under the live one is drawn after it (a deferred
  // render), so the live table's first request does not wait for it.
  const showObserved = useDeferredValue(section === 'live');

  // The entity's clusters: from the backend's answer, else its annotation.
  const clusters = connectivity.value?.clusters ?? annotatedClusters(entity);
  const selector =
    clusters.length > 1 ? (
      <Grid item xs={12}>
        <ClusterSelector
          clusters={clusters}
          value={requested ?? connectivity.value?.cluster ?? clusters[0]}
          onChange={selectCluster}
        />
      </Grid>
    ) : null;

  const current = forRequested(connectivity.value)
    ? connectivity.value
    : undefined;
  // Loading, or the previous cluster's answer while the chosen one's loads.
  if (!current && (connectivity.loading || !connectivity.error)) {
    return (
      <Grid container spacing={3}>
        {selector}
        <Grid item xs={12}>
          <Progress />
        </Grid>
      </Grid>
    );
  }
  if (!current) {
    let problem;
    if (statusOf(connectivity.error!) === 403) {
      problem = (
        <WarningPanel
          severity="info"
          title="You may not see this service's network data"
        >
          {errorMessage(connectivity.error!)}. Ask the owners of this service or
          the platform team for the <code>cilium.flows.read</code> permission.
        </WarningPanel>
      );
    } else if (requested && statusOf(connectivity.error!) === 400) {
      problem = (
        <WarningPanel
          severity="warning"
          defaultExpanded
          title={`Cannot show cluster "${requested}" for this entity`}
        >
          {errorMessage(connectivity.error!)}
          <Box mt={1}>
            <Button
              variant="outlined"
              color="primary"
              onClick={showDefaultCluster}
            >
              Show the entity's default cluster
            </Button>
          </Box>
        </WarningPanel>
      );
    } else {
      problem = <ResponseErrorPanel error={connectivity.error!} />;
    }
    return (
      <Grid container spacing={3}>
        {selector}
        <Grid item xs={12}>
          {problem}
        </Grid>
      </Grid>
    );
  }
  const c = current!;
  const relay = status.value?.clusters.find(s => s.cluster === c.cluster);
  const observed = forRequested(traffic.value) ? traffic.value!.edges : [];

  return (
    <Grid container spacing={3}>
      {selector}
      <Grid item xs={12}>
        <CoverageSummary connectivity={c} relay={relay} />
      </Grid>
      {c.diagnostics.length > 0 && (
        <Grid item xs={12}>
          <WarningPanel
            title={`${c.diagnostics.length} problems in the policy and workload sources (the rest loaded)`}
          >
            {c.diagnostics.slice(0, 10).map((d, i) => (
              <div key={i}>
                {d.file ? `${d.file}${d.line ? `:${d.line}` : ''}: ` : ''}
                {d.message}
              </div>
            ))}
          </WarningPanel>
        </Grid>
      )}
      <Grid item xs={12}>
        <RequestGate entity={entity} onRequest={() => setRequesting({})} />
        {requesting && (
          <RequestDialog
            open
            source={entityRef}
            clusters={c.clusters ?? [c.cluster]}
            initial={{ clusters: [c.cluster], ...requesting.initial }}
            onClose={() => setRequesting(undefined)}
            onCreated={() => setRequestsReload(n => n + 1)}
          />
        )}
      </Grid>
      <Grid item xs={12}>
        <Tabs
          value={section}
          onChange={(_e, v: Section) => {
            setSection(v);
            if (v === 'workloads') setWorkloadsOpened(true);
          }}
          indicatorColor="primary"
          textColor="primary"
          variant="scrollable"
          aria-label="Network sections"
        >
          <Tab value="allowed" label="Allowed dependencies" />
          <Tab value="live" label="Live traffic" />
          <Tab value="history" label="Traffic over time" />
          <Tab value="map" label="Service map" />
          <Tab
            value="drift"
            label={
              <Badge
                badgeContent={c.drift.length}
                classes={{ badge: badgeClasses.badge }}
              >
                <Box pr={1}>Drift</Box>
              </Badge>
            }
          />
          <Tab value="workloads" label="Workloads" />
          <Tab value="requests" label="Requests" />
        </Tabs>
      </Grid>
      {section === 'allowed' && (
        <Grid item xs={12}>
          <AllowedDependencies
            cluster={c.cluster}
            ingress={c.ingress}
            egress={c.egress}
            multipleWorkloads={c.workloads.length > 1}
          />
        </Grid>
      )}
      {section === 'live' && (
        <>
          <Grid item xs={12}>
            <LiveFlows
              key={c.cluster}
              entity={entity}
              cluster={c.cluster}
              onRequest={initial => setRequesting({ initial })}
            />
          </Grid>
          {showObserved && (
            <Grid item xs={12}>
              <ObservedTrafficTable edges={observed} />
            </Grid>
          )}
        </>
      )}
      {section === 'history' && (
        <Grid item xs={12}>
          <TrafficOverTime entity={ref} cluster={c.cluster} />
        </Grid>
      )}
      {section === 'map' && (
        <Grid item xs={12}>
          <ServiceMap
            entityRef={entityRef}
            allowed={{ ingress: c.ingress, egress: c.egress }}
            observed={observed}
          />
        </Grid>
      )}
      {section === 'drift' && (
        <Grid item xs={12}>
          <DriftList drift={c.drift} />
        </Grid>
      )}
      {section === 'requests' && (
        <Grid item xs={12}>
          <EntityRequests entityRef={entityRef} reloadKey={requestsReload} />
        </Grid>
      )}
      {section === 'workloads' && (
        <>
          {workloads.loading && (
            <Grid item xs={12}>
              <Progress />
            </Grid>
          )}
          {workloads.error && (
            <Grid item xs={12}>
              <ResponseErrorPanel error={workloads.error} />
            </Grid>
          )}
          {workloads.value && forRequested(workloads.value.identity) && (
            <>
              <Grid item xs={12} md={4}>
                <WorkloadIdentityCard identity={workloads.value.identity} />
              </Grid>
              <Grid item xs={12} md={8}>
                <WorkloadsTable
                  workloads={workloads.value.workloads}
                  namespace={workloads.value.identity.namespace}
                />
              </Grid>
            </>
          )}
        </>
      )}
    </Grid>
  );
};

/** The Network tab of an entity page. */
export const NetworkTab = () => {
  const { entity } = useEntity();
  return (
    <Content noPadding>
      {isCiliumAnnotated(entity) ? (
        <AnnotatedNetworkTab />
      ) : (
        <NotAnnotatedState />
      )}
    </Content>
  );
};
