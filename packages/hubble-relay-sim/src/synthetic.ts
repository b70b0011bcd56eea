import type {
  EndpointJson,
  FlowJson,
  GetFlowsResponseJson,
  PolicyJson,
} from '@cilium-zero-trust/plugin-cilium-node';
import type { FlowGenerator } from './timeline';
import { timelineUuid } from './timeline';
import type {
  SimPeer,
  SimPolicyRef,
  SimVerdict,
  VerdictSource,
} from './verdicts';
import {
  appOfPort,
  hashString,
  mainPortOf,
  SimCall,
  SimExternal,
  SimPod,
  SimWorkload,
  SimWorld,
} from './world';
import { seededRandom } from './random';

/**
 * Synthetic Hubble traffic among the sample workloads: calls that follow the
 * catalog's dependsOn, DNS lookups to kube-dns, replies, and a few stray calls.
 * Each connection's verdict comes from a {@link VerdictSource} (the policy
 * engine over the current GitOps policies): allowed → FORWARDED with
 * *_allowed_by; a missing grant → DROPPED/POLICY_DENIED; an explicit deny →
 * DROPPED/POLICY_DENY with *_denied_by. Event k is a pure function of (seed, k,
 * policies), so a restarted stand-in replays the same history.
 */

export interface SyntheticOptions {
  seed?: string | number;
  /** Share of stray (undeclared) calls, default 0.07. */
  strayShare?: number;
  /** Share of DNS lookups, default 0.15. */
  dnsShare?: number;
  /**
   * The cluster name the flows' endpoints carry (`cluster_name` and the
   * `io.cilium.k8s.policy.cluster` label), default `default` (Cilium's own
   * default name).
   */
  clusterName?: string;
}

const HTTP_PATHS = [
  '/api/v1/items',
  '/api/v1/orders',
  '/healthz',
  '/api/v1/search?q=shoes',
  '/api/v2/cart',
];
const DNS_PROTOCOL = 'UDP';

function isWorkload(x: SimWorkload | SimExternal): x is SimWorkload {
  return (x as SimWorkload).pods !== undefined;
}

function peerOf(x: SimWorkload | SimExternal): SimPeer {
  return isWorkload(x)
    ? {
        kind: 'workload',
        namespace: x.namespace,
        name: x.name,
        workloadKind: x.kind,
        labels: x.labels,
        serviceAccount: x.serviceAccount,
      }
    : { kind: 'external', ip: x.ip, fqdn: x.fqdn };
}

function policyJson(p: SimPolicyRef, revision: number): PolicyJson {
  const labels = [
    `k8s:io.cilium.k8s.policy.derived-from=${p.kind}`,
    `k8s:io.cilium.k8s.policy.name=${p.name}`,
  ];
  if (p.namespace)
    labels.push(`k8s:io.cilium.k8s.policy.namespace=${p.namespace}`);
  return {
    name: p.name,
    ...(p.namespace ? { namespace: p.namespace } : {}),
    labels,
    revision: String(revision),
    kind: p.kind,
  };
}

function endpointOfPod(
  w: SimWorkload,
  pod: SimPod,
  clusterName: string,
): EndpointJson {
  const labels = Object.entries(w.labels)
    .map(([k, v]) => `k8s:${k}=${v}`)
    .concat([
      `k8s:io.cilium.k8s.policy.cluster=${clusterName}`,
      `k8s:io.cilium.k8s.policy.serviceaccount=${w.serviceAccount}`,
      `k8s:io.kubernetes.pod.namespace=${w.namespace}`,
    ])
    .sort();
  return {
    ID: 100 + (hashString(pod.name) % 3900),
    identity: w.identity,
    cluster_name: clusterName,
    namespace: w.namespace,
    labels,
    pod_name: pod.name,
    workloads: [{ name: w.name, kind: w.kind }],
  };
}

function endpointOfExternal(x: SimExternal): EndpointJson {
  return {
    identity: x.identity,
    labels: [x.fqdn ? `fqdn:${x.fqdn}` : `cidr:${x.cidr}`, 'reserved:world'],
  };
}

export class SyntheticGenerator implements FlowGenerator {
  private readonly seed: number;
  private readonly seedText: string;
  private readonly cache = new Map<string, SimVerdict>();
  private cacheRevision = -1;
  private readonly strayShare: number;
  private readonly dnsShare: number;
  private readonly clusterName: string;

  constructor(
    private readonly world: SimWorld,
    private readonly verdicts: VerdictSource,
    options: SyntheticOptions = {},
  ) {
    this.seedText = String(options.seed ?? 'synthetic');
    this.seed = hashString(this.seedText);
    this.strayShare = options.strayShare ?? 0.07;
    this.dnsShare = options.dnsShare ?? 0.15;
    this.clusterName = options.clusterName ?? 'default';
    if (!world.workloads.some(w => w.pods.length)) {
      throw new Error('the cluster model has no workloads to simulate');
    }
  }

