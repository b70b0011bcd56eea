import type { Workload } from '@cilium-zero-trust/cilium-policy-engine';
import type { WorkloadSummary } from '@cilium-zero-trust/plugin-cilium-common';

/**
 * A workload of the policy engine's inventory as the plugins show it
 * (`GET …/workloads`, the Relay stand-in's world): its pod labels, named
 * ports and the manifest file it came from.
 * @public
 */
export function toWorkloadSummary(
  cluster: string,
  workload: Workload,
): WorkloadSummary {
  const source = workload.position?.file?.replace(/^\(workloads\) /, '');
  return {
    cluster,
    namespace: workload.namespace,
    kind: workload.kind,
    name: workload.name,
    podLabels: { ...workload.labels },
    ports: workload.ports.map(p => ({
      name: p.name,
      containerPort: p.port,
      protocol: p.protocol,
    })),
    ...(source ? { source } : {}),
  };
}
