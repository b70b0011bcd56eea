import { WorkloadIdentity } from './workloadIdentity';

/**
 * A named container port of a workload.
 * @public
 */
export interface WorkloadPort {
  name?: string;
  containerPort: number;
  protocol: 'TCP' | 'UDP' | 'SCTP';
}

/**
 * A workload (grouped by its top-level owner) as the plugins show it.
 * @public
 */
export interface WorkloadSummary {
  cluster: string;
  namespace: string;
  /** Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob or Pod. */
  kind: string;
  name: string;
  /** The pod template's labels. */
  podLabels: Record<string, string>;
  ports: WorkloadPort[];
  /** Where the manifest came from, e.g. a file path relative to the inventory root. */
  source?: string;
}

/**
 * The answer of `GET /entities/:kind/:namespace/:name/workloads`.
 * @public
 */
export interface EntityWorkloadsResponse {
  entityRef: string;
  identity: WorkloadIdentity;
  workloads: WorkloadSummary[];
}

/**
 * The answer of `GET /health`.
 * @public
 */
export interface CiliumHealthResponse {
  status: 'ok';
  clusters: string[];
}
