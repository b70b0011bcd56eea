import { AuditorService, HttpAuthService } from '@backstage/backend-plugin-api';
import { InputError, serializeError } from '@backstage/errors';
import express from 'express';
import Router from 'express-promise-router';
import {
  ciliumFlowsReadPermission,
  ciliumPolicyReadPermission,
  CiliumHealthResponse,
  CiliumPublishingStatus,
  ciliumStatusReadPermission,
  CiliumStatusResponse,
  EntityWorkloadsResponse,
} from '@cilium-zero-trust/plugin-cilium-common';
import { ConnectivityService } from './connectivity/ConnectivityService';
import { ClusterRegistry } from './services/ClusterRegistry';
import { EntityAccess } from './services/EntityAccess';
import { withAuditEvent } from './services/auditing';
import { clusterParam, EntityResolver } from './services/EntityResolver';
import { TrafficHistoryService } from './services/history/TrafficHistoryService';
import { LiveFlowService } from './services/live/LiveFlowService';
import {
  StreamLease,
  StreamLimits,
  TooManyStreamsError,
} from './services/live/StreamLimits';
import { WorkloadService } from './services/WorkloadService';
import { openEventStream } from './sse';

/** What the router needs; everything is injected so tests can swap it. */
export interface RouterOptions {
  httpAuth: HttpAuthService;
  auditor: AuditorService;
  clusters: ClusterRegistry;
  entities: EntityResolver;
  access: EntityAccess;
  workloads: WorkloadService;
  live: LiveFlowService;
  /** Admission control for the live flow streams. */
  streams: StreamLimits;
  connectivity: ConnectivityService;
  /** Flows per minute over the last hour, per entity and per cluster, and coverage samples. */
  history: TrafficHistoryService;
  /** Whether approved requests are published (shown by `GET /status`). */
  publishing: CiliumPublishingStatus;
}

function parseLimit(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100000) {
    throw new InputError(
      `limit must be a whole number between 1 and 100000, got "${value}"`,
    );
  }
  return n;
}

