import { CompoundEntityRef } from '@backstage/catalog-model';
import { createApiRef } from '@backstage/core-plugin-api';
import {
  CiliumStatusResponse,
  ConnectivityPreview,
  ConnectivityRequest,
  ConnectivityRequestBody,
  ConnectivityRequestList,
  ConnectivityRequestState,
  EntityConnectivityResponse,
  EntityFlowsResponse,
  EntityTrafficHistoryResponse,
  EntityTrafficResponse,
  EntityWorkloadsResponse,
  FlowStreamBatch,
  PolicyFileResponse,
  TrafficHistoryResponse,
} from '@cilium-zero-trust/plugin-cilium-common';

/**
 * What the frontend asks the cilium backend.
 * @public
 */
export interface CiliumApi {
  /** The entity's workload identity and the workloads that match it. */
  getEntityWorkloads(
    entity: CompoundEntityRef,
    options?: EntityClusterOptions,
  ): Promise<EntityWorkloadsResponse>;
  /** What the policies allow the entity to reach and be reached by, coverage and drift. */
  getEntityConnectivity(
    entity: CompoundEntityRef,
    options?: EntityClusterOptions,
  ): Promise<EntityConnectivityResponse>;
  /** One policy file of a cluster's policy source. */
  getPolicyFile(cluster: string, path: string): Promise<PolicyFileResponse>;
  /** The entity's recent flows (Hubble's JSON), oldest first. */
  getEntityFlows(
    entity: CompoundEntityRef,
    options?: EntityClusterOptions & { limit?: number },
  ): Promise<EntityFlowsResponse>;
  /** The entity's observed traffic, aggregated per peer and port. */
  getEntityTraffic(
    entity: CompoundEntityRef,
    options?: EntityClusterOptions,
  ): Promise<EntityTrafficResponse>;
  /**
   * The entity's forwarded and dropped flows per minute over the last hour
   * (or `minutes`), with the busiest `peers` of each minute.
   */
  getEntityTrafficHistory(
    entity: CompoundEntityRef,
    options?: EntityClusterOptions & { minutes?: number; peers?: number },
  ): Promise<EntityTrafficHistoryResponse>;
  /**
   * Per cluster (or the one named): every flow per minute over the last hour
   * (or `minutes`) and the default-deny coverage sampled each minute.
   */
  getTrafficHistory(options?: {
    minutes?: number;
    cluster?: string;
  }): Promise<TrafficHistoryResponse>;
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
    options?: EntityClusterOptions,
  ): Promise<void>;

  /** Generates, validates and tests a request without saving it (owners of the source only). */
  previewRequest(
    body: ConnectivityRequestBody,
    options?: { signal?: AbortSignal },
  ): Promise<ConnectivityPreview>;
  /** Files a connectivity request (owners of the source only). */
  createRequest(body: ConnectivityRequestBody): Promise<ConnectivityRequest>;
  /** Requests, newest first: of an entity (as source or target), in a state, the caller's own, or those the caller may decide on. */
  listRequests(query?: RequestListQuery): Promise<ConnectivityRequestList>;
  /** One request with its timeline (`events`). */
  getRequest(id: string): Promise<ConnectivityRequest>;
  /** Approval by a reviewer and/or consent of a destination owner. */
  approveRequest(id: string, comment?: string): Promise<ConnectivityRequest>;
  /** Rejects a submitted request; the reason is required. */
  rejectRequest(id: string, reason: string): Promise<ConnectivityRequest>;
  /** Withdraws the caller's own request before it is published. */
  withdrawRequest(id: string, comment?: string): Promise<ConnectivityRequest>;
  /** Merges a request published to the local GitOps repository (reviewers). */
  mergeRequest(id: string): Promise<ConnectivityRequest>;
  /** Publishes an approved request again after its publication failed (reviewers). */
  retryPublishRequest(id: string): Promise<ConnectivityRequest>;
  /** Files the removal of an expiring grant again after its removal was closed unmerged (reviewers). */
  fileRemovalAgain(id: string): Promise<ConnectivityRequest>;
  /** The request event log as CSV or JSON lines (reviewers). */
  exportAudit(query: AuditQuery): Promise<string>;
}

/**
 * Which of the entity's clusters an entity call is about.
 * @public
 */
export interface EntityClusterOptions {
  /**
   * One of the clusters the entity runs in (`cilium.backstage.io/cluster`);
   * the entity's default cluster when omitted.
   */
  cluster?: string;
}

/**
 * Filters of {@link CiliumApi.listRequests}.
 * @public
 */
export interface RequestListQuery {
  entity?: string;
  state?: ConnectivityRequestState;
  mine?: boolean;
  toReview?: boolean;
}

/**
 * Filters of {@link CiliumApi.exportAudit}.
 * @public
 */
export interface AuditQuery {
  format: 'jsonl' | 'csv';
  /** ISO-8601 date-times. */
  from?: string;
  to?: string;
  entity?: string;
}

/** @public */
export const ciliumApiRef = createApiRef<CiliumApi>({
  id: 'plugin.cilium.service',
});
