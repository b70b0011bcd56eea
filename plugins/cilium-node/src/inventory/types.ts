import { WorkloadSummary } from '@internal/plugin-cilium-common';

/**
 * A problem found while loading an inventory or policy source; loading goes on.
 * @public
 */
export interface SourceProblem {
  /** The file (relative to the source root) or object the problem is in. */
  source: string;
  message: string;
}

/**
 * Lists the workloads of one cluster.
 * @public
 */
export interface WorkloadInventory {
  listWorkloads(): Promise<{
    workloads: WorkloadSummary[];
    problems: SourceProblem[];
  }>;
}
