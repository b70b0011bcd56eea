import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { ScmIntegrationRegistry } from '@backstage/integration';
import {
  DirectoryManifestSource,
  GitManifestSource,
  KubernetesManifestSource,
  ManifestSource,
} from '@cilium-zero-trust/plugin-cilium-node';

/** Which block of a cluster a source comes from. */
export type SourceRole = 'policies' | 'workloads';

/** A source built from config, and how often the cluster model should ask it for its version. */
export interface ConfiguredSource {
  source: ManifestSource;
  /** Seconds between version checks by the cluster model; undefined: no preference (the model's default). */
  checkSeconds?: number;
  /** Link template for the source's files, with `{path}` (policies only). */
  fileUrl?: string;
}

/** The source types accepted under `policies.type` / `workloads.type`. */
const TYPES = ['directory', 'git', 'kubernetes'];

/** Version checks of a git or Kubernetes source are cheap (they cache); their own refreshSeconds throttle the remote. */
const DEFAULT_CHECK_SECONDS = 5;

/**
 * A GitHub or GitLab web link template for files of a git source whose URL
 * matches an integration, e.g. `https://github.com/acme/gitops/blob/main/policies/{path}`.
 */
function derivedFileUrl(
  url: string,
  branch: string,
  subPath: string,
  integrations?: ScmIntegrationRegistry,
): string | undefined {
  if (!/^https:\/\//.test(url)) return undefined;
  const type = integrations?.byUrl(url)?.type;
  const base = url.replace(/\.git$/, '').replace(/\/+$/, '');
  const prefix = subPath ? `${subPath.replace(/^\/+|\/+$/g, '')}/` : '';
  if (type === 'github') return `${base}/blob/${branch}/${prefix}{path}`;
  if (type === 'gitlab') return `${base}/-/blob/${branch}/${prefix}{path}`;
  return undefined;
}

/**
 * Builds the policy or workload source of one cluster from its config block
 * (`cilium.clusters[].policies` or `.workloads`):
 *
 * - `directory` (default; `manifests` is an alias kept for workloads): YAML/JSON files in a folder
 * - `git`: a branch of a git repository, optionally below a folder
 * - `kubernetes`: the API server (CNP/CCNP/KNP for policies; namespaces,
 *   pods and their owners, services for workloads)
 *
 * @param key - the config key of the block, for error messages, e.g. `cilium.clusters[0].policies`
 */
export function createManifestSource(
  config: Config,
  options: {
    role: SourceRole;
    key: string;
    logger: LoggerService;
    integrations?: ScmIntegrationRegistry;
    cacheDir?: string;
  },
): ConfiguredSource {
  const { role, key, integrations } = options;
  const rawType = config.getOptionalString('type') ?? 'directory';
  const type = rawType === 'manifests' ? 'directory' : rawType;
  const refreshSeconds = config.getOptionalNumber('refreshSeconds');
  switch (type) {
    case 'directory': {
      const path = config.getOptionalString('path');
      if (!path)
        throw new Error(
          `${key}.path is required for a source of type "${rawType}"`,
        );
      return {
        source: new DirectoryManifestSource(path),
        checkSeconds: refreshSeconds,
        fileUrl: config.getOptionalString('url'),
      };
    }
    case 'git': {
      const url = config.getOptionalString('url');
      if (!url)
        throw new Error(`${key}.url is required for a source of type "git"`);
      const branch = config.getOptionalString('branch') ?? 'main';
      const subPath = config.getOptionalString('path') ?? '';
      const source = new GitManifestSource({
        url,
        branch,
        path: subPath,
        token: config.getOptionalString('token'),
        refreshSeconds,
        integrations,
        cacheDir: options.cacheDir,
      });
      options.logger.info(
        `cilium: ${role} of ${key} from ${source.description}`,
      );
      return {
        source,
        checkSeconds: Math.min(
          DEFAULT_CHECK_SECONDS,
          refreshSeconds ?? DEFAULT_CHECK_SECONDS,
        ),
        fileUrl:
          config.getOptionalString('fileUrl') ??
          derivedFileUrl(url, branch, subPath, integrations),
      };
    }
    case 'kubernetes': {
      const source = new KubernetesManifestSource({
        role,
        url: config.getOptionalString('url'),
        token: config.getOptionalString('token'),
        caData: config.getOptionalString('caData'),
        skipTLSVerify: config.getOptionalBoolean('skipTLSVerify'),
        kubeconfig: config.getOptionalString('kubeconfig'),
        context: config.getOptionalString('context'),
        refreshSeconds,
      });
      options.logger.info(
        `cilium: ${role} of ${key} from ${source.description}`,
      );
      return {
        source,
        checkSeconds: Math.min(
          DEFAULT_CHECK_SECONDS,
          refreshSeconds ?? DEFAULT_CHECK_SECONDS,
        ),
      };
    }
    default:
      throw new Error(
        `${key}.type: unknown source type "${rawType}"; use one of ${TYPES.join(
          ', ',
        )}${
          role === 'workloads' ? ' (or manifests, the same as directory)' : ''
        }`,
      );
  }
}
