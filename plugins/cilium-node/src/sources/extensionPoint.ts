import {
  createExtensionPoint,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { ScmIntegrationRegistry } from '@backstage/integration';
import type { ManifestSource } from './types';

/**
 * Which block of a cluster a source is configured in:
 * `cilium.clusters[].policies` or `cilium.clusters[].workloads`.
 * @public
 */
export type ManifestSourceRole = 'policies' | 'workloads';

/**
 * What a {@link ManifestSourceFactory} is given to build one source.
 * @public
 */
export interface ManifestSourceFactoryContext {
  /** The source's config block, e.g. `cilium.clusters[0].policies`. */
  config: Config;
  role: ManifestSourceRole;
  /** The block's config key, for error messages, e.g. `cilium.clusters[0].policies`. */
  key: string;
  logger: LoggerService;
  /** The app's `integrations` (credentials and links for Git hosts). */
  integrations: ScmIntegrationRegistry;
  /** Where a source may cache remote content; undefined: its own default. */
  cacheDir?: string;
}

/**
 * A source built from config, and how the backend should use it.
 * @public
 */
export interface ConfiguredManifestSource {
  source: ManifestSource;
  /** Seconds between version checks by the cluster model; undefined: the model's default. */
  checkSeconds?: number;
  /** Link template for the source's files, with `{path}` (shown for policies). */
  fileUrl?: string;
}

/**
 * Builds the sources of one `type` (`cilium.clusters[].policies.type` /
 * `.workloads.type`). Throw an Error naming the config key when a required
 * setting is missing; the backend refuses to start with it.
 * @public
 */
export interface ManifestSourceFactory {
  /** The `type` value this factory serves, e.g. `git`. */
  readonly type: string;
  create(context: ManifestSourceFactoryContext): ConfiguredManifestSource;
}

/**
 * Lets modules add policy and workload source types to the cilium backend.
 * The built-in types (`directory`, `git`, `kubernetes`) are added the same
 * way; a type can be added once.
 * @public
 */
export interface CiliumManifestSourcesExtensionPoint {
  addSourceFactory(factory: ManifestSourceFactory): void;
}

/**
 * Extension point for policy and workload sources.
 * @public
 */
export const ciliumManifestSourcesExtensionPoint =
  createExtensionPoint<CiliumManifestSourcesExtensionPoint>({
    id: 'cilium.manifest-sources',
  });
