/**
 * Types for the Hubble data this package handles. `*Json` types follow the
 * protojson that `hubble observe -o json` prints (proto field names, enum names,
 * 64-bit integers as strings, RFC 3339 times); only the fields we use are
 * spelled out.
 */

/** @public */
export interface EndpointJson {
  ID?: number;
  identity?: number;
  namespace?: string;
  labels?: string[];
  pod_name?: string;
  workloads?: Array<{ name?: string; kind?: string }>;
  cluster_name?: string;
}

/** @public */
export interface PolicyJson {
  name?: string;
  namespace?: string;
  labels?: string[];
  revision?: string;
  kind?: string;
}

/** @public */
export interface FlowJson {
  time?: string;
  uuid?: string;
  verdict?: string;
  drop_reason?: number;
  drop_reason_desc?: string;
  IP?: { source?: string; destination?: string; ipVersion?: string };
  l4?: {
    TCP?: {
      source_port?: number;
      destination_port?: number;
      flags?: Record<string, boolean>;
    };
    UDP?: { source_port?: number; destination_port?: number };
    SCTP?: { source_port?: number; destination_port?: number };
    ICMPv4?: { type?: number; code?: number };
    ICMPv6?: { type?: number; code?: number };
  };
  source?: EndpointJson;
  destination?: EndpointJson;
  Type?: string;
  node_name?: string;
  source_names?: string[];
  destination_names?: string[];
  l7?: {
    type?: string;
    latency_ns?: string;
    dns?: {
      query?: string;
      ips?: string[];
      ttl?: number;
      rcode?: number;
      qtypes?: string[];
      rrtypes?: string[];
      observation_source?: string;
      cnames?: string[];
    };
    http?: {
      code?: number;
      method?: string;
      url?: string;
      protocol?: string;
      headers?: Array<{ key?: string; value?: string }>;
    };
  };
  is_reply?: boolean;
  reply?: boolean;
  event_type?: { type?: number; sub_type?: number };
  traffic_direction?: string;
  policy_match_type?: number;
  egress_allowed_by?: PolicyJson[];
  ingress_allowed_by?: PolicyJson[];
  egress_denied_by?: PolicyJson[];
  ingress_denied_by?: PolicyJson[];
  Summary?: string;
  [field: string]: unknown;
}

/** @public */
export interface NodeStatusEventJson {
  state_change?: string;
  node_names?: string[];
  message?: string;
}

/** @public */
export interface LostEventJson {
  source?: string;
  num_events_lost?: string;
  cpu?: number;
  first?: string;
  last?: string;
}

/** One line of `hubble observe -o json`. @public */
export interface GetFlowsResponseJson {
  flow?: FlowJson;
  node_status?: NodeStatusEventJson;
  lost_events?: LostEventJson;
  node_name?: string;
  time?: string;
}

/** A flow.FlowFilter in protojson (only the fields our stand-in evaluates are typed). @public */
export interface FlowFilterJson {
  uuid?: string[];
  source_ip?: string[];
  destination_ip?: string[];
  source_pod?: string[];
  destination_pod?: string[];
  source_label?: string[];
  destination_label?: string[];
  source_fqdn?: string[];
  destination_fqdn?: string[];
  source_workload?: Array<{ name?: string; kind?: string }>;
  destination_workload?: Array<{ name?: string; kind?: string }>;
  verdict?: string[];
  drop_reason_desc?: string[];
  traffic_direction?: string[];
  event_type?: Array<{
    type?: number;
    match_sub_type?: boolean;
    sub_type?: number;
  }>;
  protocol?: string[];
  source_port?: string[];
  destination_port?: string[];
  reply?: boolean[];
  node_name?: string[];
  http_method?: string[];
  http_status_code?: string[];
  dns_query?: string[];
  [field: string]: unknown;
}

/** @public */
export interface GetFlowsRequestJson {
  number?: string | number;
  first?: boolean;
  follow?: boolean;
  whitelist?: FlowFilterJson[];
  blacklist?: FlowFilterJson[];
  since?: string;
  until?: string;
  field_mask?: string;
}

/** @public */
export interface ServerStatusResponseJson {
  num_flows?: string;
  max_flows?: string;
  seen_flows?: string;
  uptime_ns?: string;
  num_connected_nodes?: number;
  num_unavailable_nodes?: number;
  unavailable_nodes?: string[];
  version?: string;
  flows_rate?: number;
}

/** @public */
export interface NodeJson {
  name?: string;
  version?: string;
  address?: string;
  state?: string;
  tls?: { enabled?: boolean; server_name?: string };
  uptime_ns?: string;
  num_flows?: string;
  max_flows?: string;
  seen_flows?: string;
}

/** @public */
export interface GetNodesResponseJson {
  nodes?: NodeJson[];
}

/** A policy that allowed or denied a flow, as the lean decoder extracts it. @public */
export interface FlowPolicyRef {
  name: string;
  namespace: string;
  kind: string;
}

/** An endpoint summary, as the lean decoder extracts it. @public */
export interface LeanEndpoint {
  identity: number;
  namespace: string;
  podName: string;
  labels: string[];
  /** Owning workloads as `Kind/name` (e.g. `Deployment/checkout`). */
  workloads: Array<{ kind: string; name: string }>;
}

/**
 * The summary of a flow that the live service needs, read straight from the
 * wire by the lean decoder. `raw` keeps the whole `flow.Flow` bytes for a full
 * decode with {@link flowToJson} when someone asks for it.
 * @public
 */
export interface LeanFlow {
  /** Seconds of flow.time since the epoch. */
  timeSeconds: number;
  /** Nanoseconds part of flow.time. */
  timeNanos: number;
  /** flow.time in epoch milliseconds (rounded down). */
  timeMs: number;
  uuid: string;
  verdict: string;
  dropReason: string;
  flowType: string;
  nodeName: string;
  sourceIp: string;
  destinationIp: string;
  /** `TCP`, `UDP`, `SCTP`, `ICMPv4`, `ICMPv6`, `VRRP`, `IGMP` or ''. */
  protocol: string;
  sourcePort: number;
  destinationPort: number;
  source: LeanEndpoint;
  destination: LeanEndpoint;
  destinationNames: string[];
  trafficDirection: string;
  /** true/false when known, undefined when flow.is_reply was absent. */
  isReply: boolean | undefined;
  policyMatchType: number;
  /** `REQUEST`/`RESPONSE`/`SAMPLE` for L7 flows, else ''. */
  l7Type: string;
  /** `dns`, `http`, `kafka` or ''. */
  l7Protocol: string;
  /** Short L7 description: `GET http://x/y 200` or `DNS example.com. A`. */
  l7Summary: string;
  egressAllowedBy: FlowPolicyRef[];
  ingressAllowedBy: FlowPolicyRef[];
  egressDeniedBy: FlowPolicyRef[];
  ingressDeniedBy: FlowPolicyRef[];
  /** The complete flow.Flow message bytes. */
  raw: Buffer;
}

/** @public */
export interface NodeStatusEvent {
  state: string;
  nodeNames: string[];
  message: string;
  /** GetFlowsResponse.node_name (Relay's own name). */
  reporter: string;
  time: string;
}

/** @public */
export interface LostEventsEvent {
  source: string;
  numEventsLost: number;
  cpu: number | undefined;
  reporter: string;
  time: string;
}
