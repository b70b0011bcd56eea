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
  /** The configured Cilium cluster name this identity is for. */
  cluster: string;
  /**
   * Every cluster the entity runs in, the default (first of
   * `cilium.backstage.io/cluster`) first.
   */
  clusters: string[];
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
  | { reason: 'invalid-annotation'; message: string }
  | { reason: 'unknown-cluster'; message: string };

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
  options: {
    defaultCluster: string;
    /** One of the entity's clusters; the entity's default when omitted. */
    cluster?: string;
  },
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
  const clusters = getEntityClusters(entity, options);
  if (!clusters.ok) return clusters;
  const cluster = options.cluster ?? clusters.clusters[0];
  if (!clusters.clusters.includes(cluster)) {
    return {
      ok: false,
      reason: 'unknown-cluster',
      message: `The entity does not run in cluster "${cluster.slice(
        0,
        63,
      )}"; it runs in ${clusters.clusters.join(
        ', ',
      )} (${ANNOTATION_CILIUM_CLUSTER})`,
    };
  }
  const selector = labelSelector || `${LABEL_KUBERNETES_ID}=${id}`;
  try {
    return {
      ok: true,
      identity: {
        cluster,
        clusters: clusters.clusters,
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

const CLUSTER_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * The clusters an entity runs in: the names in `cilium.backstage.io/cluster`
 * (comma-separated, the default first, duplicates dropped), else the
 * default cluster. A name that is not a lower-case DNS label of at most 63
 * characters is an `invalid-annotation` problem.
 * @public
 */
export function getEntityClusters(
  entity: Entity,
  options: { defaultCluster: string },
):
  | { ok: true; clusters: string[] }
  | { ok: false; reason: 'invalid-annotation'; message: string } {
  const text = entity.metadata.annotations?.[ANNOTATION_CILIUM_CLUSTER]?.trim();
  if (!text) return { ok: true, clusters: [options.defaultCluster] };
  const clusters: string[] = [];
  for (const part of text.split(',')) {
    const name = part.trim();
    if (!name) continue;
    if (name.length > 63 || !CLUSTER_NAME.test(name)) {
      return {
        ok: false,
        reason: 'invalid-annotation',
        message: `${ANNOTATION_CILIUM_CLUSTER}: "${name.slice(
          0,
          63,
        )}" is not a cluster name (lower-case letters, digits and '-', at most 63)`,
      };
    }
    if (!clusters.includes(name)) clusters.push(name);
  }
  if (!clusters.length) return { ok: true, clusters: [options.defaultCluster] };
  return { ok: true, clusters };
}
