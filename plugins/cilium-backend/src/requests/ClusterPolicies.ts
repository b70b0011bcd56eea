import { InputError, ServiceUnavailableError } from '@backstage/errors';
import { ClusterRegistry } from '../services/ClusterRegistry';
import type { ClusterSnapshot } from '../services/ClusterModel';
import { PolicyEngine } from '@cilium-zero-trust/cilium-policy-engine';

/**
 * The requests' view of each cluster's policies: the same evaluated snapshot the
 * Network tab uses (`cilium.clusters[].policies` of any source type —
 * directory, git, kubernetes — and `workloads`), so a request is generated
 * and tested against exactly what the tab shows, and "enforced" means the
 * configured policy source now contains the change.
 */
export class ClusterPolicies {
  constructor(private readonly clusters: ClusterRegistry) {}

  private async snapshot(cluster: string): Promise<ClusterSnapshot> {
    const { model } = this.clusters.get(cluster);
    if (!model.complete) {
      throw new InputError(
        `Cluster "${cluster}" needs cilium.clusters[].policies and workloads configured before requests can be generated and tested`,
      );
    }
    return model.current();
  }

  /**
   * The policy engine evaluating a cluster's policies. ServiceUnavailableError while its policy source
   * cannot be read: an empty policy set would make every request look
   * already allowed.
   */
  async engineFor(cluster: string): Promise<PolicyEngine> {
    const snapshot = await this.snapshot(cluster);
    if (snapshot.policiesUnavailable) {
      throw new ServiceUnavailableError(
        `The policies of cluster "${cluster}" cannot be read right now (${snapshot.policiesUnavailable}); try again when the policy source is back`,
      );
    }
    return snapshot.engine;
  }

  /**
   * The policy source's files by path relative to its root (for a git source,
   * relative to its `path`), or undefined while the source cannot be read.
   */
  async policyFiles(cluster: string): Promise<Map<string, string> | undefined> {
    const snapshot = await this.snapshot(cluster);
    return snapshot.policiesUnavailable ? undefined : snapshot.policyFiles;
  }

  /** The configured clusters, in order. */
  names(): string[] {
    return this.clusters.names();
  }

  /**
   * Where a generated file (`policies/<namespace>/<name>.yaml`) of `cluster`
   * goes in the GitOps repository: under the cluster's folder
   * (`cilium.clusters[].requests.path`).
   */
  repositoryPath(cluster: string, generatedPath: string): string {
    const folder = this.clusters.get(cluster).requestsPath ?? 'policies';
    return generatedPath.replace(/^policies\//, `${folder}/`);
  }

  /**
   * The names a request file of `cluster` may have in the cluster's policy
   * source, whose files are relative to its root (usually the cluster's
   * folder): relative to that folder, relative to `policies/` (files filed
   * before the folder was configurable), or the full repository path (a
   * source rooted at the repository's top).
   */
  sourcePaths(cluster: string, repositoryPath: string): string[] {
    const folder = this.clusters.get(cluster).requestsPath ?? 'policies';
    const out: string[] = [];
    for (const prefix of [`${folder}/`, 'policies/']) {
      if (repositoryPath.startsWith(prefix))
        out.push(repositoryPath.slice(prefix.length));
    }
    out.push(repositoryPath);
    return out;
  }

  /** Asks every cluster's sources for their versions again on next use (after a merge). */
  invalidate(): void {
    for (const c of this.clusters.all()) c.model.recheck();
  }
}
