import type {
  EndpointJson,
  FlowJson,
  GetFlowsResponseJson,
  PolicyJson,
} from '../types';

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

/** What one synthetic flow is: who talks to whom, when, and how it ended. */
export interface SyntheticFlowChoice {
  /** The flow's number: its uuid, replicas and request id derive from it. */
  i: number;
  src: { ns: string; app: string };
  dst: { ns: string; app: string };
  dropped: boolean;
  /** An HTTP request (L7) instead of a TCP SYN. */
  l7: boolean;
  /** Hubble's RFC 3339 time with nanoseconds. */
  time: string;
  /** The node, e.g. `worker-2`. */
  node: string;
  sourcePort: number;
  /** A dropped flow names the denying policy (`egress_denied_by`). */
  deniedBy?: boolean;
}

/**
 * One GetFlowsResponse (protojson) with the benchmark's shape: 8-label
 * endpoints, both `*_allowed_by` policies or a policy drop, Ethernet, event
 * type, and for L7 an HTTP request with two headers.
 */
export function syntheticFlow(c: SyntheticFlowChoice): GetFlowsResponseJson {
  const { i, src, dst, dropped, l7 } = c;
  // Hubble's event types: 129 L7 record, 1 drop, 5 trace.
  let eventType = dropped ? 1 : 5;
  if (l7) eventType = 129;
  const address = (e: { ns: string; app: string }) =>
    `10.244.${SYNTHETIC_NAMESPACES.indexOf(e.ns)}.${
      10 + SYNTHETIC_APPS.indexOf(e.app)
    }`;
  const flow: FlowJson = {
    time: c.time,
    uuid: `5e1a${String(i).padStart(4, '0')}-1b2c-4d3e-8f40-${String(
      i,
    ).padStart(12, '0')}`,
    verdict: dropped ? 'DROPPED' : 'FORWARDED',
    ethernet: {
      source: '0a:58:0a:f4:01:05',
      destination: '0a:58:0a:f4:01:01',
    },
    IP: { source: address(src), destination: address(dst), ipVersion: 'IPv4' },
    l4: {
      TCP: {
        source_port: c.sourcePort,
        destination_port: 8080,
        flags: { SYN: true },
      },
    },
    source: syntheticEndpoint(src.ns, src.app, i % 3),
    destination: syntheticEndpoint(dst.ns, dst.app, i % 2),
    Type: l7 ? 'L7' : 'L3_L4',
    node_name: `kind/${c.node}`,
    event_type: {
      type: eventType,
      ...(dropped ? { sub_type: 133 } : {}),
    },
    traffic_direction: 'EGRESS',
    policy_match_type: dropped ? 0 : 2,
    is_reply: false,
    Summary: l7
      ? 'HTTP/1.1 GET http://api:8080/api/v1/items'
      : 'TCP Flags: SYN',
  };
  setSyntheticVerdict(flow, { dropped, deniedBy: c.deniedBy, src, dst });
  if (l7) {
    flow.l7 = {
      type: 'REQUEST',
      http: {
        method: 'GET',
        url: `http://${dst.ns}-${dst.app}.${
          dst.ns
        }.svc.cluster.local:8080/api/v1/items?page=${i % 50}`,
        protocol: 'HTTP/1.1',
        headers: [
          { key: 'User-Agent', value: 'Go-http-client/1.1' },
          {
            key: 'X-Request-Id',
            value: `c0ffee${String(i).padStart(10, '0')}`,
          },
        ],
      },
    };
  }
  return { flow, node_name: `kind/${c.node}`, time: c.time };
}
