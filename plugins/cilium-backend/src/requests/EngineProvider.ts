import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { loadDirectory, PolicyEngine } from './engine';

interface ClusterSources {
  policies?: string;
  workloads?: string;
}

/**
 * Builds the connectivity engine of a cluster from its configured policy
 * source and workload manifests (`cilium.clusters[].policies/workloads`),
 * cached for a few seconds so a burst of previews reads the files once.
 */
export class EngineProvider {
  private readonly cache = new Map<
    string,
    { at: number; engine: PolicyEngine }
  >();

  static fromConfig(
    config: Config,
    options: { ttlMs?: number } = {},
  ): EngineProvider {
    const sources = new Map<string, ClusterSources>();
    for (const c of config.getOptionalConfigArray('cilium.clusters') ?? []) {
      sources.set(c.getString('name'), {
        policies: c.getOptionalString('policies.path'),
        workloads: c.getOptionalString('workloads.path'),
      });
    }
    return new EngineProvider(sources, options.ttlMs ?? 5000);
  }

  constructor(
    private readonly sources: Map<string, ClusterSources>,
    private readonly ttlMs: number,
  ) {}

  /** The folder of the cluster's policy source, if it is a directory. */
  policiesPath(cluster: string): string | undefined {
    return this.sources.get(cluster)?.policies;
  }

  /** The engine of a cluster; InputError when the cluster has no policy source or workloads configured. */
  engine(cluster: string): PolicyEngine {
    const hit = this.cache.get(cluster);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.engine;
    const s = this.sources.get(cluster);
    if (!s?.policies || !s.workloads) {
      throw new InputError(
        `Cluster "${cluster}" needs cilium.clusters[].policies.path and workloads.path configured before requests can be generated and tested`,
      );
    }
    const engine = new PolicyEngine(loadDirectory([s.policies, s.workloads]), {
      clusterName: cluster,
    });
    this.cache.set(cluster, { at: Date.now(), engine });
    return engine;
  }

  /** Forgets cached engines (after a merge changed the policy source). */
  invalidate(): void {
    this.cache.clear();
  }
}
