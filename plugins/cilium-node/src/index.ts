/**
 * Node library for the Cilium plugins: workload inventories, policy sources and
 * the Hubble Relay client.
 *
 * @packageDocumentation
 */
export * from './sources';
export * from './hubble';
export * from './publishers';
