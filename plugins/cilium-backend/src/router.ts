import {
  AuditorService,
  HttpAuthService,
} from '@backstage/backend-plugin-api';
import express from 'express';
import Router from 'express-promise-router';
import { CiliumHealthResponse, EntityWorkloadsResponse } from '@internal/plugin-cilium-common';
import { ClusterRegistry } from './services/ClusterRegistry';
import { EntityResolver } from './services/EntityResolver';
import { WorkloadService } from './services/WorkloadService';

/** What the router needs; everything is injected so tests can swap it. */
export interface RouterOptions {
  httpAuth: HttpAuthService;
  auditor: AuditorService;
  clusters: ClusterRegistry;
  entities: EntityResolver;
  workloads: WorkloadService;
}

/** The cilium backend's HTTP routes, mounted under `/api/cilium`. */
export async function createRouter(options: RouterOptions): Promise<express.Router> {
  const { httpAuth, auditor, clusters, entities, workloads } = options;
  const router = Router();
  router.use(express.json());

  router.get('/health', (_req, res) => {
    const body: CiliumHealthResponse = { status: 'ok', clusters: clusters.names() };
    res.json(body);
  });

  router.get('/entities/:kind/:namespace/:name/workloads', async (req, res) => {
    const { kind, namespace, name } = req.params;
    const auditorEvent = await auditor.createEvent({
      eventId: 'workloads-fetch',
      request: req,
      meta: { queryType: 'workloads', entityRef: `${kind}:${namespace}/${name}` },
    });
    try {
      const credentials = await httpAuth.credentials(req, { allow: ['user', 'service'] });
      const resolved = await entities.resolve({ kind, namespace, name }, credentials);
      const body: EntityWorkloadsResponse = {
        entityRef: resolved.entityRef,
        identity: resolved.identity,
        workloads: await workloads.workloadsFor(resolved.identity),
      };
      await auditorEvent.success();
      res.json(body);
    } catch (error) {
      await auditorEvent.fail({ error });
      throw error;
    }
  });

  return router;
}
