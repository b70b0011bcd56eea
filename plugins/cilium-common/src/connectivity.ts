/**
 * Types of the connectivity route (`/entities/:kind/:namespace/:name/connectivity`):
 * what the cluster's network policies allow, with the rule behind each edge.
 */

/**
 * One rule element that grants or denies part of an edge.
 * @public
 */
export interface PolicyRuleRef {
  /** `CiliumNetworkPolicy`, `CiliumClusterwideNetworkPolicy` or `NetworkPolicy`. */
  kind: string;
  /** Undefined for cluster-wide policies. */
  namespace?: string;
  name: string;
  /** 0 for `spec`, 1+i for `specs[i]` (Kubernetes NetworkPolicy: always 0). */
  ruleIndex: number;
  /** `ingress`, `egress`, `ingressDeny` or `egressDeny`. */
  section: string;
  /** Index of the element in its section. */
  elementIndex: number;
  /** The side this rule polices. */
  direction: 'ingress' | 'egress';
  deny: boolean;
  /** The connections this element grants (or denies) on this edge, e.g. `TCP 8080`. */
  ports: string;
  /** File of the policy in the policy source, relative to its root. */
  path?: string;
  /** Link to the file in the GitOps repository, when `policies.url` is configured. */
  url?: string;
}

/**
 * The other end of an allowed edge.
 * @public
 */
export interface ConnectivityPeer {
  /**
   * `entity`: a catalog entity (a component's workload, or a Resource for an
   * FQDN or CIDR); `workload`: a workload no entity claims; `external`: an IP
   * range; `fqdn`: a DNS name; `cilium-entity`: world, host, kube-apiserver, ….
   */
  type: 'entity' | 'workload' | 'external' | 'fqdn' | 'cilium-entity';
  /** An entity ref, `ns/name[Kind]`, `a.b.c.d-e.f.g.h`, a DNS name or a Cilium entity name. */
  id: string;
  /** The workload behind an entity peer, `ns/name[Kind]`. */
  workload?: string;
}

/**
 * An allowed (or deny-cut) connection between one of the entity's workloads
 * and a peer.
 * @public
 */
export interface ConnectivityEdge {
  /** `egress`: the entity may open connections to the peer; `ingress`: the peer may connect to the entity. */
  direction: 'ingress' | 'egress';
  /** The entity's own workload, `ns/name[Kind]`. */
  workload: string;
  peer: ConnectivityPeer;
  /** Allowed connections, netpol-analyzer style: `TCP 8080,UDP 53` or `All Connections`. */
  ports: string;
  /** Connections allow rules grant but a deny rule removes. */
  deniedPorts?: string;
  /** Rules on the source's egress side that allow it (empty when that side is not policed or not isolated). */
  egressAllowedBy: PolicyRuleRef[];
  /** Rules on the destination's ingress side that allow it. */
  ingressAllowedBy: PolicyRuleRef[];
  /** Deny rules that cut the edge. */
  deniedBy: PolicyRuleRef[];
  /** Why a side allows without a rule: the endpoint is not isolated in that direction, or not policed. */
  defaultAllow?: string[];
  /** L7 rules on the edge (recorded, enforced by Cilium's proxy). */
  l7: Array<{ rule: PolicyRuleRef; type: string; rules: unknown[] }>;
}

/**
 * Whether a workload is under default deny per direction, and because of which policies.
 * @public
 */
export interface WorkloadCoverage {
  workload: string;
  ingress: { isolated: boolean; isolatedBy: string[] };
  egress: { isolated: boolean; isolatedBy: string[] };
}

/**
 * One drift finding between the catalog, the policies and the observed traffic.
 * @public
 */
export interface DriftItem {
  /**
   * `declared-not-allowed`: a `dependsOn` no policy allows (it will break);
   * `allowed-not-declared`: a policy allows it but the catalog does not say so;
   * `observed-not-allowed`: live traffic was dropped;
   * `allowed-not-observed`: allowed, but not seen in the live window.
   */
  kind:
    | 'declared-not-allowed'
    | 'allowed-not-declared'
    | 'observed-not-allowed'
    | 'allowed-not-observed';
  direction: 'ingress' | 'egress';
  /** The peer: an entity ref when known, else a workload, range, name or entity. */
  peer: string;
  /** Ports concerned, when known (e.g. `TCP 8443`). */
  ports?: string;
  message: string;
}

/**
 * A problem in a policy or workload source (a file that does not parse, an
 * unrendered template, an invalid policy); the rest still loaded.
 * @public
 */
export interface SourceDiagnostic {
  severity: 'error' | 'warning';
  message: string;
  file?: string;
  line?: number;
  object?: string;
}

/**
 * The answer of `GET /entities/:kind/:namespace/:name/connectivity`.
 * @public
 */
export interface EntityConnectivityResponse {
  entityRef: string;
  /** The cluster this answer is for (`?cluster=`, else the entity's default). */
  cluster: string;
  /** Every cluster the entity runs in, its default first. */
  clusters: string[];
  /** The entity's workloads found in the cluster model. */
  workloads: string[];
  coverage: WorkloadCoverage[];
  ingress: ConnectivityEdge[];
  egress: ConnectivityEdge[];
  drift: DriftItem[];
  /** When the policies were last (re)loaded. */
  policiesLoadedAt: string;
  diagnostics: SourceDiagnostic[];
}

/**
 * The answer of `GET /clusters/:cluster/policy-file?path=…`: one policy file.
 * @public
 */
export interface PolicyFileResponse {
  cluster: string;
  path: string;
  yaml: string;
  url?: string;
}
