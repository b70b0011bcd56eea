/**
 * Scaffolder action `cilium:connectivity:request`: file Cilium connectivity
 * change requests from Software Templates.
 *
 * @packageDocumentation
 */
export { scaffolderModuleCilium as default } from './module';
export { createConnectivityRequestAction } from './actions/connectivityRequest';
export type {
  ConnectivityRequestActionInput,
  ConnectivityRequestActionOptions,
  ConnectivityRequestActionOutput,
} from './actions/connectivityRequest';
