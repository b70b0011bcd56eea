/**
 * The Cilium zero trust frontend plugin: the Network tab on catalog entities.
 *
 * @packageDocumentation
 */
export {
  ciliumPlugin,
  CiliumPage,
  EntityCiliumCard,
  EntityCiliumContent,
  isCiliumAvailable,
} from './plugin';
export { ciliumApiRef, CiliumClient } from './api';
export type {
  AuditQuery,
  CiliumApi,
  EntityClusterOptions,
  RequestListQuery,
} from './api';
