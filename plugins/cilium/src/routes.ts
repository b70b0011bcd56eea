import { createRouteRef, createSubRouteRef } from '@backstage/core-plugin-api';

/** The Network tab's route. */
export const rootRouteRef = createRouteRef({ id: 'cilium' });

/** The platform page (review queue, audit log, cluster overview), wherever the app mounts `CiliumPage`. */
export const ciliumPageRouteRef = createRouteRef({ id: 'cilium-page' });

/** One change request: `requests/:id` under the platform page (pull request bodies link here through `cilium.requests.portalPath`). */
export const requestRouteRef = createSubRouteRef({
  id: 'cilium-request',
  parent: ciliumPageRouteRef,
  path: '/requests/:id',
});
