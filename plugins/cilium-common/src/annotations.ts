/**
 * Annotation names the Cilium plugins read from catalog entities.
 *
 * The Kubernetes plugin's annotations are reused so that entities already set
 * up for it work unchanged; anything new uses the `cilium.backstage.io/` prefix.
 */

/**
 * The Kubernetes namespace an entity's workloads run in.
 * @public
 */
export const ANNOTATION_KUBERNETES_NAMESPACE =
  'backstage.io/kubernetes-namespace';

/**
 * A Kubernetes label selector (string form, e.g. `app=checkout,tier in (web)`)
 * that selects the entity's pods.
 * @public
 */
export const ANNOTATION_KUBERNETES_LABEL_SELECTOR =
  'backstage.io/kubernetes-label-selector';

/**
 * The Kubernetes plugin's id annotation; it selects pods labelled
 * `backstage.io/kubernetes-id=<value>`.
 * @public
 */
export const ANNOTATION_KUBERNETES_ID = 'backstage.io/kubernetes-id';

/**
 * The pod label that `backstage.io/kubernetes-id` stands for.
 * @public
 */
export const LABEL_KUBERNETES_ID = 'backstage.io/kubernetes-id';

/**
 * The Cilium cluster(s) (as configured under `cilium.clusters`) the entity
 * runs in: one name, or several comma-separated (`prod,dev`). The first one
 * is the default the Network tab opens and requests are for. Optional: the
 * first configured cluster is the default.
 * @public
 */
export const ANNOTATION_CILIUM_CLUSTER = 'cilium.backstage.io/cluster';

/**
 * On a Resource entity that stands for an external dependency: the fully
 * qualified domain name (or a `*.` pattern) the dependency is reached by.
 * @public
 */
export const ANNOTATION_CILIUM_FQDN = 'cilium.backstage.io/fqdn';

/**
 * On a Resource entity that stands for an external dependency: the IPv4 or
 * IPv6 CIDR(s), comma-separated, the dependency is reached by.
 * @public
 */
export const ANNOTATION_CILIUM_CIDR = 'cilium.backstage.io/cidr';
