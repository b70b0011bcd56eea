import type { Selector } from '../selectors/selector';
import type { EntityName } from './entities';
import type { IpRange } from './ip';

/**
 * Policy object kinds.
 *
 * @public
 */
export type PolicyKind =
  | 'CiliumNetworkPolicy'
  | 'CiliumClusterwideNetworkPolicy'
  | 'NetworkPolicy';

/**
 * Traffic direction, seen from the selected (subject) endpoint.
 *
 * @public
 */
export type Direction = 'ingress' | 'egress';

/**
 * Rule sections of a Cilium rule.
 *
 * @public
 */
export type Section = 'ingress' | 'egress' | 'ingressDeny' | 'egressDeny';

export {
  ENTITIES,
  PEER_ENTITIES,
  REQUESTABLE_ENTITIES,
  PLATFORM_ONLY_ENTITIES,
  isPeerEntity,
} from './entities';
export type { EntityName, PeerEntity, RequestableEntity } from './entities';

/**
 * Identifies a policy object.
 *
 * @public
 */
export interface PolicyRef {
  kind: PolicyKind;
  /** Undefined for CCNP. */
  namespace?: string;
  name: string;
  /** Source file, when loaded from disk. */
  file?: string;
}

/**
 * Identifies one element of one section of one rule of a policy (the provenance of a grant).
 *
 * @public
 */
export interface RuleRef extends PolicyRef {
  /** Index of the rule: 0 for `spec`, then `specs[i]` as 1+i when both exist; for KNP always 0. */
  ruleIndex: number;
  section: Section;
  /** Index in the section list (for KNP: index in `ingress`/`egress`; -1 for a synthetic default-deny entry). */
  elementIndex: number;
  direction: Direction;
  deny: boolean;
}

/**
 * L7 rules attached to a `toPorts` element (recorded on the edge, not enforced).
 *
 * @public
 */
export interface L7Rules {
  type: 'http' | 'kafka' | 'dns' | 'l7';
  l7proto?: string;
  rules: unknown[];
}

/**
 * One port entry of a rule element.
 *
 * @public
 */
export interface PortRule {
  /** `ANY` = TCP+UDP+SCTP. */
  protocol: 'TCP' | 'UDP' | 'SCTP' | 'ANY' | 'ICMP' | 'ICMPv6';
  /** Numeric port (or ICMP type); undefined or 0 = all ports. */
  port?: number;
  endPort?: number;
  /** Named port, resolved against the destination's container ports. */
  name?: string;
  l7?: L7Rules;
  /** TLS SNI allow-list (recorded). */
  serverNames?: string[];
}

/**
 * A peer of a rule element.
 *
 * @public
 */
export type PeerSpec =
  | { type: 'endpoints'; selector: Selector }
  | { type: 'entities'; entities: EntityName[] }
  | { type: 'cidr'; ranges: IpRange[]; text: string }
  | { type: 'cidrGroup'; ref?: string; selector?: Selector; except: IpRange[] }
  | { type: 'fqdn'; matchName?: string; matchPattern?: string }
  | {
      type: 'service';
      serviceName?: string;
      selector?: Selector;
      namespace?: string;
    }
  | { type: 'nodes'; selector: Selector }
  | { type: 'unsupported'; field: string; reason: string };

/**
 * One element of an `ingress`/`egress`/`ingressDeny`/`egressDeny` list, after translation.
 *
 * @public
 */
export interface RuleElement {
  ref: RuleRef;
  /** `'any'` = every peer (no L3 field given, e.g. toPorts only, or KNP without from/to). */
  peers: PeerSpec[] | 'any';
  /** `'all'` = all protocols and ports (no toPorts/icmps given). */
  ports: PortRule[] | 'all';
}

/**
 * One Cilium rule (a `spec` or an entry of `specs`, or a translated KNP).
 *
 * @public
 */
export interface PolicyRule {
  policy: PolicyRef;
  ruleIndex: number;
  /** Subject endpoint selector with namespace defaulting applied; undefined for host rules. */
  subject?: Selector;
  /** Host policy node selector (CCNP only): parsed and reported, not applied to pods. */
  nodeSelector?: Selector;
  sections: Partial<Record<Section, RuleElement[]>>;
  /** Whether the rule puts selected endpoints into default deny, per direction. */
  defaultDeny: Record<Direction, boolean>;
  description?: string;
}

/**
 * A parsed, validated policy object.
 *
 * @public
 */
export interface Policy {
  ref: PolicyRef;
  rules: PolicyRule[];
  /** Non-fatal remarks (e.g. unsupported peer kinds that were ignored). */
  warnings: string[];
  /** Raw object (for lint and generate). */
  raw: Record<string, unknown>;
  /** Position of the document in its file. */
  position?: SourcePosition;
}

/**
 * Position of a document inside a file.
 *
 * @public
 */
export interface SourcePosition {
  file?: string;
  /** 0-based document index in a multi-document file. */
  document: number;
  /** 1-based line and column. */
  line: number;
  column: number;
}

/**
 * Formats a policy reference as `Kind ns/name`.
 *
 * @public
 */
export function formatPolicyRef(p: PolicyRef): string {
  return `${p.kind} ${p.namespace ? `${p.namespace}/` : ''}${p.name}`;
}

/**
 * Formats a rule reference, e.g. `CiliumNetworkPolicy a/allow-db rule 0 egress[1]`.
 *
 * @public
 */
export function formatRuleRef(r: RuleRef): string {
  const idx = r.elementIndex < 0 ? '' : `[${r.elementIndex}]`;
  return `${formatPolicyRef(r)} rule ${r.ruleIndex} ${r.section}${idx}`;
}
