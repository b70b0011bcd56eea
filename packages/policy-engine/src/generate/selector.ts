import type { Workload } from '../model/inventory';
import type { GenerateLabelSelector } from './types';

/** Whether a workload's pod labels satisfy a Kubernetes label selector. */
export function workloadMatches(
  selector: GenerateLabelSelector,
  labels: Record<string, string>,
): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[k] !== v) return false;
  }
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (!has || !values.includes(labels[e.key])) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[e.key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** The workloads of a namespace that a selector picks. */
export function selectWorkloads(
  workloads: readonly Workload[],
  namespace: string,
  selector: GenerateLabelSelector,
): Workload[] {
  return workloads.filter(
    w => w.namespace === namespace && workloadMatches(selector, w.labels),
  );
}

/** A selector for a peer in another (or the same) namespace: the namespace is made explicit. */
export function peerSelector(
  namespace: string,
  selector: GenerateLabelSelector,
): Record<string, unknown> {
  const matchLabels: Record<string, string> = {
    'k8s:io.kubernetes.pod.namespace': namespace,
    ...(selector.matchLabels ?? {}),
  };
  return {
    matchLabels,
    ...(selector.matchExpressions?.length
      ? { matchExpressions: selector.matchExpressions.map(copyExpression) }
      : {}),
  };
}

/** A subject selector (the policy's own namespace is implied). */
export function subjectSelector(
  selector: GenerateLabelSelector,
): Record<string, unknown> {
  return {
    ...(selector.matchLabels && Object.keys(selector.matchLabels).length
      ? { matchLabels: { ...selector.matchLabels } }
      : {}),
    ...(selector.matchExpressions?.length
      ? { matchExpressions: selector.matchExpressions.map(copyExpression) }
      : {}),
  };
}

function copyExpression(
  e: NonNullable<GenerateLabelSelector['matchExpressions']>[number],
) {
  return {
    key: e.key,
    operator: e.operator,
    ...(e.operator === 'In' || e.operator === 'NotIn'
      ? { values: [...(e.values ?? [])] }
      : {}),
  };
}
