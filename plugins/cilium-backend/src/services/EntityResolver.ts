import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError, NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  ANNOTATION_CILIUM_CIDR,
  ANNOTATION_CILIUM_CLUSTER,
  ANNOTATION_CILIUM_FQDN,
  ANNOTATION_KUBERNETES_NAMESPACE,
  getEntityClusters,
  getWorkloadIdentity,
  WorkloadIdentity,
} from '@cilium-zero-trust/plugin-cilium-common';

/** An entity as the caller may see it, with its workload identity. */
export interface ResolvedEntity {
  entity: Entity;
  entityRef: string;
  /** The identity in the cluster asked for (else the entity's default). */
  identity: WorkloadIdentity;
}

/** The configured clusters, as the resolver needs them. */
export interface ConfiguredClusters {
  /** The first configured cluster: the default of entities that name none. */
  defaultCluster(): string;
  /** Every configured cluster. */
  names(): string[];
}

/** A cluster name as shown in an error: at most 63 characters, printable. */
function shown(text: string): string {
  return JSON.stringify(text.slice(0, 63));
}

/**
 * Reads the `?cluster=` query parameter: undefined when absent; a 400 when it
 * is repeated, nested or empty.
 */
export function clusterParam(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') {
    throw new InputError(
      'cluster must be one cluster name, e.g. ?cluster=prod (given once)',
    );
  }
  return value;
}

/**
 * Resolves catalog entities on behalf of the caller (with their credentials,
 * so the catalog's own permissions apply) and reads their workload identity
 * in one of the clusters they run in.
 */
export class EntityResolver {
  constructor(
    private readonly catalog: CatalogService,
    private readonly clusters: ConfiguredClusters,
  ) {}

  /** The entity, fetched with the caller's credentials; 404 when they cannot see it. */
  async fetch(
    ref: { kind: string; namespace: string; name: string },
    credentials: BackstageCredentials,
  ): Promise<{ entity: Entity; entityRef: string }> {
    const entityRef = stringifyEntityRef(ref);
    const entity = await this.catalog.getEntityByRef(entityRef, {
      credentials,
    });
    if (!entity) {
      throw new NotFoundError(
        `No entity ${entityRef} in the catalog, or you may not see it`,
      );
    }
    return { entity, entityRef: stringifyEntityRef(entity) };
  }

  /**
   * The clusters the entity runs in (its default first) and the one asked
   * for (`requested`, else the default). A 400 naming the entity's clusters
   * when it does not run in `requested` or that cluster is not configured.
   */
  clustersOf(
    entity: Entity,
    entityRef: string,
    requested?: string,
  ): { cluster: string; clusters: string[] } {
    const annotations = entity.metadata.annotations ?? {};
    const external =
      !annotations[ANNOTATION_KUBERNETES_NAMESPACE] &&
      !annotations[ANNOTATION_CILIUM_CLUSTER]?.trim() &&
      (!!annotations[ANNOTATION_CILIUM_FQDN] ||
        !!annotations[ANNOTATION_CILIUM_CIDR]);
    const result = getEntityClusters(entity, {
      defaultCluster: this.clusters.defaultCluster(),
    });
    if (!result.ok) throw new InputError(`${entityRef}: ${result.message}`);
    // An external peer (a Resource with an FQDN or CIDR and no cluster of
    // its own) is reached from every configured cluster.
    const clusters = external
      ? [...new Set([this.clusters.defaultCluster(), ...this.clusters.names()])]
      : result.clusters;
    const cluster = requested ?? clusters[0];
    if (!clusters.includes(cluster)) {
      throw new InputError(
        `${entityRef} does not run in cluster ${shown(
          cluster,
        )}; it runs in ${clusters.join(', ')} (${ANNOTATION_CILIUM_CLUSTER})`,
      );
    }
    const configured = this.clusters.names();
    if (!configured.includes(cluster)) {
      throw new InputError(
        `${entityRef} runs in cluster ${shown(
          cluster,
        )}, which is not configured under cilium.clusters (configured: ${
          configured.join(', ') || 'none'
        }); the entity runs in ${clusters.join(', ')}`,
      );
    }
    return { cluster, clusters };
  }

  /**
   * The entity and its workload identity in cluster `cluster` (else its
   * default); 400 when it has none, saying what to add, or when it does not
   * run in that cluster.
   */
  async resolve(
    ref: { kind: string; namespace: string; name: string },
    credentials: BackstageCredentials,
    cluster?: string,
  ): Promise<ResolvedEntity> {
    const { entity, entityRef } = await this.fetch(ref, credentials);
    return {
      entity,
      entityRef,
      identity: this.identityOf(entity, entityRef, cluster),
    };
  }

  /** The entity's workload identity in `cluster` (else its default); 400s as {@link EntityResolver.resolve}. */
  identityOf(
    entity: Entity,
    entityRef: string,
    cluster?: string,
  ): WorkloadIdentity {
    const result = getWorkloadIdentity(entity, {
      defaultCluster: this.clusters.defaultCluster(),
    });
    if (!result.ok) {
      throw new InputError(
        `${entityRef} has no workload identity: ${result.message}`,
      );
    }
    const chosen = this.clustersOf(entity, entityRef, cluster).cluster;
    return { ...result.identity, cluster: chosen };
  }
}