  eventAt(k: number, time: string): GetFlowsResponseJson {
    const rand = seededRandom(this.seed ^ Math.imul(k + 1, 0x9e3779b1));
    const r = rand();
    let flow: FlowJson;
    if (r < this.dnsShare && this.world.dns) {
      flow = this.dnsFlow(rand);
    } else if (
      r < this.dnsShare + this.strayShare ||
      !this.world.calls.length
    ) {
      flow = this.strayFlow(rand);
    } else {
      const call =
        this.world.calls[Math.floor(rand() * this.world.calls.length)];
      flow = this.callFlow(call, rand, rand() < 0.15);
    }
    flow.time = time;
    flow.uuid = timelineUuid(this.seedText, k);
    // Hubble sees a forwarded pod-to-pod connection both leaving the source
    // and arriving at the destination; every other such flow is the arrival.
    if (
      flow.verdict === 'FORWARDED' &&
      flow.traffic_direction === 'EGRESS' &&
      !flow.is_reply &&
      flow.destination?.pod_name &&
      k % 2 === 1
    ) {
      flow.traffic_direction = 'INGRESS';
      flow.trace_observation_point = 'TO_ENDPOINT';
    }
    return { flow, node_name: flow.node_name, time };
  }

  private verdict(
    src: SimWorkload | SimExternal,
    dst: SimWorkload | SimExternal,
    port: number,
    protocol: 'TCP' | 'UDP' | 'SCTP',
  ): SimVerdict {
    if (this.cacheRevision !== this.verdicts.revision) {
      this.cache.clear();
      this.cacheRevision = this.verdicts.revision;
    }
    const key = `${isWorkload(src) ? `${src.namespace}/${src.name}` : src.ip}>${
      isWorkload(dst) ? `${dst.namespace}/${dst.name}` : dst.fqdn ?? dst.ip
    }:${port}/${protocol}`;
    let v = this.cache.get(key);
    if (!v) {
      v = this.verdicts.verdict(peerOf(src), peerOf(dst), port, protocol);
      this.cache.set(key, v);
    }
    return v;
  }

  private pick<T>(items: T[], rand: () => number): T {
    return items[Math.floor(rand() * items.length)];
  }

  private base(
    src: SimWorkload,
    srcPod: SimPod,
    dst: SimWorkload | SimExternal,
    dstPod: SimPod | undefined,
    port: number,
    protocol: 'TCP' | 'UDP' | 'SCTP',
    rand: () => number,
  ): FlowJson {
    const sport = 32768 + Math.floor(rand() * 28000);
    let l4: FlowJson['l4'] = {
      TCP: { source_port: sport, destination_port: port, flags: { SYN: true } },
    };
    if (protocol === 'UDP')
      l4 = { UDP: { source_port: sport, destination_port: port } };
    if (protocol === 'SCTP')
      l4 = { SCTP: { source_port: sport, destination_port: port } };
    const flow: FlowJson = {
      verdict: 'FORWARDED',
      IP: {
        source: srcPod.ip,
        destination: dstPod ? dstPod.ip : (dst as SimExternal).ip,
        ipVersion: 'IPv4',
      },
      l4,
      source: endpointOfPod(src, srcPod, this.clusterName),
      destination: dstPod
        ? endpointOfPod(dst as SimWorkload, dstPod, this.clusterName)
        : endpointOfExternal(dst as SimExternal),
      Type: 'L3_L4',
      node_name: srcPod.node,
    };
    if (!isWorkload(dst) && dst.fqdn) flow.destination_names = [dst.fqdn];
    return flow;
  }

  private applyVerdict(
    flow: FlowJson,
    v: SimVerdict,
    dstPod: SimPod | undefined,
    srcPod: SimPod,
  ): void {
    const rev = this.verdicts.revision;
    if (v.allowed) {
      flow.verdict = 'FORWARDED';
      flow.event_type = { type: 5 };
      flow.traffic_direction = 'EGRESS';
      flow.policy_match_type =
        v.egressAllowedBy.length || v.ingressAllowedBy.length ? 2 : 0;
      if (v.egressAllowedBy.length)
        flow.egress_allowed_by = v.egressAllowedBy.map(p => policyJson(p, rev));
      if (v.ingressAllowedBy.length)
        flow.ingress_allowed_by = v.ingressAllowedBy.map(p =>
          policyJson(p, rev),
        );
    } else {
      const explicit = v.reason === 'denied';
      flow.verdict = 'DROPPED';
      flow.drop_reason = explicit ? 181 : 133;
      flow.drop_reason_desc = explicit ? 'POLICY_DENY' : 'POLICY_DENIED';
      flow.event_type = { type: 1, sub_type: explicit ? 181 : 133 };
      const ingress = v.droppedAt === 'ingress';
      flow.traffic_direction = ingress ? 'INGRESS' : 'EGRESS';
      // Observed where it was dropped: the destination's node for ingress drops.
      flow.node_name = ingress && dstPod ? dstPod.node : srcPod.node;
      if (v.egressDeniedBy.length)
        flow.egress_denied_by = v.egressDeniedBy.map(p => policyJson(p, rev));
      if (v.ingressDeniedBy.length)
        flow.ingress_denied_by = v.ingressDeniedBy.map(p => policyJson(p, rev));
    }
    flow.is_reply = false;
    const l4 = flow.l4 ?? {};
    flow.Summary = l4.TCP ? 'TCP Flags: SYN' : Object.keys(l4)[0] ?? '';
  }

