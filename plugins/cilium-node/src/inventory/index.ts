export * from './types';
export { ManifestWorkloadInventory } from './ManifestWorkloadInventory';
