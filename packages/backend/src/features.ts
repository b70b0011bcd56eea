import { authModuleDevProvider } from './modules/devAuthProvider';
import { devSignInUsersPlugin } from './modules/devSignInUsersPlugin';
import { permissionModuleCiliumPolicy } from './modules/permissionPolicyModule';

/**
 * Every feature of the sample backend except the app bundle server; the same
 * list is started by `index.ts` and by the backend's tests.
 */
export const backendFeatures = [
  import('@backstage/plugin-auth-backend'),
  authModuleDevProvider,
  devSignInUsersPlugin,
  import('@backstage/plugin-catalog-backend'),
  import('@backstage/plugin-permission-backend'),
  permissionModuleCiliumPolicy,
  import('@internal/plugin-cilium-backend'),
];
