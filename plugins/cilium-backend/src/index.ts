/**
 * The Cilium zero trust backend plugin.
 *
 * @packageDocumentation
 */
export { ciliumPlugin as default } from './plugin';
export * from './permissions';
