import { createRouteRef } from '@backstage/core-plugin-api';

/** The Network tab's route. */
export const rootRouteRef = createRouteRef({ id: 'cilium' });
