/**
 * The one place the requests code imports the policy engine from.
 */
export {
  PolicyEngine,
  loadDirectory,
  describePorts,
  planChange,
  withPolicies,
} from '@internal/cilium-policy-engine';
export type {
  ChangePlan,
  GenerateLabelSelector,
  GenerateRequest,
  GenerateTarget,
  PeerQuery,
} from '@internal/cilium-policy-engine';
