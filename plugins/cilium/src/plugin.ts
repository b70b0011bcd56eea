import { Entity } from '@backstage/catalog-model';
import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { isCiliumAnnotated } from '@cilium-zero-trust/plugin-cilium-common';
import { ciliumApiRef, CiliumClient } from './api';
import { ciliumPageRouteRef, rootRouteRef } from './routes';

/**
 * The Cilium zero trust frontend plugin (legacy frontend system).
 * @public
 */
export const ciliumPlugin = createPlugin({
  id: 'cilium',
  apis: [
    createApiFactory({
      api: ciliumApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new CiliumClient({ discoveryApi, fetchApi }),
    }),
  ],
  routes: { entityContent: rootRouteRef, root: ciliumPageRouteRef },
});

/**
 * The Network tab for entity pages:
 * `<EntityLayout.Route path="/network" title="Network"><EntityCiliumContent /></EntityLayout.Route>`.
 * @public
 */
export const EntityCiliumContent = ciliumPlugin.provide(
  createRoutableExtension({
    name: 'EntityCiliumContent',
    component: () => import('./components/NetworkTab').then(m => m.NetworkTab),
    mountPoint: rootRouteRef,
  }),
);

/**
 * The platform page: review queue, all requests, audit log, cluster overview
 * and one page per request (`/requests/:id`):
 * `<Route path="/cilium" element={<CiliumPage />} />`.
 * @public
 */
export const CiliumPage = ciliumPlugin.provide(
  createRoutableExtension({
    name: 'CiliumPage',
    component: () =>
      import('./components/PlatformPage').then(m => m.CiliumPage),
    mountPoint: ciliumPageRouteRef,
  }),
);

/**
 * The entity's network at a glance, for the overview page.
 * @public
 */
export const EntityCiliumCard = ciliumPlugin.provide(
  createComponentExtension({
    name: 'EntityCiliumCard',
    component: {
      lazy: () => import('./components/CiliumCard').then(m => m.CiliumCard),
    },
  }),
);

/**
 * Whether the entity carries the Kubernetes annotations the Network tab needs.
 * The tab also explains what to add when they are missing, so apps may show it
 * on every Component.
 * @public
 */
export const isCiliumAvailable = (entity: Entity): boolean =>
  isCiliumAnnotated(entity);
