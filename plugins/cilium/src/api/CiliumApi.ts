import { CompoundEntityRef } from '@backstage/catalog-model';
import { createApiRef } from '@backstage/core-plugin-api';
import { EntityWorkloadsResponse } from '@internal/plugin-cilium-common';

/**
 * What the frontend asks the cilium backend.
 * @public
 */
export interface CiliumApi {
  /** The entity's workload identity and the workloads that match it. */
  getEntityWorkloads(entity: CompoundEntityRef): Promise<EntityWorkloadsResponse>;
}

/** @public */
export const ciliumApiRef = createApiRef<CiliumApi>({ id: 'plugin.cilium.service' });
