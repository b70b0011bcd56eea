import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { readCiliumReviewerGroups } from '@cilium-zero-trust/plugin-cilium-backend';
import { CiliumPermissionPolicy } from './CiliumPermissionPolicy';

/** Installs {@link CiliumPermissionPolicy} with the configured platform groups. */
export const permissionModuleCiliumPolicy = createBackendModule({
  pluginId: 'permission',
  moduleId: 'cilium-policy',
  register(reg) {
    reg.registerInit({
      deps: { policy: policyExtensionPoint, config: coreServices.rootConfig },
      async init({ policy, config }) {
        policy.setPolicy(
          new CiliumPermissionPolicy(readCiliumReviewerGroups(config)),
        );
      },
    });
  },
});