/** The cilium backend's HTTP routes, mounted under `/api/cilium`. */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const {
    httpAuth,
    auditor,
    clusters,
    entities,
    access,
    workloads,
    live,
    streams,
    connectivity,
    history,
  } = options;
  const router = Router();
  router.use(express.json());

  /**
   * Resolves the entity with the caller's credentials, checks
   * cilium.flows.read, and reads `?cluster=` (one of the entity's clusters;
   * its default when absent).
   */
  async function readableEntity(req: express.Request) {
    const { kind, namespace, name } = req.params;
    const requested = clusterParam(req.query.cluster);
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const { entity, entityRef } = await entities.fetch(
      { kind, namespace, name },
      credentials,
    );
    await access.require(ciliumFlowsReadPermission, entityRef, credentials);
    const { cluster } = entities.clustersOf(entity, entityRef, requested);
    return { entityRef, cluster };
  }

  /** Runs a read inside an `entity-network-read` auditor event (created before validation, so failures are audited too). */
  function auditEntityRead<T>(
    req: express.Request,
    queryType: string,
    fn: () => Promise<T>,
  ): Promise<T> {
    const { kind, namespace, name } = req.params;
    return withAuditEvent(
      auditor,
      {
        eventId: 'entity-network-read',
        request: req,
        meta: {
          queryType,
          entityRef: `${kind}:${namespace}/${name}`,
          // As asked for (validated inside); absent: the entity's default.
          ...(typeof req.query.cluster === 'string'
            ? { cluster: req.query.cluster.slice(0, 63) }
            : {}),
        },
      },
      fn,
    );
  }

  router.get('/health', (_req, res) => {
    const body: CiliumHealthResponse = {
      status: 'ok',
      clusters: clusters.names(),
    };
    res.json(body);
  });

  router.get('/status', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    await access.requireBasic(ciliumStatusReadPermission, credentials);
    const body: CiliumStatusResponse = {
      ...live.status(),
      publishing: options.publishing,
    };
    res.json(body);
  });

  router.get('/entities/:kind/:namespace/:name/workloads', async (req, res) => {
    const body = await auditEntityRead(req, 'workloads', async () => {
      const { kind, namespace, name } = req.params;
      const requested = clusterParam(req.query.cluster);
      const credentials = await httpAuth.credentials(req, {
        allow: ['user', 'service'],
      });
      const resolved = await entities.resolve(
        { kind, namespace, name },
        credentials,
        requested,
      );
      const result: EntityWorkloadsResponse = {
        entityRef: resolved.entityRef,
        identity: resolved.identity,
        workloads: await workloads.workloadsFor(resolved.identity),
      };
      return result;
    });
    res.json(body);
  });

  router.get(
    '/entities/:kind/:namespace/:name/connectivity',
    async (req, res) => {
      const body = await auditEntityRead(req, 'connectivity', async () => {
        const { kind, namespace, name } = req.params;
        const requested = clusterParam(req.query.cluster);
        const credentials = await httpAuth.credentials(req, {
          allow: ['user', 'service'],
        });
        const resolved = await entities.fetch(
          { kind, namespace, name },
          credentials,
        );
        await access.require(
          ciliumFlowsReadPermission,
          resolved.entityRef,
          credentials,
        );
        // Authorised before the identity is read: the 400 names the clusters.
        return connectivity.connectivity(
          resolved.entity,
          resolved.entityRef,
          entities.identityOf(resolved.entity, resolved.entityRef, requested),
        );
      });
      res.json(body);
    },
  );

  router.get('/clusters/:cluster/policy-file', async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    await access.requireBasic(ciliumPolicyReadPermission, credentials);
    const path = req.query.path;
    if (typeof path !== 'string' || path === '' || path.includes('..')) {
      throw new InputError(
        'Give the policy file as ?path=<path relative to the policy source>, e.g. ?path=checkout/default-deny.yaml',
      );
    }
    res.json(await connectivity.policyFile(req.params.cluster, path));
  });

  router.get('/entities/:kind/:namespace/:name/flows', async (req, res) => {
    const limit = parseLimit(req.query.limit);
    const body = await auditEntityRead(req, 'flows', async () => {
      const { entityRef, cluster } = await readableEntity(req);
      return live.flows(entityRef, limit, cluster);
    });
    res.json(body);
  });

  router.get('/entities/:kind/:namespace/:name/traffic', async (req, res) => {
    const body = await auditEntityRead(req, 'traffic', async () => {
      const { entityRef, cluster } = await readableEntity(req);
      return live.traffic(entityRef, cluster);
    });
    res.json(body);
  });

  router.get(
    '/entities/:kind/:namespace/:name/traffic/history',
    async (req, res) => {
      const body = await auditEntityRead(req, 'traffic-history', async () => {
        const { entityRef, cluster } = await readableEntity(req);
        return history.entity(
          entityRef,
          history.parseEntityQuery(req.query),
          cluster,
        );
      });
      res.json(body);
    },
  );

  router.get('/traffic/history', async (req, res) => {
    const body = await withAuditEvent(
      auditor,
      {
        eventId: 'cluster-network-read',
        request: req,
        meta: { queryType: 'traffic-history' },
      },
      async () => {
        const credentials = await httpAuth.credentials(req, {
          allow: ['user', 'service'],
        });
        // Authorised before the query is read: the 400 names the clusters.
        await access.requireBasic(ciliumStatusReadPermission, credentials);
        return history.clusters(
          history.parseClusterQuery(req.query, clusters.names()),
        );
      },
    );
    res.json(body);
  });

  router.get(
    '/entities/:kind/:namespace/:name/flows/stream',
    async (req, res) => {
      const { entityRef, cluster } = await auditEntityRead(
        req,
        'flow-stream',
        () => readableEntity(req),
      );
      const credentials = await httpAuth.credentials(req, {
        allow: ['user', 'service'],
      });
      let lease: StreamLease;
      try {
        lease = streams.acquire(credentials);
      } catch (error) {
        if (!(error instanceof TooManyStreamsError)) throw error;
        res.status(429).json({
          error: serializeError(error),
          request: { method: req.method, url: req.originalUrl },
          response: { statusCode: 429 },
        });
        return;
      }
      const stream = openEventStream(req, res);
      const subscriber = live.subscribe(
        entityRef,
        batch => stream.write('flows', batch),
        cluster,
      );
      stream.onDrain(() => subscriber.resume());
      // At the token's expiry (or the maximum duration) the stream ends; the
      // browser reconnects with a fresh token.
      const end = setTimeout(() => {
        stream.write('end', { reason: 'credentials expired; reconnect' });
        stream.close();
      }, Math.max(0, lease.endsAt - Date.now()));
      end.unref?.();
      stream.onClose(() => {
        clearTimeout(end);
        live.unsubscribe(entityRef, subscriber, cluster);
        lease.release();
      });
    },
  );

  return router;
}
