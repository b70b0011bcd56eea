import type { EndpointJson, FlowJson, PolicyJson } from '../types';

/**
 * The synthetic endpoints of the Hubble ingest benchmark
 * (`bench/lib/realisticFlows.js`) and of the lean-decoder tests: 8 labels per
 * endpoint and a workload, like the flows measured in
 * `reference/hubble-ingest-measurements.md`. One builder, so the tests decode
 * exactly the shape the benchmark streams.
 */
export const SYNTHETIC_NAMESPACES = [
  'storefront',
  'checkout',
  'catalog',
  'fulfilment',
  'identity',
  'analytics',
  'payments',
  'search',
];

/** Apps of every synthetic namespace. */
export const SYNTHETIC_APPS = [
  'api',
  'web',
  'worker',
  'db',
  'cache',
  'gateway',
];

/** The endpoint of replica `replica` of app `app` in namespace `ns`. */
export function syntheticEndpoint(
  ns: string,
  app: string,
  replica: number,
): EndpointJson {
  const id =
    SYNTHETIC_NAMESPACES.indexOf(ns) * 10 + SYNTHETIC_APPS.indexOf(app);
  return {
    ID: 1000 + id,
    identity: 20000 + id,
    cluster_name: 'default',
    namespace: ns,
    labels: [
      `k8s:app.kubernetes.io/name=${ns}-${app}`,
      `k8s:app.kubernetes.io/part-of=${ns}`,
      'k8s:app.kubernetes.io/version=1.42.0',
      `k8s:backstage.io/kubernetes-id=${ns}-${app}`,
      `k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=${ns}`,
      'k8s:io.cilium.k8s.policy.cluster=default',
      `k8s:io.cilium.k8s.policy.serviceaccount=${ns}-${app}`,
      `k8s:io.kubernetes.pod.namespace=${ns}`,
    ],
    pod_name: `${ns}-${app}-7d9f8b6c5d-${String(replica).padStart(5, 'x')}`,
    workloads: [{ name: `${ns}-${app}`, kind: 'Deployment' }],
  };
}

/** A CiliumNetworkPolicy as Hubble names it in `*_allowed_by`/`*_denied_by`. */
export function syntheticPolicy(name: string, ns: string): PolicyJson {
  return {
    name,
    namespace: ns,
    labels: [
      'k8s:io.cilium.k8s.policy.derived-from=CiliumNetworkPolicy',
      `k8s:io.cilium.k8s.policy.name=${name}`,
      `k8s:io.cilium.k8s.policy.namespace=${ns}`,
      'k8s:io.cilium.k8s.policy.uid=2f8c6a51-0d6e-4c3a-9d0b-5b8e6f1a2c3d',
    ],
    revision: '1234',
    kind: 'CiliumNetworkPolicy',
  };
}

/**
 * Sets a synthetic flow's verdict fields: a policy drop (with the denying
 * policy when `deniedBy`), or the egress and ingress policies that allowed it.
 */
export function setSyntheticVerdict(
  flow: FlowJson,
  options: {
    dropped: boolean;
    deniedBy?: boolean;
    src: { ns: string; app: string };
    dst: { ns: string; app: string };
  },
): void {
  const { src, dst } = options;
  if (options.dropped) {
    flow.drop_reason = 133;
    flow.drop_reason_desc = 'POLICY_DENIED';
    if (options.deniedBy)
      flow.egress_denied_by = [syntheticPolicy(`deny-${src.app}`, src.ns)];
  } else {
    flow.egress_allowed_by = [
      syntheticPolicy(`allow-egress-${src.app}-to-${dst.app}`, src.ns),
    ];
    flow.ingress_allowed_by = [
      syntheticPolicy(`allow-ingress-${dst.app}-from-${src.app}`, dst.ns),
    ];
  }
}
