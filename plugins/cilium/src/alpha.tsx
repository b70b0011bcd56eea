/**
 * The Cilium plugin for Backstage's new frontend system.
 *
 * @packageDocumentation
 */
import {
  ApiBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { isCiliumAnnotated } from '@cilium-zero-trust/plugin-cilium-common';
import { ciliumApiRef, CiliumClient } from './api';
import { ciliumPageRouteRef } from './routes';

/** @alpha */
export const ciliumApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: ciliumApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new CiliumClient({ discoveryApi, fetchApi }),
    }),
});

/** The Network tab on Component pages. @alpha */
export const ciliumEntityContent = EntityContentBlueprint.make({
  name: 'network',
  params: {
    path: '/network',
    title: 'Network',
    filter: 'kind:component',
    loader: () => import('./components/NetworkTab').then(m => <m.NetworkTab />),
  },
});

/** The overview card, on annotated entities. @alpha */
export const ciliumEntityCard = EntityCardBlueprint.make({
  name: 'network',
  params: {
    filter: isCiliumAnnotated,
    loader: () => import('./components/CiliumCard').then(m => <m.CiliumCard />),
  },
});

/** The platform page at /cilium: review queue, requests, audit log, cluster overview. @alpha */
export const ciliumPage = PageBlueprint.make({
  params: {
    path: '/cilium',
    routeRef: ciliumPageRouteRef,
    loader: () =>
      import('./components/PlatformPage').then(m => <m.CiliumPage />),
  },
});

/** @alpha */
export default createFrontendPlugin({
  pluginId: 'cilium',
  extensions: [ciliumApi, ciliumEntityContent, ciliumEntityCard, ciliumPage],
});
