import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { ciliumPermissions } from '@internal/plugin-cilium-common';
import { createRouter } from './router';
import { ClusterRegistry } from './services/ClusterRegistry';
import { EntityResolver } from './services/EntityResolver';
import { WorkloadService } from './services/WorkloadService';

/**
 * The Cilium zero trust backend plugin, mounted at `/api/cilium`.
 * @public
 */
export const ciliumPlugin = createBackendPlugin({
  pluginId: 'cilium',
  register(env) {
    env.registerInit({
      deps: {
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        logger: coreServices.logger,
        config: coreServices.rootConfig,
        auditor: coreServices.auditor,
        permissionsRegistry: coreServices.permissionsRegistry,
        catalog: catalogServiceRef,
      },
      async init({ httpRouter, httpAuth, logger, config, auditor, permissionsRegistry, catalog }) {
        permissionsRegistry.addPermissions(ciliumPermissions);
        const clusters = ClusterRegistry.fromConfig(config);
        if (clusters.names().length === 0) {
          logger.warn('No clusters configured under cilium.clusters; the Network tab will be empty');
        }
        httpRouter.use(
          await createRouter({
            httpAuth,
            auditor,
            clusters,
            entities: new EntityResolver(catalog, () => clusters.defaultCluster()),
            workloads: new WorkloadService(clusters, logger),
          }),
        );
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
      },
    });
  },
});
