/**
 * The engine's browser-safe rules: Kubernetes label-selector semantics, Cilium
 * entity names, DNS name patterns and CIDR parsing, with no I/O and no YAML.
 * Import them from `@cilium-zero-trust/cilium-policy-engine/rules` in code
 * that runs in a browser (through `@cilium-zero-trust/plugin-cilium-common`);
 * the package's main entry point exports them too.
 *
 * @packageDocumentation
 */

export {
  isValidLabelKey,
  isValidLabelValue,
  labelsMatch,
  requirementHolds,
  requirementsMatch,
  requirementsOf,
  selectorObjectOf,
} from './selectors/requirements';
export type {
  LabelRequirement,
  LabelSelectorObject,
  SelectorOperator,
} from './selectors/requirements';
export {
  ENTITIES,
  PEER_ENTITIES,
  PLATFORM_ONLY_ENTITIES,
  REQUESTABLE_ENTITIES,
  isPeerEntity,
} from './model/entities';
export type {
  EntityName,
  PeerEntity,
  RequestableEntity,
} from './model/entities';
export { compileDnsPattern, dnsCovers } from './evaluate/fqdn';
export type { DnsPattern } from './evaluate/fqdn';
export { CidrError, parseAddress, parseCidr, rangeInside } from './model/ip';
export type { IpFamily, IpRange } from './model/ip';
