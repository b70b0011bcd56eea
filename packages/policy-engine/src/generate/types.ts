/**
 * Types of the change-request generator: what a request asks for (already
 * resolved from catalog entities to namespaces and label selectors) and what
 * the generator returns.
 */

import type { LabelSelectorObject } from '../selectors/requirements';

/**
 * A Kubernetes LabelSelector as written in a policy.
 *
 * @public
 */
export type GenerateLabelSelector = LabelSelectorObject;

/**
 * Pods of one catalog entity: where they run and how to select them.
 *
 * @public
 */
export interface GenerateWorkloadEnd {
  type: 'workloads';
  /** The catalog entity, e.g. `component:default/checkout`. */
  entityRef: string;
  /** A short name for file and policy names (the entity's name). */
  name: string;
  namespace: string;
  selector: GenerateLabelSelector;
}

/**
 * The destination of a request.
 *
 * @public
 */
export type GenerateTarget =
  | GenerateWorkloadEnd
  | { type: 'fqdn'; name: string }
  | { type: 'cidr'; cidr: string }
  | { type: 'cilium-entity'; entity: string };

/**
 * One requested port or port range.
 *
 * @public
 */
export interface GeneratePort {
  port: number;
  endPort?: number;
  protocol: 'TCP' | 'UDP' | 'SCTP' | 'ANY';
}

/**
 * An HTTP rule (L7) of a request.
 *
 * @public
 */
export interface GenerateHttpRule {
  method?: string;
  path?: string;
}

/**
 * A connectivity request, resolved to Kubernetes terms.
 *
 * @public
 */
export interface GenerateRequest {
  /** Request id, e.g. `req-3f9a1c2e`; it ends up in names, labels and annotations. */
  id: string;
  /** Backstage user entity ref of the requester. */
  requester: string;
  justification: string;
  /** ISO-8601 expiry of a temporary grant. */
  expiresAt?: string;
  source: GenerateWorkloadEnd;
  target: GenerateTarget;
  ports: GeneratePort[];
  http?: GenerateHttpRule[];
  /** Where the cluster's DNS server runs (default: kube-system, `k8s-app=kube-dns`). */
  dns?: { namespace: string; selector: GenerateLabelSelector };
  /** Folder of the GitOps layout the files go into (default `policies`). */
  baseDir?: string;
}

/**
 * A generated policy file.
 *
 * @public
 */
export interface GeneratedPolicy {
  /** Path in the GitOps repository, `policies/<namespace>/<name>.yaml`. */
  path: string;
  /** The file's content (a comment header and one CiliumNetworkPolicy). */
  yaml: string;
  /** The same document as an object. */
  object: Record<string, unknown>;
  /** Which end the policy is on. */
  side: 'egress' | 'ingress';
}

/**
 * Severity of a finding.
 *
 * @public
 */
export type FindingSeverity = 'error' | 'warning' | 'info';

/**
 * Something the generator or the checks found. Errors refuse the request;
 * warnings and infos are shown to requester and reviewers.
 *
 * @public
 */
export interface Finding {
  severity: FindingSeverity;
  /** Stable machine-readable code, e.g. `already-allowed`, `unexpected-edge`. */
  code: string;
  message: string;
  /** Policy refs (`Kind ns/name`) involved, when any. */
  policies?: string[];
}

/**
 * An edge the request is meant to add (the diff must add exactly these).
 *
 * @public
 */
export interface ExpectedEdge {
  /** Source workload id, `ns/name[Kind]`. */
  src: string;
  /** Destination peer id as the engine names it (`ns/name[Kind]`, `name[FQDN]`, `e[Entity]`) or a CIDR. */
  dst: string;
  /** Connections, netpol-analyzer text (`TCP 8443`). */
  conn: string;
  /** `requested`, or `dns` for the DNS companion rule of an FQDN request. */
  kind: 'requested' | 'dns';
}

/**
 * The outcome of {@link generate}.
 *
 * @public
 */
export interface GenerateResult {
  policies: GeneratedPolicy[];
  expected: ExpectedEdge[];
  findings: Finding[];
}

/**
 * One row of a connectivity diff, ready to show.
 *
 * @public
 */
export interface ConnectivityChange {
  src: string;
  dst: string;
  /** Allowed before (`No Connections` when the edge is new). */
  before: string;
  /** Allowed after. */
  after: string;
  /** Whether the change is one the request asked for. */
  expected: boolean;
}

/**
 * The diff of the whole graph, before and after the generated policies.
 *
 * @public
 */
export interface ConnectivityDiff {
  added: ConnectivityChange[];
  removed: ConnectivityChange[];
  changed: ConnectivityChange[];
}
