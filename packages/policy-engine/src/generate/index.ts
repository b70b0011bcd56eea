/**
 * The change-request generator: a connectivity request → the least-privilege
 * CiliumNetworkPolicy pair, guardrails, and the connectivity-diff test.
 */
export * from './types';
export * from './naming';
export {
  DEFAULT_DNS_SERVER,
  describePorts,
  generate,
  requestedConnections,
} from './generate';
export { checkRequest, sanitize } from './guardrails';
export { verifyDiff } from './verify';
export { allowsEdge, planChange, planFiles, withPolicies } from './plan';
export type { ChangePlan } from './plan';
