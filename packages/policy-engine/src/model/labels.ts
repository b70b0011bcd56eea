/**
 * Cilium label keys carry a source prefix (`k8s:app`, `reserved:host`,
 * `any:app`). No prefix means source `any`.
 */

/**
 * Label sources Cilium knows.
 *
 * @public
 */
export const LABEL_SOURCES = [
  'k8s',
  'any',
  'reserved',
  'cidr',
  'fqdn',
  'cidrgroup',
  'container',
  'cni',
  'unspec',
  'kvstore',
] as const;

/**
 * A label source.
 *
 * @public
 */
export type LabelSource = (typeof LABEL_SOURCES)[number];

/**
 * A parsed label key.
 *
 * @public
 */
export interface LabelKey {
  source: LabelSource;
  key: string;
}

/**
 * Splits `source:key`; keys without a known source get source `any`. `$host` is `reserved:host`.
 *
 * @public
 */
export function parseLabelKey(raw: string): LabelKey {
  if (raw === '$host') return { source: 'reserved', key: 'host' };
  const i = raw.indexOf(':');
  if (i > 0) {
    const src = raw.slice(0, i);
    if ((LABEL_SOURCES as readonly string[]).includes(src)) {
      return { source: src as LabelSource, key: raw.slice(i + 1) };
    }
  }
  return { source: 'any', key: raw };
}

/** Well-known label keys. */
export const POD_NAMESPACE_LABEL = 'io.kubernetes.pod.namespace';
export const NAMESPACE_LABELS_PREFIX = 'io.cilium.k8s.namespace.labels.';
export const SERVICE_ACCOUNT_LABEL = 'io.cilium.k8s.policy.serviceaccount';
export const CLUSTER_LABEL = 'io.cilium.k8s.policy.cluster';

/**
 * The labels of an endpoint as Cilium sees them: `source:key` → value.
 * Workloads carry `k8s:` labels, entities carry `reserved:` labels.
 *
 * @public
 */
export type EndpointLabels = ReadonlyMap<string, string>;

/**
 * Looks a selector key up in endpoint labels, honouring the `any` source.
 *
 * @public
 */
export function lookupLabel(
  labels: EndpointLabels,
  key: LabelKey,
): string | undefined {
  if (key.source === 'any') {
    const v = labels.get(`k8s:${key.key}`);
    return v !== undefined ? v : labels.get(`reserved:${key.key}`);
  }
  return labels.get(`${key.source}:${key.key}`);
}
