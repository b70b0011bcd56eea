import type { Workload } from '../model/inventory';
import type { GenerateLabelSelector } from './types';
import { labelsMatch, requirementsOf } from '../selectors/requirements';

/** The workloads of a namespace that a selector picks. */
export function selectWorkloads(
  workloads: readonly Workload[],
  namespace: string,
  selector: GenerateLabelSelector,
): Workload[] {
  const requirements = requirementsOf(selector);
  return workloads.filter(
    w => w.namespace === namespace && labelsMatch(requirements, w.labels),
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
