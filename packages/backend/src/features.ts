import authPlugin from '@backstage/plugin-auth-backend';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import catalogModuleScaffolderEntityModel from '@backstage/plugin-catalog-backend-module-scaffolder-entity-model';
import permissionPlugin from '@backstage/plugin-permission-backend';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import ciliumPlugin from '@cilium-zero-trust/plugin-cilium-backend';
import ciliumModuleGithub from '@cilium-zero-trust/plugin-cilium-backend-module-github';
import scaffolderModuleCilium from '@cilium-zero-trust/plugin-scaffolder-backend-module-cilium';
import { authModuleDevProvider } from './modules/devAuthProvider';
import { devSignInUsersPlugin } from './modules/devSignInUsersPlugin';
import { permissionModuleCiliumPolicy } from './modules/permissionPolicyModule';

/**
 * Every feature of the sample backend except the app bundle server; the same
 * list is started by `index.ts` and by the backend's tests.
 */
export const backendFeatures = [
  authPlugin,
  authModuleDevProvider,
  devSignInUsersPlugin,
  catalogPlugin,
  catalogModuleScaffolderEntityModel,
  scaffolderPlugin,
  scaffolderModuleCilium,
  permissionPlugin,
  permissionModuleCiliumPolicy,
  ciliumPlugin,
  ciliumModuleGithub,
];
