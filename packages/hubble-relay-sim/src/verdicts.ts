/**
 * What the synthetic generator asks for each flow: would the current policies
 * let `src` reach `dst` on `port/protocol`, and which policies decided.
 * The production implementation wraps the policy engine (engineVerdicts.ts).
 */

export type SimPeer =
  | {
      kind: 'workload';
      namespace: string;
      name: string;
      workloadKind: string;
      labels: Record<string, string>;
      serviceAccount?: string;
    }
  | { kind: 'external'; ip: string; fqdn?: string };

export interface SimPolicyRef {
  kind: string;
  name: string;
  /** Empty for cluster-wide policies. */
  namespace: string;
}

export interface SimVerdict {
  allowed: boolean;
  /** `denied` = an explicit deny rule; `default-deny` = isolated and nothing allowed it. */
  reason: 'allowed' | 'denied' | 'default-deny';
  droppedAt?: 'egress' | 'ingress';
  egressAllowedBy: SimPolicyRef[];
  ingressAllowedBy: SimPolicyRef[];
  egressDeniedBy: SimPolicyRef[];
  ingressDeniedBy: SimPolicyRef[];
}

export interface VerdictSource {
  verdict(
    src: SimPeer,
    dst: SimPeer,
    port: number,
    protocol: 'TCP' | 'UDP' | 'SCTP',
  ): SimVerdict;
  /** Increases whenever the policies behind the verdicts change. */
  readonly revision: number;
}
