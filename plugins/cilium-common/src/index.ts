/**
 * Isomorphic types, permissions and annotation names for the Cilium plugins.
 *
 * @packageDocumentation
 */
export * from './annotations';
export * from './labelSelector';
export * from './entities';
export * from './workloadIdentity';
export * from './permissions';
export * from './types';
export * from './traffic';
export * from './trafficHistory';
export * from './requests';
export * from './connectivity';
