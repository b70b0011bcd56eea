import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { metricsServiceRef } from '@backstage/backend-plugin-api/alpha';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { ciliumPermissions } from '@cilium-zero-trust/plugin-cilium-common';
import {
  ciliumManifestSourcesExtensionPoint,
  ciliumPublishersExtensionPoint,
} from '@cilium-zero-trust/plugin-cilium-node';
import { ConnectivityService } from './connectivity/ConnectivityService';
import { CiliumMetrics } from './metrics/CiliumMetrics';
import { createRouter } from './router';
import { PublisherRegistry, setupRequests } from './requests';
import { ClusterRegistry } from './services/ClusterRegistry';
import { EntityAccess } from './services/EntityAccess';
import { EntityResolver } from './services/EntityResolver';
import { CoverageHistory } from './services/history/CoverageHistory';
import { TrafficHistoryService } from './services/history/TrafficHistoryService';
import { readMappableEntities } from './services/live/catalogEntities';
import { LiveFlowService } from './services/live/LiveFlowService';
import { StreamLimits } from './services/live/StreamLimits';
import { ManifestSourceRegistry } from './services/sources/ManifestSourceRegistry';
import { WorkloadService } from './services/WorkloadService';

/**
 * The Cilium zero trust backend plugin, mounted at `/api/cilium`.
 * @public
 */
export const ciliumPlugin = createBackendPlugin({
  pluginId: 'cilium',
  register(env) {
    const publishers = new PublisherRegistry();
    env.registerExtensionPoint(ciliumPublishersExtensionPoint, publishers);
    // The built-in source types are added through the same interface a
    // module uses; modules' types are added before init runs.
    const sources = ManifestSourceRegistry.withBuiltins();
    env.registerExtensionPoint(ciliumManifestSourcesExtensionPoint, sources);
    env.registerInit({
      deps: {
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        auth: coreServices.auth,
        logger: coreServices.logger,
        config: coreServices.rootConfig,
        auditor: coreServices.auditor,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        scheduler: coreServices.scheduler,
        lifecycle: coreServices.lifecycle,
        catalog: catalogServiceRef,
        database: coreServices.database,
        userInfo: coreServices.userInfo,
        metrics: metricsServiceRef,
      },
      async init(deps) {
        const {
          httpRouter,
          httpAuth,
          auth,
          logger,
          config,
          auditor,
          permissions,
          catalog,
        } = deps;
        deps.permissionsRegistry.addPermissions(ciliumPermissions);
        const metrics = new CiliumMetrics(deps.metrics, logger);
        deps.lifecycle.addShutdownHook(() => metrics.stop());
        const clusters = ClusterRegistry.fromConfig(
          config,
          logger,
          sources,
          metrics.recordReload,
        );
        metrics.observeClusters(clusters);
        if (clusters.names().length === 0) {
          logger.warn(
            'No clusters configured under cilium.clusters; the Network tab will be empty',
          );
        }

        const live = new LiveFlowService(
          {
            clusters: clusters
              .all()
              .map(c => ({ name: c.name, hubble: c.hubble })),
            defaultCluster: clusters.defaultCluster(),
            logger,
          },
          {
            flowsPerEntity: config.getOptionalNumber(
              'cilium.live.flowsPerEntity',
            ),
            bytesPerEntity: config.getOptionalNumber(
              'cilium.live.bytesPerEntity',
            ),
            edgesPerEntity: config.getOptionalNumber(
              'cilium.live.edgesPerEntity',
            ),
            maxQueuedPerSubscriber: config.getOptionalNumber(
              'cilium.live.maxQueuedPerSubscriber',
            ),
            flushIntervalMs: config.getOptionalNumber(
              'cilium.live.flushIntervalMs',
            ),
            historyEntities: config.getOptionalNumber(
              'cilium.live.history.maxEntities',
            ),
            historyPeersPerEntity: config.getOptionalNumber(
              'cilium.live.history.peersPerEntity',
            ),
          },
        );
        await deps.scheduler.scheduleTask({
          id: 'cilium-live-entity-index',
          scope: 'local',
          frequency: {
            seconds:
              config.getOptionalNumber('cilium.live.catalogRefreshSeconds') ??
              10,
          },
          timeout: { seconds: 30 },
          fn: async () =>
            live.updateEntities(await readMappableEntities(catalog, auth)),
        });
        deps.lifecycle.addShutdownHook(() => live.stop());
        metrics.observeLive(live);

        // Default-deny coverage over time: one sample a minute per cluster
        // (scheduled below, once the requests' repository is seeded: a
        // cluster reading it must not load it empty first).
        const coverage = new CoverageHistory({ clusters });
        const history = new TrafficHistoryService({
          live,
          coverage,
          peersPerEntity: live.historyPeersPerEntity(),
        });

        const requests = await setupRequests({
          ...deps,
          publishers,
          clusters,
          recentFlows: (ref, cluster) => live.recentFlows(ref, cluster),
          metrics,
        });
        await deps.scheduler.scheduleTask({
          id: 'cilium-coverage-sample',
          scope: 'local',
          frequency: { minutes: 1 },
          timeout: { seconds: 50 },
          fn: async () => {
            await coverage.sample();
          },
        });

        httpRouter.use(requests.router);
        httpRouter.use(
          await createRouter({
            httpAuth,
            auditor,
            clusters,
            entities: new EntityResolver(catalog, clusters),
            access: new EntityAccess(permissions),
            workloads: new WorkloadService(clusters),
            live,
            streams: StreamLimits.fromConfig(config),
            publishing: requests.publishing,
            history,
            connectivity: new ConnectivityService({
              clusters,
              live,
              index: () => live.entityIndex(),
            }),
          }),
        );
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
      },
    });
  },
});
