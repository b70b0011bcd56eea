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
import {
  CiliumPublishersExtensionPoint,
  LeanFlow,
  LocalGitPublisher,
  PolicyPublisher,
} from '@cilium-zero-trust/plugin-cilium-node';
import express from 'express';
import { ClusterRegistry } from '../services/ClusterRegistry';
import { TargetResolver } from '../services/TargetResolver';
import { ClusterPolicies } from './ClusterPolicies';
import { OutboxWorker } from './outbox/OutboxWorker';
import { RequestTracker } from './outbox/RequestTracker';
import { RequestAuthorizer } from './RequestAuthorizer';
import { RequestPlanner } from './RequestPlanner';
import { RequestService } from './RequestService';
import { migrateRequestStore, RequestStore } from './RequestStore';
import { RequestTransitions } from './RequestTransitions';
import { createRequestsRouter } from './router';

/** Default reviewer group. */
export const DEFAULT_REVIEWERS = ['group:default/platform-team'];

/** Collects publishers added through `ciliumPublishersExtensionPoint`. */
export class PublisherRegistry implements CiliumPublishersExtensionPoint {
  readonly publishers = new Map<string, PolicyPublisher>();

  addPublisher(publisher: PolicyPublisher): void {
    this.publishers.set(publisher.type, publisher);
  }

  /** The publisher `cilium.requests.publisher.type` names (default: local-git). */
  select(config: RootConfigService): PolicyPublisher {
    const c = config.getOptionalConfig('cilium.requests.publisher');
    const type = c?.getOptionalString('type') ?? 'local-git';
    const added = this.publishers.get(type);
    if (added) return added;
    if (type === 'local-git') {
      return new LocalGitPublisher({
        path: c?.getOptionalString('path') ?? './data/gitops.git',
        seedFrom: c?.getOptionalString('seedFrom'),
        baseBranch: c?.getOptionalString('baseBranch'),
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
  recentFlows?: (entityRef: string) => LeanFlow[];
}

/**
 * Wires the change-request feature: migrations, store, cluster policies, publisher,
 * outbox and tracking tasks, and the router.
 */
export async function setupRequests(
  options: SetupRequestsOptions,
): Promise<express.Router> {
  const { config, logger, scheduler, auditor } = options;
  const knex = await options.database.getClient();
  if (!options.database.migrations?.skip) await migrateRequestStore(knex);
  const store = new RequestStore(knex);
  const transitions = new RequestTransitions(store, auditor);
  const policies = new ClusterPolicies(options.clusters);
  const publisher = options.publishers.select(config);
  // The embedded local-git repository exists from the start, so a cluster
  // whose policy source is that repository (the default setup) reads the
  // seeded policies before any request is published.
  await publisher.init?.();
  const appBaseUrl = config.getOptionalString('app.baseUrl');
  const worker = new OutboxWorker({
    store,
    publisher,
    transitions,
    logger,
    lockMs:
      (config.getOptionalNumber('cilium.requests.publishLockSeconds') ?? 120) *
      1000,
    linkFor: id =>
      appBaseUrl ? `${appBaseUrl}/cilium/requests/${id}` : undefined,
  });
  const kick = () => {
    worker
      .runOnce()
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
  const reviewers =
    config.getOptionalStringArray('cilium.requests.reviewers') ??
    DEFAULT_REVIEWERS;
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
    merger: tracker,
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
      await worker.runOnce();
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
  options.lifecycle?.addShutdownHook(() => worker.stop());
  logger.info(
    `Connectivity requests publish with the ${publisher.type} publisher`,
  );
  return createRequestsRouter({
    httpAuth: options.httpAuth,
    auditor,
    service,
  });
}