  private callFlow(
    call: SimCall,
    rand: () => number,
    reply: boolean,
  ): FlowJson {
    const srcPod = this.pick(call.src.pods, rand);
    const dstPod = isWorkload(call.dst)
      ? this.pick(call.dst.pods, rand)
      : undefined;
    const v = this.verdict(call.src, call.dst, call.port, call.protocol);
    const flow = this.base(
      call.src,
      srcPod,
      call.dst,
      dstPod,
      call.port,
      call.protocol,
      rand,
    );
    if (reply && v.allowed) {
      // The reply of an established connection: a trace event, endpoints swapped.
      const swapped: FlowJson = {
        ...flow,
        IP: {
          source: flow.IP!.destination,
          destination: flow.IP!.source,
          ipVersion: 'IPv4',
        },
        source: flow.destination,
        destination: flow.source,
        l4: flow.l4?.TCP
          ? {
              TCP: {
                source_port: call.port,
                destination_port: flow.l4.TCP.source_port,
                flags: { ACK: true, PSH: true },
              },
            }
          : flow.l4,
        node_name: dstPod ? dstPod.node : srcPod.node,
        event_type: { type: 4, sub_type: 0 },
        traffic_direction: 'INGRESS',
        trace_observation_point: 'TO_ENDPOINT',
        is_reply: true,
        reply: true,
        Summary: flow.l4?.TCP ? 'TCP Flags: ACK, PSH' : 'UDP',
      };
      if (flow.destination_names) {
        swapped.source_names = flow.destination_names;
        delete swapped.destination_names;
      }
      return swapped;
    }
    this.applyVerdict(flow, v, dstPod, srcPod);
    if (
      v.allowed &&
      call.app === 'http' &&
      isWorkload(call.dst) &&
      rand() < 0.35
    ) {
      const method = rand() < 0.7 ? 'GET' : 'POST';
      const url = `http://${call.dst.name}.${
        call.dst.namespace
      }.svc.cluster.local:${call.port}${this.pick(HTTP_PATHS, rand)}`;
      const response = rand() < 0.5;
      const code = rand() < 0.95 ? 200 : 503;
      flow.Type = 'L7';
      flow.event_type = { type: 129 };
      flow.l7 = response
        ? {
            type: 'RESPONSE',
            latency_ns: String(Math.floor(rand() * 50e6)),
            http: { code, method, url, protocol: 'HTTP/1.1' },
          }
        : {
            type: 'REQUEST',
            http: {
              method,
              url,
              protocol: 'HTTP/1.1',
              headers: [{ key: 'User-Agent', value: 'sim/1.0' }],
            },
          };
      flow.Summary = response
        ? `HTTP/1.1 ${code} ${method} ${url}`
        : `HTTP/1.1 ${method} ${url}`;
      delete flow.drop_reason;
    }
    return flow;
  }

  private dnsFlow(rand: () => number): FlowJson {
    const dns = this.world.dns!;
    const withPods = this.world.workloads.filter(
      w => w.pods.length && w !== dns,
    );
    const src = this.pick(withPods.length ? withPods : [dns], rand);
    const srcPod = this.pick(src.pods, rand);
    const dstPod = this.pick(dns.pods, rand);
    const mine = this.world.calls.filter(c => c.src === src);
    let query = `kubernetes.default.svc.cluster.local.`;
    if (mine.length) {
      const c = this.pick(mine, rand);
      query = isWorkload(c.dst)
        ? `${c.dst.name}.${c.dst.namespace}.svc.cluster.local.`
        : `${c.dst.fqdn ?? 'unknown.example'}.`;
    }
    const v = this.verdict(src, dns, 53, DNS_PROTOCOL);
    const flow = this.base(src, srcPod, dns, dstPod, 53, DNS_PROTOCOL, rand);
    this.applyVerdict(flow, v, dstPod, srcPod);
    if (v.allowed) {
      flow.Type = 'L7';
      flow.event_type = { type: 129 };
      flow.l7 = {
        type: 'REQUEST',
        dns: { query, observation_source: 'proxy', qtypes: ['A'] },
      };
      flow.Summary = `DNS Query ${query} A`;
    }
    return flow;
  }

  private strayFlow(rand: () => number): FlowJson {
    const candidates = this.world.workloads.filter(
      w => w.pods.length && w.ports.length,
    );
    const src = this.pick(
      this.world.workloads.filter(w => w.pods.length),
      rand,
    );
    let dst = this.pick(candidates.length ? candidates : [src], rand);
    if (dst === src && candidates.length > 1)
      dst = candidates[(candidates.indexOf(dst) + 1) % candidates.length];
    const port = mainPortOf(dst);
    const call: SimCall = {
      src,
      dst,
      port: port?.containerPort ?? 80,
      protocol: port?.protocol ?? 'TCP',
      app: appOfPort(port),
    };
    return this.callFlow(call, rand, false);
  }
}
