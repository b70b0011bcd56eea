import { createRouteRef, createSubRouteRef } from '@backstage/core-plugin-api';

/** The Network tab's route. */
export const rootRouteRef = createRouteRef({ id: 'cilium' });

/** The platform page (review queue, audit log, cluster overview), mounted at `/cilium` in the sample app. */
export const ciliumPageRouteRef = createRouteRef({ id: 'cilium-page' });

/** One change request: `/cilium/requests/:id` (the backend's pull request bodies link here). */
export const requestRouteRef = createSubRouteRef({
  id: 'cilium-request',
  parent: ciliumPageRouteRef,
  path: '/requests/:id',
});
