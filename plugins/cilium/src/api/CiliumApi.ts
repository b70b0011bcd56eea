import { CompoundEntityRef } from '@backstage/catalog-model';
import { createApiRef } from '@backstage/core-plugin-api';
import {
  CiliumStatusResponse,
  EntityConnectivityResponse,
  EntityFlowsResponse,
  EntityTrafficResponse,
  EntityWorkloadsResponse,
  FlowStreamBatch,
  PolicyFileResponse,
} from '@internal/plugin-cilium-common';

/**
 * What the frontend asks the cilium backend.
 * @public
 */
export interface CiliumApi {
  /** The entity's workload identity and the workloads that match it. */
  getEntityWorkloads(entity: CompoundEntityRef): Promise<EntityWorkloadsResponse>;
  /** What the policies allow the entity to reach and be reached by, coverage and drift. */
  getEntityConnectivity(entity: CompoundEntityRef): Promise<EntityConnectivityResponse>;
  /** One policy file of a cluster's policy source. */
  getPolicyFile(cluster: string, path: string): Promise<PolicyFileResponse>;
  /** The entity's recent flows (Hubble's JSON), oldest first. */
  getEntityFlows(entity: CompoundEntityRef, options?: { limit?: number }): Promise<EntityFlowsResponse>;
  /** The entity's observed traffic, aggregated per peer and port. */
  getEntityTraffic(entity: CompoundEntityRef): Promise<EntityTrafficResponse>;
  /** Per cluster: is Hubble Relay connected, flows/s, lag, nodes, last error. */
  getStatus(): Promise<CiliumStatusResponse>;
  /**
   * Follows the entity's flows as they arrive; resolves when the server ends
   * the stream, rejects on errors (including an abort through `signal`).
   */
  streamEntityFlows(
    entity: CompoundEntityRef,
    onBatch: (batch: FlowStreamBatch) => void,
    signal: AbortSignal,
  ): Promise<void>;
}

/** @public */
export const ciliumApiRef = createApiRef<CiliumApi>({ id: 'plugin.cilium.service' });
