import {
  applyPolicyFileChanges,
  InventoryBuilder,
  PolicyEngine,
} from '@cilium-zero-trust/cilium-policy-engine';
import {
  DirectoryManifestSource,
  ManifestSnapshot,
  ManifestSource,
} from '@cilium-zero-trust/plugin-cilium-node';
import type {
  FlowVerdict,
  PeerQuery,
  PolicyRef,
} from '@cilium-zero-trust/cilium-policy-engine';
import type {
  SimPeer,
  SimPolicyRef,
  SimVerdict,
  VerdictSource,
} from './verdicts';

/**
 * VerdictSource backed by the policy engine (@cilium-zero-trust/cilium-policy-engine)
 * over the cluster manifests and the GitOps policies (a folder or a git
 * branch). The policies are re-read when their source's version changes
 * (polled).
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

export interface EngineVerdictSourceOptions {
  /** The cluster's workload manifests (a folder of Kubernetes YAML). */
  clusterDir: string;
  /**
   * Where the policies come from: a folder (`DirectoryManifestSource`) or a
   * branch of the GitOps repository (`GitManifestSource`), so merged changes
   * reach the stand-in exactly as they reach the backend.
   */
  policies: ManifestSource;
  /** Poll period for policy changes, default 2000 ms; 0 = never re-read. */
  pollMs?: number;
  onReload?: (info: { revision: number; error?: Error }) => void;
}

/** Why a policy source could not be read at all (no files and a problem). */
function unreadable(snapshot: ManifestSnapshot): string | undefined {
  if (snapshot.version !== 'missing') return undefined;
  return (
    snapshot.problems.map(p => `${p.source}: ${p.message}`).join('; ') ||
    'cannot be read'
  );
}

export class EngineVerdictSource implements VerdictSource {
  private rev = 1;
  private timer: NodeJS.Timeout | undefined;
  private checking = false;

  /**
   * Reads the workloads and the policies once; rejects when the policy source
   * cannot be read (the caller may wait and try again).
   */
  static async create(
    options: EngineVerdictSourceOptions,
  ): Promise<EngineVerdictSource> {
    const workloads = await new DirectoryManifestSource(
      options.clusterDir,
    ).read();
    const policies = await options.policies.read();
    const problem = unreadable(policies);
    if (problem)
      throw new Error(
        `policies from ${options.policies.description}: ${problem}`,
      );
    return new EngineVerdictSource(options, workloads, policies);
  }

  private engine: PolicyEngine;
  private version: string;
  /** The policy files the engine was built from, by path. */
  private policyTexts = new Map<string, string>();

  private constructor(
    private readonly options: EngineVerdictSourceOptions,
    private readonly workloads: ManifestSnapshot,
    policies: ManifestSnapshot,
  ) {
    this.engine = this.build(policies);
    this.policyTexts = textsOf(policies);
    this.version = policies.version;
    const pollMs = options.pollMs ?? 2000;
    if (pollMs > 0) {
      this.timer = setInterval(() => void this.reloadIfChanged(), pollMs);
      this.timer.unref();
    }
  }

  get revision(): number {
    return this.rev;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Re-reads the policies if their source changed; resolves whether it reloaded. */
  async reloadIfChanged(): Promise<boolean> {
    if (this.checking) return false;
    this.checking = true;
    try {
      const version = await this.options.policies.version();
      if (version === this.version) return false;
      const policies = await this.options.policies.read();
      const problem = unreadable(policies);
      if (problem) throw new Error(problem);
      // Only the changed files when they hold policies alone (a merged
      // request), everything again otherwise.
      this.engine =
        applyPolicyFileChanges(this.engine, this.policyTexts, policies.files)
          ?.engine ?? this.build(policies);
      this.policyTexts = textsOf(policies);
      this.version = policies.version;
      this.rev++;
      this.options.onReload?.({ revision: this.rev });
      return true;
    } catch (e) {
      // Keep the previous policies when the new ones do not load.
      this.options.onReload?.({ revision: this.rev, error: e as Error });
      return false;
    } finally {
      this.checking = false;
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

  private build(policies: ManifestSnapshot): PolicyEngine {
    const builder = new InventoryBuilder();
    for (const f of this.workloads.files)
      builder.addText(f.text, `cluster/${f.path}`);
    for (const f of policies.files) builder.addText(f.text, f.path);
    return new PolicyEngine(builder.build());
  }
}

function textsOf(snapshot: ManifestSnapshot): Map<string, string> {
  return new Map(snapshot.files.map(f => [f.path, f.text]));
}

function query(p: SimPeer): PeerQuery {
  if (p.kind === 'workload')
    return { workload: `${p.namespace}/${p.name}[${p.workloadKind}]` };
  if (p.fqdn) return { fqdn: p.fqdn };
  return { ip: p.ip };
}
