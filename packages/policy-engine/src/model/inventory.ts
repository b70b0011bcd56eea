import type { Policy, SourcePosition } from './policy';
import type { Selector } from '../selectors/selector';
import type { IpRange } from './ip';

/**
 * Workload kinds (top-level owners of pods).
 *
 * @public
 */
export type WorkloadKind =
  | 'Pod'
  | 'Deployment'
  | 'StatefulSet'
  | 'DaemonSet'
  | 'ReplicaSet'
  | 'Job'
  | 'CronJob'
  | 'ReplicationController'
  | 'DeploymentConfig';

/**
 * A named container port.
 *
 * @public
 */
export interface ContainerPort {
  name?: string;
  port: number;
  protocol: 'TCP' | 'UDP' | 'SCTP';
}

/**
 * A workload: pods grouped by their top-level owner.
 *
 * @public
 */
export interface Workload {
  /** `ns/name[Kind]`. */
  id: string;
  namespace: string;
  name: string;
  kind: WorkloadKind;
  /** Pod labels (no source prefix). */
  labels: Record<string, string>;
  serviceAccount: string;
  ports: ContainerPort[];
  position?: SourcePosition;
}

/**
 * A namespace and its labels (`kubernetes.io/metadata.name` is always set).
 *
 * @public
 */
export interface Namespace {
  name: string;
  labels: Record<string, string>;
}

/**
 * A Kubernetes Service (for toServices).
 *
 * @public
 */
export interface Service {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  /** Pod selector; undefined for selector-less services. */
  selector?: Record<string, string>;
  /** IPs from EndpointSlices/externalIPs of selector-less services, if known. */
  addresses: IpRange[];
}

/**
 * A CiliumCIDRGroup.
 *
 * @public
 */
export interface CidrGroup {
  name: string;
  labels: Record<string, string>;
  cidrs: IpRange[];
}

/**
 * A problem found while reading input.
 *
 * @public
 */
export interface Diagnostic {
  severity: 'error' | 'warning';
  message: string;
  file?: string;
  line?: number;
  column?: number;
  document?: number;
  /** `Kind ns/name` when known. */
  object?: string;
  /** Classification: yaml syntax error, unrendered template, invalid policy, unsupported feature... */
  code:
    | 'yaml'
    | 'template'
    | 'invalid-policy'
    | 'unsupported'
    | 'invalid-object'
    | 'ignored';
}

/**
 * Everything the engine reads: policies, workloads, namespaces, services.
 *
 * @public
 */
export interface Inventory {
  policies: Policy[];
  workloads: Workload[];
  namespaces: Namespace[];
  services: Service[];
  cidrGroups: CidrGroup[];
  diagnostics: Diagnostic[];
  /** Count of documents per kind that were seen (including ignored kinds). */
  kinds: Record<string, number>;
}

/** Selector helper type re-exported for inventory consumers. */
export type { Selector };
