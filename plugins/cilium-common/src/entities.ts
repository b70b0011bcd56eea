/**
 * Cilium entity names, as the policy engine defines them (one list for the
 * guardrails, the engine and the request form).
 */
export {
  ENTITIES,
  REQUESTABLE_ENTITIES,
} from '@cilium-zero-trust/cilium-policy-engine/rules';
export type {
  EntityName,
  RequestableEntity,
} from '@cilium-zero-trust/cilium-policy-engine/rules';
