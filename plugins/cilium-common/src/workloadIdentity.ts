import { Entity } from '@backstage/catalog-model';
import {
  ANNOTATION_CILIUM_CLUSTER,
  ANNOTATION_KUBERNETES_ID,
  ANNOTATION_KUBERNETES_LABEL_SELECTOR,
  ANNOTATION_KUBERNETES_NAMESPACE,
  LABEL_KUBERNETES_ID,
} from './annotations';
import {
  LabelSelectorRequirement,
  LabelSelectorSyntaxError,
  parseLabelSelector,
} from './labelSelector';

/**
 * Where an entity's pods run and how to select them.
 * @public
 */
export interface WorkloadIdentity {
  /** The configured Cilium cluster name. */
  cluster: string;
  /** The Kubernetes namespace. */
  namespace: string;
  /** The selector in string form, as the user wrote it (or derived from the id). */
  selector: string;
  /** The parsed selector. */
  requirements: LabelSelectorRequirement[];
  /** Which annotation the selector came from. */
  source: 'label-selector' | 'kubernetes-id';
}

/**
 * Why an entity has no workload identity.
 * @public
 */
export type WorkloadIdentityProblem =
  | { reason: 'not-annotated'; message: string }
  | { reason: 'invalid-annotation'; message: string };

/**
 * The result of resolving an entity's workload identity.
 * @public
 */
export type WorkloadIdentityResult =
  | { ok: true; identity: WorkloadIdentity }
  | ({ ok: false } & WorkloadIdentityProblem);

/**
 * Whether an entity carries the annotations the Network tab needs.
 * @public
 */
export function isCiliumAnnotated(entity: Entity): boolean {
  const a = entity.metadata.annotations ?? {};
  return Boolean(
    a[ANNOTATION_KUBERNETES_NAMESPACE] &&
      (a[ANNOTATION_KUBERNETES_LABEL_SELECTOR] || a[ANNOTATION_KUBERNETES_ID]),
  );
}

/**
 * Resolves an entity's workload identity from the Kubernetes plugin's
 * annotations. When both a label selector and an id are present, the label
 * selector wins (as in the Kubernetes plugin).
 * @public
 */
export function getWorkloadIdentity(
  entity: Entity,
  options: { defaultCluster: string },
): WorkloadIdentityResult {
  const a = entity.metadata.annotations ?? {};
  const namespace = a[ANNOTATION_KUBERNETES_NAMESPACE]?.trim();
  const labelSelector = a[ANNOTATION_KUBERNETES_LABEL_SELECTOR]?.trim();
  const id = a[ANNOTATION_KUBERNETES_ID]?.trim();
  if (!namespace || (!labelSelector && !id)) {
    return {
      ok: false,
      reason: 'not-annotated',
      message: `Add the annotations ${ANNOTATION_KUBERNETES_NAMESPACE} and either ${ANNOTATION_KUBERNETES_LABEL_SELECTOR} or ${ANNOTATION_KUBERNETES_ID} to the entity's catalog-info.yaml`,
    };
  }
  if (
    !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace) ||
    namespace.length > 63
  ) {
    return {
      ok: false,
      reason: 'invalid-annotation',
      message: `${ANNOTATION_KUBERNETES_NAMESPACE} "${namespace}" is not a valid Kubernetes namespace name`,
    };
  }
  const cluster =
    a[ANNOTATION_CILIUM_CLUSTER]?.trim() || options.defaultCluster;
  const selector = labelSelector || `${LABEL_KUBERNETES_ID}=${id}`;
  try {
    return {
      ok: true,
      identity: {
        cluster,
        namespace,
        selector,
        requirements: parseLabelSelector(selector),
        source: labelSelector ? 'label-selector' : 'kubernetes-id',
      },
    };
  } catch (e) {
    if (e instanceof LabelSelectorSyntaxError) {
      const annotation = labelSelector
        ? ANNOTATION_KUBERNETES_LABEL_SELECTOR
        : ANNOTATION_KUBERNETES_ID;
      return {
        ok: false,
        reason: 'invalid-annotation',
        message: `${annotation}: ${e.message}`,
      };
    }
    throw e;
  }
}
