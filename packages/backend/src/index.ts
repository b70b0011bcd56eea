/*
 * The sample Backstage backend (new backend system): catalog with the sample
 * world, auth with the development sign-in, permissions with a real policy and
 * the Cilium backend plugin.
 */
import { createBackend } from '@backstage/backend-defaults';
import { backendFeatures } from './features';

const backend = createBackend();
backend.add(import('@backstage/plugin-app-backend'));
for (const feature of backendFeatures) {
  backend.add(feature);
}
backend.start();
