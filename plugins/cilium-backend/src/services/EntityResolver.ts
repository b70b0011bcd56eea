import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError, NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  getWorkloadIdentity,
  WorkloadIdentity,
} from '@cilium-zero-trust/plugin-cilium-common';

/** An entity as the caller may see it, with its workload identity. */
export interface ResolvedEntity {
  entity: Entity;
  entityRef: string;
  identity: WorkloadIdentity;
}

/**
 * Resolves catalog entities on behalf of the caller (with their credentials,
 * so the catalog's own permissions apply) and reads their workload identity.
 */
export class EntityResolver {
  constructor(
    private readonly catalog: CatalogService,
    private readonly defaultCluster: () => string,
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

  /** The entity and its workload identity; 400 when it has none, saying what to add. */
  async resolve(
    ref: { kind: string; namespace: string; name: string },
    credentials: BackstageCredentials,
  ): Promise<ResolvedEntity> {
    const { entity, entityRef } = await this.fetch(ref, credentials);
    const result = getWorkloadIdentity(entity, {
      defaultCluster: this.defaultCluster(),
    });
    if (!result.ok) {
      throw new InputError(
        `${entityRef} has no workload identity: ${result.message}`,
      );
    }
    return { entity, entityRef, identity: result.identity };
  }
}
