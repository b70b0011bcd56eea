import { Entity, RELATION_DEPENDS_ON } from '@backstage/catalog-model';
import { NotFoundError } from '@backstage/errors';
import {
  EntityConnectivityResponse,
  PolicyFileResponse,
  WorkloadIdentity,
} from '@cilium-zero-trust/plugin-cilium-common';
import { ClusterRegistry } from '../services/ClusterRegistry';
import { EntityWorkloadIndex } from '../services/EntityWorkloadIndex';
import { LiveFlowService } from '../services/live/LiveFlowService';
import { selectWorkloads } from '../services/WorkloadService';
import { computeDrift } from './drift';
import { PolicyLinker, policyLabel, toApiEdge } from './toApi';

function linker(template: string | undefined): PolicyLinker {
  return path =>
    template && path ? template.replace('{path}', path) : undefined;
}

/**
 * What the cluster's policies allow an entity's workloads to reach and be
 * reached by, with provenance, coverage and drift against the catalog and the
 * live traffic.
 */
export class ConnectivityService {
  constructor(
    private readonly deps: {
      clusters: ClusterRegistry;
      live: LiveFlowService;
      /** The current workload → entity map. */
      index: () => EntityWorkloadIndex;
    },
  ) {}

  async connectivity(
    entity: Entity,
    entityRef: string,
    identity: WorkloadIdentity,
  ): Promise<EntityConnectivityResponse> {
    const cluster = this.deps.clusters.get(identity.cluster);
    const snapshot = await cluster.model.current();
    const { engine } = snapshot;
    const index = this.deps.index();
    const link = linker(cluster.policyUrl);
    const mine = selectWorkloads(engine.workloads, identity);

    const response: EntityConnectivityResponse = {
      entityRef,
      cluster: cluster.name,
      clusters: identity.clusters,
      workloads: mine.map(w => w.id),
      coverage: [],
      ingress: [],
      egress: [],
      drift: [],
      policiesLoadedAt: snapshot.loadedAt.toISOString(),
      diagnostics: snapshot.diagnostics,
    };
    for (const w of mine) {
      const view = engine.workloadView(w.id);
      if (!view) continue;
      response.coverage.push({
        workload: w.id,
        ingress: {
          isolated: view.ingress.isolated,
          isolatedBy: view.ingress.isolatedBy.map(policyLabel),
        },
        egress: {
          isolated: view.egress.isolated,
          isolatedBy: view.egress.isolatedBy.map(policyLabel),
        },
      });
      for (const e of view.egress.edges) {
        response.egress.push(
          toApiEdge(e, 'egress', w.id, cluster.name, index, link),
        );
      }
      for (const e of view.ingress.edges) {
        response.ingress.push(
          toApiEdge(e, 'ingress', w.id, cluster.name, index, link),
        );
      }
    }
    const byPeer = (
      a: { peer: { id: string }; workload: string },
      b: { peer: { id: string }; workload: string },
    ) =>
      a.peer.id.localeCompare(b.peer.id) ||
      a.workload.localeCompare(b.workload);
    response.egress.sort(byPeer);
    response.ingress.sort(byPeer);

    const traffic = this.deps.live.traffic(entityRef, cluster.name);
    response.drift = computeDrift({
      entityRef,
      declared: (entity.relations ?? [])
        .filter(r => r.type === RELATION_DEPENDS_ON)
        .map(r => r.targetRef),
      networkEntities: index.entityRefs(),
      egress: response.egress,
      ingress: response.ingress,
      observed: traffic.edges,
      liveWindow: traffic.edges.length > 0,
    });
    return response;
  }

  /** One policy file of a cluster's policy source. */
  async policyFile(
    clusterName: string,
    path: string,
  ): Promise<PolicyFileResponse> {
    const cluster = this.deps.clusters.get(clusterName);
    const snapshot = await cluster.model.current();
    const yaml = snapshot.policyFiles.get(path);
    if (yaml === undefined) {
      throw new NotFoundError(
        `Cluster ${clusterName} has no policy file ${path}`,
      );
    }
    return {
      cluster: cluster.name,
      path,
      yaml,
      url: linker(cluster.policyUrl)(path),
    };
  }
}
