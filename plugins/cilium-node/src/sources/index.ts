export * from './types';
export { DirectoryManifestSource } from './DirectoryManifestSource';
export { GitManifestSource } from './GitManifestSource';
export type { GitManifestSourceOptions } from './GitManifestSource';
export { KubernetesManifestSource } from './KubernetesManifestSource';
export type {
  KubernetesManifestSourceOptions,
  KubernetesSourceRole,
} from './KubernetesManifestSource';
export { ciliumManifestSourcesExtensionPoint } from './extensionPoint';
export type {
  CiliumManifestSourcesExtensionPoint,
  ConfiguredManifestSource,
  ManifestSourceFactory,
  ManifestSourceFactoryContext,
  ManifestSourceRole,
} from './extensionPoint';
export { toWorkloadSummary } from './workloadSummary';
