import { LoggerService } from '@backstage/backend-plugin-api';
import {
  matchesLabelSelector,
  WorkloadIdentity,
  WorkloadSummary,
} from '@internal/plugin-cilium-common';
import { ClusterRegistry } from './ClusterRegistry';

/** Finds the workloads that belong to a workload identity. */
export class WorkloadService {
  constructor(
    private readonly clusters: ClusterRegistry,
    private readonly logger: LoggerService,
  ) {}

  async workloadsFor(identity: WorkloadIdentity): Promise<WorkloadSummary[]> {
    const cluster = this.clusters.get(identity.cluster);
    if (!cluster.workloads) return [];
    const { workloads, problems } = await cluster.workloads.listWorkloads();
    for (const p of problems) {
      this.logger.warn(`Workload inventory of cluster ${cluster.name}: ${p.source}: ${p.message}`);
    }
    return workloads.filter(
      w =>
        w.namespace === identity.namespace &&
        matchesLabelSelector(identity.requirements, w.podLabels),
    );
  }
}
