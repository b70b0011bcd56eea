import { InfoCard, StructuredMetadataTable } from '@backstage/core-components';
import { WorkloadIdentity } from '@cilium-zero-trust/plugin-cilium-common';

/** The cluster, namespace and selector an entity's pods are found by. */
export const WorkloadIdentityCard = (props: { identity: WorkloadIdentity }) => {
  const { identity } = props;
  return (
    <InfoCard
      title="Workload identity"
      subheader="Resolved from the entity's annotations"
    >
      <StructuredMetadataTable
        metadata={{
          cluster: identity.cluster,
          ...(identity.clusters?.length > 1
            ? { 'runs in': identity.clusters.join(', ') }
            : {}),
          namespace: identity.namespace,
          selector: identity.selector,
          'selected by':
            identity.source === 'label-selector'
              ? 'backstage.io/kubernetes-label-selector'
              : 'backstage.io/kubernetes-id',
        }}
      />
    </InfoCard>
  );
};
