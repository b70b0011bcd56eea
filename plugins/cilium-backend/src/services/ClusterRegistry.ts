import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { ScmIntegrations } from '@backstage/integration';
import {
  ConfiguredManifestSource,
  HubbleTlsOptions,
} from '@cilium-zero-trust/plugin-cilium-node';
import { ClusterModel, ClusterReload } from './ClusterModel';
import { ManifestSourceRegistry } from './sources/ManifestSourceRegistry';

/** One configured cluster and its sources. */
export interface ClusterEntry {
  name: string;
  hubble?: { address: string; tls?: HubbleTlsOptions };
  /** The policies and workloads, evaluated. */
  model: ClusterModel;
  /** Link template for policy files, with `{path}`. */
  policyUrl?: string;
  /**
   * The cluster's folder in the GitOps repository requests are published to
   * (`cilium.clusters[].requests.path`; default: the git policy source's
   * `path`, else `policies`). Absent: `policies`.
   */
  requestsPath?: string;
}

/** A folder path in a repository: relative, no `..`, no empty segment. */
const REPOSITORY_FOLDER = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

/** Reads `requests.path` of one cluster (see {@link ClusterEntry.requestsPath}). */
export function requestsPathFromConfig(cluster: Config, key: string): string {
  const explicit = cluster.getOptionalString('requests.path');
  const gitPath =
    cluster.getOptionalString('policies.type') === 'git'
      ? cluster.getOptionalString('policies.path')
      : undefined;
  const text = (explicit ?? gitPath ?? '').replace(/^\/+|\/+$/g, '');
  if (explicit === undefined && !text) return 'policies';
  if (
    text.length > 200 ||
    !REPOSITORY_FOLDER.test(text) ||
    text.split('/').some(part => part === '..' || part === '.')
  ) {
    throw new Error(
      `${key}: ${JSON.stringify(
        text.slice(0, 200),
      )} is not a folder of the GitOps repository; give a relative path such as clusters/prod/policies (letters, digits, '.', '_', '-', '/'; no '..')`,
    );
  }
  return text;
}

const TLS_SETTINGS = ['caFile', 'certFile', 'keyFile', 'serverName'] as const;

/**
 * Reads `hubble.tls` of one cluster. Any of caFile, certFile, keyFile or
 * serverName implies TLS: without `enabled`, TLS is on; with `enabled: false`
 * the config is refused (it would silently mean plaintext). A client
 * certificate needs its key and the other way round.
 */
export function hubbleTlsFromConfig(
  cluster: Config,
  key: string,
): HubbleTlsOptions | undefined {
  const enabled = cluster.getOptionalBoolean('hubble.tls.enabled');
  const settings = Object.fromEntries(
    TLS_SETTINGS.map(s => [s, cluster.getOptionalString(`hubble.tls.${s}`)]),
  ) as Record<(typeof TLS_SETTINGS)[number], string | undefined>;
  const given = TLS_SETTINGS.filter(s => settings[s] !== undefined);
  if (enabled === false && given.length) {
    throw new Error(
      `${key}: ${given.join(
        ', ',
      )} set but enabled is false, which would connect to Hubble Relay in plaintext; remove enabled: false (TLS is implied) or remove ${
        given.length > 1 ? 'those settings' : 'that setting'
      }`,
    );
  }
  if ((settings.certFile === undefined) !== (settings.keyFile === undefined)) {
    throw new Error(
      `${key}: mutual TLS needs both certFile and keyFile; only ${
        settings.certFile !== undefined ? 'certFile' : 'keyFile'
      } is set`,
    );
  }
  if (!enabled && !given.length) return undefined;
  return { enabled: true, ...settings };
}

/**
 * The clusters configured under `cilium.clusters`, in order; the first is the
 * default for entities that do not name one.
 */
export class ClusterRegistry {
  /**
   * @param sources - the source types (default: the built-in ones); the
   *   plugin passes the registry modules added their types to.
   * @param onReload - told about every reload of a cluster's sources (metrics).
   */
  static fromConfig(
    config: Config,
    logger: LoggerService,
    sources: ManifestSourceRegistry = ManifestSourceRegistry.withBuiltins(),
    onReload?: (reload: ClusterReload) => void,
  ): ClusterRegistry {
    const integrations = ScmIntegrations.fromConfig(config);
    const clusters = (
      config.getOptionalConfigArray('cilium.clusters') ?? []
    ).map((c, i) => {
      const name = c.getString('name');
      const source = (
        role: 'policies' | 'workloads',
      ): ConfiguredManifestSource | undefined =>
        c.has(role)
          ? sources.create(c.getConfig(role), {
              role,
              key: `cilium.clusters[${i}].${role}`,
              logger,
              integrations,
            })
          : undefined;
      const policies = source('policies');
      const workloads = source('workloads');
      const wanted = [policies?.checkSeconds, workloads?.checkSeconds].filter(
        (v): v is number => v !== undefined,
      );
      const checkSeconds = wanted.length ? Math.min(...wanted) : 5;
      return {
        name,
        hubble: c.has('hubble')
          ? {
              address: c.getString('hubble.address'),
              tls: hubbleTlsFromConfig(c, `cilium.clusters[${i}].hubble.tls`),
            }
          : undefined,
        policyUrl: policies?.fileUrl,
        requestsPath: requestsPathFromConfig(
          c,
          `cilium.clusters[${i}].requests.path`,
        ),
        model: new ClusterModel({
          cluster: name,
          policies: policies?.source,
          workloads: workloads?.source,
          logger,
          minCheckIntervalMs: checkSeconds * 1000,
          onReload,
        }),
      };
    });
    const seen = new Set<string>();
    for (const c of clusters) {
      if (seen.has(c.name)) {
        throw new Error(
          `cilium.clusters: the cluster name "${c.name}" is used twice`,
        );
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
