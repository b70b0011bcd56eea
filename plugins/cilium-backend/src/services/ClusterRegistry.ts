import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { DirectoryManifestSource, HubbleTlsOptions } from '@internal/plugin-cilium-node';
import { ClusterModel } from './ClusterModel';

/** One configured cluster and its sources. */
export interface ClusterEntry {
  name: string;
  hubble?: { address: string; tls?: HubbleTlsOptions };
  /** The policies and workloads, evaluated. */
  model: ClusterModel;
  /** Link template for policy files, with `{path}`. */
  policyUrl?: string;
}

/**
 * The clusters configured under `cilium.clusters`, in order; the first is the
 * default for entities that do not name one.
 */
export class ClusterRegistry {
  static fromConfig(config: Config, logger: LoggerService): ClusterRegistry {
    const clusters = (config.getOptionalConfigArray('cilium.clusters') ?? []).map(c => {
      const name = c.getString('name');
      const policiesPath = c.getOptionalString('policies.path');
      const workloadsPath = c.getOptionalString('workloads.path');
      return {
        name,
        hubble: c.has('hubble')
          ? {
              address: c.getString('hubble.address'),
              tls: c.getOptionalBoolean('hubble.tls.enabled')
                ? {
                    enabled: true,
                    caFile: c.getOptionalString('hubble.tls.caFile'),
                    certFile: c.getOptionalString('hubble.tls.certFile'),
                    keyFile: c.getOptionalString('hubble.tls.keyFile'),
                    serverName: c.getOptionalString('hubble.tls.serverName'),
                  }
                : undefined,
            }
          : undefined,
        policyUrl: c.getOptionalString('policies.url'),
        model: new ClusterModel({
          cluster: name,
          policies: policiesPath ? new DirectoryManifestSource(policiesPath) : undefined,
          workloads: workloadsPath ? new DirectoryManifestSource(workloadsPath) : undefined,
          logger,
          minCheckIntervalMs: (c.getOptionalNumber('policies.refreshSeconds') ?? 5) * 1000,
        }),
      };
    });
    const seen = new Set<string>();
    for (const c of clusters) {
      if (seen.has(c.name)) {
        throw new Error(`cilium.clusters: the cluster name "${c.name}" is used twice`);
      }
      seen.add(c.name);
    }
    return new ClusterRegistry(clusters);
  }

  constructor(private readonly clusters: ClusterEntry[]) {}

  all(): ClusterEntry[] {
    return [...this.clusters];
  }

  names(): string[] {
    return this.clusters.map(c => c.name);
  }

  defaultCluster(): string {
    return this.clusters[0]?.name ?? 'default';
  }

  get(name: string): ClusterEntry {
    const found = this.clusters.find(c => c.name === name);
    if (!found) {
      throw new InputError(
        `The entity names cluster "${name}", which is not configured under cilium.clusters (configured: ${
          this.names().join(', ') || 'none'
        })`,
      );
    }
    return found;
  }
}
