/**
 * Node library for the Cilium plugins: workload inventories, policy sources and
 * the Hubble Relay client.
 *
 * @packageDocumentation
 */
export * from './inventory';
export * from './hubble';
