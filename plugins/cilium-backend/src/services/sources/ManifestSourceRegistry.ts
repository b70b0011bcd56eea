import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { ScmIntegrationRegistry } from '@backstage/integration';
import {
  CiliumManifestSourcesExtensionPoint,
  ConfiguredManifestSource,
  ManifestSourceFactory,
  ManifestSourceRole,
} from '@cilium-zero-trust/plugin-cilium-node';
import { builtinSourceFactories } from './builtinSources';

/**
 * The source types known to the backend: the built-in ones and those modules
 * add through `ciliumManifestSourcesExtensionPoint`. Builds the policy or
 * workload source of one cluster from its config block.
 */
export class ManifestSourceRegistry
  implements CiliumManifestSourcesExtensionPoint
{
  private readonly factories = new Map<string, ManifestSourceFactory>();

  /** A registry holding the built-in types (`directory`, `git`, `kubernetes`). */
  static withBuiltins(): ManifestSourceRegistry {
    const registry = new ManifestSourceRegistry();
    for (const factory of builtinSourceFactories)
      registry.addSourceFactory(factory);
    return registry;
  }

  addSourceFactory(factory: ManifestSourceFactory): void {
    if (this.factories.has(factory.type)) {
      throw new Error(
        `A policy/workload source type "${factory.type}" is already registered; each type can be added once`,
      );
    }
    this.factories.set(factory.type, factory);
  }

  /** The registered types, in the order they were added. */
  types(): string[] {
    return [...this.factories.keys()];
  }

  /**
   * Builds the source a block (`cilium.clusters[].policies` or `.workloads`)
   * configures; `type` defaults to `directory`, and `manifests` is kept as an
   * alias of `directory` for workloads.
   */
  create(
    config: Config,
    options: {
      role: ManifestSourceRole;
      /** The config key of the block, for error messages, e.g. `cilium.clusters[0].policies`. */
      key: string;
      logger: LoggerService;
      integrations: ScmIntegrationRegistry;
      cacheDir?: string;
    },
  ): ConfiguredManifestSource {
    const rawType = config.getOptionalString('type') ?? 'directory';
    const type = rawType === 'manifests' ? 'directory' : rawType;
    const factory = this.factories.get(type);
    if (!factory) {
      throw new Error(
        `${
          options.key
        }.type: unknown source type "${rawType}"; use one of ${this.types().join(
          ', ',
        )}${
          options.role === 'workloads'
            ? ' (or manifests, the same as directory)'
            : ''
        }, or add the backend module that provides "${rawType}"`,
      );
    }
    return factory.create({ config, ...options });
  }
}
