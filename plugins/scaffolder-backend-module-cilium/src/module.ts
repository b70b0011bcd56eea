import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { createConnectivityRequestAction } from './actions/connectivityRequest';

/**
 * Adds `cilium:connectivity:request` to the scaffolder.
 * @public
 */
export const scaffolderModuleCilium = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'cilium',
  register(reg) {
    reg.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        discovery: coreServices.discovery,
        auth: coreServices.auth,
      },
      async init({ scaffolder, discovery, auth }) {
        scaffolder.addActions(
          createConnectivityRequestAction({ discovery, auth }),
        );
      },
    });
  },
});
