/**
 * The one place the requests code imports the policy engine from.
 */
export {
  PolicyEngine,
  loadDirectory,
  describePorts,
  isPeerEntity,
  planChange,
  selectorObjectOf,
  withPolicies,
} from '@cilium-zero-trust/cilium-policy-engine';
export type {
  ChangePlan,
  GenerateLabelSelector,
  GenerateRequest,
  GenerateTarget,
  PeerQuery,
} from '@cilium-zero-trust/cilium-policy-engine';
