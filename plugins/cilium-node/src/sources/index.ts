export * from './types';
export { DirectoryManifestSource } from './DirectoryManifestSource';
