/**
 * The Cilium zero trust frontend plugin: the Network tab on catalog entities.
 *
 * @packageDocumentation
 */
export { ciliumPlugin, EntityCiliumCard, EntityCiliumContent, isCiliumAvailable } from './plugin';
export { ciliumApiRef, CiliumClient } from './api';
export type { CiliumApi } from './api';
