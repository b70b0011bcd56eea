import { CodeSnippet, EmptyState } from '@backstage/core-components';
import { Typography } from '@material-ui/core';
import {
  ANNOTATION_KUBERNETES_ID,
  ANNOTATION_KUBERNETES_LABEL_SELECTOR,
  ANNOTATION_KUBERNETES_NAMESPACE,
} from '@cilium-zero-trust/plugin-cilium-common';

const EXAMPLE = `metadata:
  annotations:
    ${ANNOTATION_KUBERNETES_NAMESPACE}: shop
    # either a label selector for the pods ...
    ${ANNOTATION_KUBERNETES_LABEL_SELECTOR}: app.kubernetes.io/name=checkout
    # ... or the Kubernetes plugin's id (pod label ${ANNOTATION_KUBERNETES_ID}=<id>)
    # ${ANNOTATION_KUBERNETES_ID}: checkout`;

/** What the Network tab shows for an entity it cannot map to workloads. */
export const NotAnnotatedState = (props: { message?: string }) => (
  <EmptyState
    missing="field"
    title="This entity is not mapped to Kubernetes workloads"
    description={
      <>
        <Typography variant="body1" paragraph>
          {props.message ??
            'The Network tab shows the network policies and live traffic of the pods behind this entity. Tell it which pods they are with the Kubernetes plugin annotations:'}
        </Typography>
        <CodeSnippet language="yaml" text={EXAMPLE} showCopyCodeButton />
      </>
    }
  />
);
