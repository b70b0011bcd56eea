import {
  AuditorService,
  DatabaseService,
  HttpAuthService,
  LifecycleService,
  LoggerService,
  PermissionsService,
  RootConfigService,
  SchedulerService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { CatalogService } from '@backstage/plugin-catalog-node';
import type { CiliumPublishingStatus } from '@cilium-zero-trust/plugin-cilium-common';
import {
  CiliumPublishersExtensionPoint,
  LeanFlow,
  LocalGitPublisher,
  PolicyPublisher,
} from '@cilium-zero-trust/plugin-cilium-node';
import express from 'express';
import {
  DEFAULT_CILIUM_REVIEWER_GROUPS,
  readCiliumReviewerGroups,
} from '../permissions';
import type { CiliumMetrics } from '../metrics/CiliumMetrics';
import { ClusterRegistry } from '../services/ClusterRegistry';
import { TargetResolver } from '../services/TargetResolver';
import { ClusterPolicies } from './ClusterPolicies';
import { OutboxWorker } from './outbox/OutboxWorker';
import { RequestTracker } from './outbox/RequestTracker';
import { RequestAuthorizer } from './RequestAuthorizer';
import { RequestPlanner } from './RequestPlanner';
import { RequestStatistics } from './RequestStatistics';
import { RequestService } from './RequestService';
import { migrateRequestStore, RequestStore } from './RequestStore';
import { requestLinksFromConfig } from './portalLinks';
import { RequestTransitions } from './RequestTransitions';
import { createRequestsRouter } from './router';

/** Default reviewer group. */
export const DEFAULT_REVIEWERS = DEFAULT_CILIUM_REVIEWER_GROUPS;

/** Collects publishers added through `ciliumPublishersExtensionPoint`. */
export class PublisherRegistry implements CiliumPublishersExtensionPoint {
  readonly publishers = new Map<string, PolicyPublisher>();

  addPublisher(publisher: PolicyPublisher): void {
    this.publishers.set(publisher.type, publisher);
  }

  /**
   * The publisher `cilium.requests.publisher.type` names; without that
   * setting, the one publisher a module added, if exactly one was; else none:
   * requests are then filed and reviewed but not published. The built-in
   * local-git publisher locks its repository in `database`, so replicas
   * sharing the plugin's PostgreSQL database can share its path.
   */
  select(
    config: RootConfigService,
    database?: DatabaseService,
  ): PolicyPublisher | undefined {
    const c = config.getOptionalConfig('cilium.requests.publisher');
    if (!c) {
      return this.publishers.size === 1
        ? [...this.publishers.values()][0]
        : undefined;
    }
    const type = c.getString('type');
    const added = this.publishers.get(type);
    if (added) return added;
    if (type === 'local-git') {
      return new LocalGitPublisher({
        path: c.getString('path'),
        seedFrom: c.getOptionalString('seedFrom'),
        baseBranch: c.getOptionalString('baseBranch'),
        database,
      });
    }
    throw new Error(
      `cilium.requests.publisher.type "${type}" is unknown: no installed module adds a publisher of that type; use local-git, or add the module that provides "${type}" (for github: @cilium-zero-trust/plugin-cilium-backend-module-github) to the backend`,
    );
  }
}

/** Dependencies of {@link setupRequests}. */
export interface SetupRequestsOptions {
  config: RootConfigService;
  logger: LoggerService;
  database: DatabaseService;
  scheduler: SchedulerService;
  httpAuth: HttpAuthService;
  userInfo: UserInfoService;
  permissions: PermissionsService;
  auditor: AuditorService;
  catalog: CatalogService;
  publishers: PublisherRegistry;
  lifecycle?: LifecycleService;
  /** The configured clusters; requests are generated and tested against their policy sources. */
  clusters: ClusterRegistry;
  /** Recent flows of an entity in a cluster (the live buffer), for the replay. */
  recentFlows?: (entityRef: string, cluster: string) => LeanFlow[];
  /** Records publishes and counts requests and the outbox for metrics. */
  metrics?: CiliumMetrics;
}

/** What {@link setupRequests} gives the plugin. */
export interface RequestsSetup {
  router: express.Router;
  /** Whether (and with which publisher) approved requests are published. */
  publishing: CiliumPublishingStatus;
}

/**
 * Wires the change-request feature: migrations, store, cluster policies,
 * publisher (if one is configured), outbox and tracking tasks, and the router.
 */
export async function setupRequests(
  options: SetupRequestsOptions,
): Promise<RequestsSetup> {
  const { config, logger, scheduler, auditor } = options;
  const knex = await options.database.getClient();
  if (!options.database.migrations?.skip) await migrateRequestStore(knex);
  const store = new RequestStore(knex);
  const transitions = new RequestTransitions(store, auditor);
  const policies = new ClusterPolicies(options.clusters);
  const selected = options.publishers.select(config, options.database);
  const publisher =
    selected && options.metrics
      ? options.metrics.measurePublisher(selected)
      : selected;
  options.metrics?.observeRequests(new RequestStatistics(knex));
  // A local-git repository exists from the start, so a cluster whose policy
  // source is that repository reads the seeded policies before any request
  // is published.
  await publisher?.init?.();
  const worker = publisher
    ? new OutboxWorker({
        store,
        publisher,
        transitions,
        logger,
        lockMs:
          (config.getOptionalNumber('cilium.requests.publishLockSeconds') ??
            120) * 1000,
        linkFor: requestLinksFromConfig(config),
      })
    : undefined;
  const kick = () => {
    worker
      ?.runOnce()
      .catch(e => logger.warn(`Publishing from the outbox failed: ${e}`));
  };
  const tracker = new RequestTracker({
    store,
    publisher,
    policies,
    transitions,
    logger,
    onApproved: kick,
  });
  const reviewers = readCiliumReviewerGroups(config);
  const service = new RequestService({
    store,
    authorizer: new RequestAuthorizer({
      userInfo: options.userInfo,
      permissions: options.permissions,
      catalog: options.catalog,
      reviewers,
    }),
    targets: new TargetResolver(options.catalog, () =>
      options.clusters.defaultCluster(),
    ),
    planner: new RequestPlanner({
      policies,
      recentFlows: options.recentFlows,
      now: () => new Date(),
    }),
    transitions,
    tracker,
    clusterNames: () => options.clusters.names(),
    reviewers,
    onApproved: kick,
  });

  await scheduler.scheduleTask({
    id: 'cilium-requests-outbox',
    // Local: the outbox claims rows with conditional updates, so instances
    // never publish the same row at once, and a dead instance holds no lock.
    scope: 'local',
    frequency: {
      seconds: config.getOptionalNumber('cilium.requests.pollSeconds') ?? 15,
    },
    timeout: { minutes: 5 },
    initialDelay: { seconds: 1 },
    fn: async () => {
      await worker?.runOnce();
      await tracker.runOnce();
    },
  });
  await scheduler.scheduleTask({
    id: 'cilium-requests-expiry',
    scope: 'local',
    frequency: {
      minutes:
        config.getOptionalNumber('cilium.requests.expiryCheckMinutes') ?? 5,
    },
    timeout: { minutes: 5 },
    fn: async () => {
      await tracker.expire();
    },
  });
  // Deliver whatever a previous run left in the outbox right away.
  options.lifecycle?.addStartupHook(() => kick());
  options.lifecycle?.addShutdownHook(() => worker?.stop());
  logger.info(
    publisher
      ? `Connectivity requests publish with the ${publisher.type} publisher`
      : 'Publishing is not configured (cilium.requests.publisher): requests are filed and reviewed, not published',
  );
  return {
    router: await createRequestsRouter({
      httpAuth: options.httpAuth,
      auditor,
      service,
    }),
    publishing: publisher
      ? { configured: true, type: publisher.type }
      : { configured: false },
  };
}
