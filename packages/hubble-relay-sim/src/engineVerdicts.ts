import fs from 'node:fs';
import path from 'node:path';
import { loadDirectory, PolicyEngine } from '@internal/cilium-policy-engine';
import type {
  FlowVerdict,
  PeerQuery,
  PolicyRef,
} from '@internal/cilium-policy-engine';
import type {
  SimPeer,
  SimPolicyRef,
  SimVerdict,
  VerdictSource,
} from './verdicts';

/**
 * VerdictSource backed by the policy engine (@internal/cilium-policy-engine)
 * over the cluster manifests and the GitOps policy folder. The policies are
 * re-read when a file under the folder changes (polled).
 */

type EnginePolicyRef = Pick<PolicyRef, 'kind' | 'namespace' | 'name'>;

interface EngineSide {
  allowed: boolean;
  isolatedBy: EnginePolicyRef[];
  allowedBy: EnginePolicyRef[];
  deniedBy: EnginePolicyRef[];
}

/** The parts of the engine's FlowVerdict that a flow carries. */
export interface EngineFlowVerdict {
  allowed: boolean;
  reason: FlowVerdict['reason'];
  droppedAt?: FlowVerdict['droppedAt'];
  egress: EngineSide;
  ingress: EngineSide;
}

function refs(list: EnginePolicyRef[]): SimPolicyRef[] {
  const seen = new Set<string>();
  const out: SimPolicyRef[] = [];
  for (const r of list) {
    const key = `${r.kind}/${r.namespace ?? ''}/${r.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ kind: r.kind, name: r.name, namespace: r.namespace ?? '' });
  }
  return out;
}

/** Maps the engine's verdict to the fields a Hubble flow carries. */
export function toSimVerdict(v: EngineFlowVerdict): SimVerdict {
  const out: SimVerdict = {
    allowed: v.allowed,
    reason: v.reason,
    ...(v.droppedAt ? { droppedAt: v.droppedAt } : {}),
    egressAllowedBy: v.allowed ? refs(v.egress.allowedBy) : [],
    ingressAllowedBy: v.allowed ? refs(v.ingress.allowedBy) : [],
    egressDeniedBy: [],
    ingressDeniedBy: [],
  };
  if (!v.allowed && v.reason === 'denied') {
    // Like Cilium 1.19: *_denied_by names explicit deny rules. A default-deny
    // drop (POLICY_DENIED) carries no policy; Cilium's attribution for it is
    // still being worked on upstream.
    const side = v.droppedAt === 'ingress' ? v.ingress : v.egress;
    const list = refs(side.deniedBy);
    if (v.droppedAt === 'ingress') out.ingressDeniedBy = list;
    else out.egressDeniedBy = list;
  }
  return out;
}

function signature(dir: string): string {
  const parts: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const st = fs.statSync(p);
        parts.push(`${p}:${st.size}:${st.mtimeMs}`);
      }
    }
  };
  walk(dir);
  return parts.sort().join('|');
}

export interface EngineVerdictSourceOptions {
  clusterDir: string;
  policiesDir: string;
  /** Poll period for policy changes, default 2000 ms; 0 = never re-read. */
  pollMs?: number;
  onReload?: (info: { revision: number; error?: Error }) => void;
}

export class EngineVerdictSource implements VerdictSource {
  private engine: PolicyEngine;
  private rev = 1;
  private sig: string;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: EngineVerdictSourceOptions) {
    this.sig = signature(options.policiesDir);
    this.engine = this.build();
    const pollMs = options.pollMs ?? 2000;
    if (pollMs > 0) {
      this.timer = setInterval(() => this.reloadIfChanged(), pollMs);
      this.timer.unref();
    }
  }

  get revision(): number {
    return this.rev;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Re-reads the policies if a file changed; returns whether it reloaded. */
  reloadIfChanged(): boolean {
    let sig: string;
    try {
      sig = signature(this.options.policiesDir);
    } catch (e) {
      this.options.onReload?.({ revision: this.rev, error: e as Error });
      return false;
    }
    if (sig === this.sig) return false;
    this.sig = sig;
    try {
      this.engine = this.build();
      this.rev++;
      this.options.onReload?.({ revision: this.rev });
      return true;
    } catch (e) {
      // Keep the previous policies when the new ones do not load.
      this.options.onReload?.({ revision: this.rev, error: e as Error });
      return false;
    }
  }

  verdict(
    src: SimPeer,
    dst: SimPeer,
    port: number,
    protocol: 'TCP' | 'UDP' | 'SCTP',
  ): SimVerdict {
    return toSimVerdict(
      this.engine.evaluate(query(src), query(dst), port, protocol),
    );
  }

  private build(): PolicyEngine {
    return new PolicyEngine(
      loadDirectory([this.options.clusterDir, this.options.policiesDir]),
    );
  }
}

function query(p: SimPeer): PeerQuery {
  if (p.kind === 'workload')
    return { workload: `${p.namespace}/${p.name}[${p.workloadKind}]` };
  if (p.fqdn) return { fqdn: p.fqdn };
  return { ip: p.ip };
}
