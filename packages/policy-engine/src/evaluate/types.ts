import type { ConnSet } from '../model/connset';
import type { IpFamily } from '../model/ip';
import type {
  L7Rules,
  PeerEntity,
  RuleRef,
  PolicyRef,
  Direction,
} from '../model/policy';
import type { Workload } from '../model/inventory';

/**
 * A node of the connectivity graph.
 *
 * @public
 */
export type Peer =
  | { type: 'workload'; id: string; workload: Workload }
  | {
      type: 'external';
      id: string;
      family: IpFamily;
      start: bigint;
      end: bigint;
    }
  | { type: 'entity'; id: string; entity: PeerEntity }
  | { type: 'fqdn'; id: string; pattern: string };

/**
 * Why a part of a connection is allowed or denied on one side.
 *
 * @public
 */
export interface Grant {
  /** The connections this rule element grants (or denies) towards this peer. */
  conn: ConnSet;
  rule: RuleRef;
  /** L7 rules on those ports, when the element carries some. */
  l7?: Array<{ conn: ConnSet; rules: L7Rules }>;
  /** Set when the grant exists but has no effect (e.g. toFQDNs without a DNS proxy rule). */
  ineffective?: string;
}

/**
 * The verdict of one side (egress of the source or ingress of the destination).
 *
 * @public
 */
export interface SideResult {
  direction: Direction;
  /** Is the endpoint in default deny for this direction? */
  isolated: boolean;
  /** Policies that put it in default deny. */
  isolatedBy: PolicyRef[];
  /** Allowed connections on this side (after denies). */
  conn: ConnSet;
  /** Connections granted before deny rules are applied. */
  granted: ConnSet;
  /** Allow rules matching the peer (listed even when the side is not isolated). */
  allowedBy: Grant[];
  /** Deny rules matching the peer. */
  deniedBy: Grant[];
  /** Allowed by a built-in default rather than a rule (not isolated, or allow-localhost). */
  defaultAllow?: 'not-isolated' | 'allow-localhost';
}

/**
 * An edge of the graph: what `src` may open towards `dst`.
 *
 * @public
 */
export interface Edge {
  src: Peer;
  dst: Peer;
  /** Allowed connections: egress ∩ ingress, denies removed. */
  conn: ConnSet;
  /** Egress side of the source (undefined for external/entity sources, which the cluster does not police). */
  egress?: SideResult;
  /** Ingress side of the destination (undefined for external/FQDN/entity destinations). */
  ingress?: SideResult;
  /** Connections that allow rules would grant but a deny rule removes. */
  denied: ConnSet;
}

/**
 * The whole graph.
 *
 * @public
 */
export interface Graph {
  peers: Peer[];
  /** Edges with a non-empty `conn` or a non-empty `denied`. */
  edges: Edge[];
}
