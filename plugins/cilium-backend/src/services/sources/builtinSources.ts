import { ScmIntegrationRegistry } from '@backstage/integration';
import {
  DirectoryManifestSource,
  GitManifestSource,
  KubernetesManifestSource,
  ManifestSourceFactory,
} from '@cilium-zero-trust/plugin-cilium-node';

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

/** `directory`: YAML/JSON files in a folder (`manifests` is an alias kept for workloads). */
export const directorySourceFactory: ManifestSourceFactory = {
  type: 'directory',
  create({ config, key }) {
    const path = config.getOptionalString('path');
    if (!path)
      throw new Error(
        `${key}.path is required for a source of type "${
          config.getOptionalString('type') ?? 'directory'
        }"`,
      );
    return {
      source: new DirectoryManifestSource(path),
      checkSeconds: config.getOptionalNumber('refreshSeconds'),
      fileUrl: config.getOptionalString('url'),
    };
  },
};

/** `git`: a branch of a git repository, optionally below a folder. */
export const gitSourceFactory: ManifestSourceFactory = {
  type: 'git',
  create({ config, key, role, logger, integrations, cacheDir }) {
    const url = config.getOptionalString('url');
    if (!url)
      throw new Error(`${key}.url is required for a source of type "git"`);
    const branch = config.getOptionalString('branch') ?? 'main';
    const subPath = config.getOptionalString('path') ?? '';
    const refreshSeconds = config.getOptionalNumber('refreshSeconds');
    const source = new GitManifestSource({
      url,
      branch,
      path: subPath,
      token: config.getOptionalString('token'),
      refreshSeconds,
      integrations,
      cacheDir,
    });
    logger.info(`cilium: ${role} of ${key} from ${source.description}`);
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
  },
};

/**
 * `kubernetes`: the API server (CNP/CCNP/KNP for policies; namespaces, pods
 * and their owners, services for workloads).
 */
export const kubernetesSourceFactory: ManifestSourceFactory = {
  type: 'kubernetes',
  create({ config, key, role, logger }) {
    const refreshSeconds = config.getOptionalNumber('refreshSeconds');
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
    logger.info(`cilium: ${role} of ${key} from ${source.description}`);
    return {
      source,
      checkSeconds: Math.min(
        DEFAULT_CHECK_SECONDS,
        refreshSeconds ?? DEFAULT_CHECK_SECONDS,
      ),
    };
  },
};

/** The source types the cilium backend registers itself, in the order error messages list them. */
export const builtinSourceFactories: ManifestSourceFactory[] = [
  directorySourceFactory,
  gitSourceFactory,
  kubernetesSourceFactory,
];
