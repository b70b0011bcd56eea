import {
  matchesLabelSelector,
  WorkloadIdentity,
  WorkloadSummary,
} from '@cilium-zero-trust/plugin-cilium-common';
import type { Workload } from '@cilium-zero-trust/cilium-policy-engine';
import { toWorkloadSummary } from '@cilium-zero-trust/plugin-cilium-node';
import { ClusterRegistry } from './ClusterRegistry';

/** The engine's workloads that a workload identity selects. */
export function selectWorkloads(
  workloads: readonly Workload[],
  identity: WorkloadIdentity,
): Workload[] {
  return workloads.filter(
    w =>
      w.namespace === identity.namespace &&
      matchesLabelSelector(identity.requirements, w.labels),
  );
}

/** Finds the workloads that belong to a workload identity. */
export class WorkloadService {
  constructor(private readonly clusters: ClusterRegistry) {}

  async workloadsFor(identity: WorkloadIdentity): Promise<WorkloadSummary[]> {
    const cluster = this.clusters.get(identity.cluster);
    const { engine } = await cluster.model.current();
    return selectWorkloads(engine.workloads, identity).map(w =>
      toWorkloadSummary(cluster.name, w),
    );
  }
}
