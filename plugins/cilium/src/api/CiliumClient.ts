import { CompoundEntityRef } from '@backstage/catalog-model';
import { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  CiliumStatusResponse,
  ConnectivityPreview,
  ConnectivityRequest,
  ConnectivityRequestBody,
  ConnectivityRequestList,
  EntityConnectivityResponse,
  EntityFlowsResponse,
  EntityTrafficHistoryResponse,
  EntityTrafficResponse,
  EntityWorkloadsResponse,
  FlowStreamBatch,
  PolicyFileResponse,
  TrafficHistoryResponse,
} from '@cilium-zero-trust/plugin-cilium-common';
import {
  AuditQuery,
  CiliumApi,
  EntityClusterOptions,
  RequestListQuery,
} from './CiliumApi';
import { readEventStream } from './parseEventStream';

/**
 * The default {@link CiliumApi}: calls the cilium backend with the user's
 * Backstage token (through the fetch API).
 * @public
 */
export class CiliumClient implements CiliumApi {
  private readonly discoveryApi: DiscoveryApi;
  private readonly fetchApi: FetchApi;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi;
  }

  async getEntityWorkloads(
    entity: CompoundEntityRef,
    options: EntityClusterOptions = {},
  ): Promise<EntityWorkloadsResponse> {
    return this.get(this.entityUrl(entity, '/workloads', options));
  }

  async getEntityConnectivity(
    entity: CompoundEntityRef,
    options: EntityClusterOptions = {},
  ): Promise<EntityConnectivityResponse> {
    return this.get(this.entityUrl(entity, '/connectivity', options));
  }

  async getPolicyFile(
    cluster: string,
    path: string,
  ): Promise<PolicyFileResponse> {
    return this.get(
      `/clusters/${encodeURIComponent(
        cluster,
      )}/policy-file?path=${encodeURIComponent(path)}`,
    );
  }

  async getEntityFlows(
    entity: CompoundEntityRef,
    options: EntityClusterOptions & { limit?: number } = {},
  ): Promise<EntityFlowsResponse> {
    const params = new URLSearchParams();
    if (options.limit) params.set('limit', String(options.limit));
    return this.get(this.entityUrl(entity, '/flows', options, params));
  }

  async getEntityTraffic(
    entity: CompoundEntityRef,
    options: EntityClusterOptions = {},
  ): Promise<EntityTrafficResponse> {
    return this.get(this.entityUrl(entity, '/traffic', options));
  }

  async getEntityTrafficHistory(
    entity: CompoundEntityRef,
    options: EntityClusterOptions & { minutes?: number; peers?: number } = {},
  ): Promise<EntityTrafficHistoryResponse> {
    const params = new URLSearchParams();
    if (options.minutes !== undefined)
      params.set('minutes', String(options.minutes));
    if (options.peers !== undefined) params.set('peers', String(options.peers));
    return this.get(
      this.entityUrl(entity, '/traffic/history', options, params),
    );
  }

  async getTrafficHistory(
    options: { minutes?: number; cluster?: string } = {},
  ): Promise<TrafficHistoryResponse> {
    const params = new URLSearchParams();
    if (options.minutes !== undefined)
      params.set('minutes', String(options.minutes));
    if (options.cluster) params.set('cluster', options.cluster);
    const qs = params.toString();
    return this.get(`/traffic/history${qs ? `?${qs}` : ''}`);
  }

  async getStatus(): Promise<CiliumStatusResponse> {
    return this.get('/status');
  }

  async streamEntityFlows(
    entity: CompoundEntityRef,
    onBatch: (batch: FlowStreamBatch) => void,
    signal: AbortSignal,
    options: EntityClusterOptions = {},
  ): Promise<void> {
    const baseUrl = await this.discoveryApi.getBaseUrl('cilium');
    const response = await this.fetchApi.fetch(
      `${baseUrl}${this.entityUrl(entity, '/flows/stream', options)}`,
      {
        headers: { accept: 'text/event-stream' },
        signal,
      },
    );
    if (!response.ok) throw await ResponseError.fromResponse(response);
    if (!response.body)
      throw new Error('The browser gave no readable body for the flow stream');
    await readEventStream(response.body, event => {
      if (event.event === 'flows')
        onBatch(JSON.parse(event.data) as FlowStreamBatch);
    });
  }

  async previewRequest(
    body: ConnectivityRequestBody,
    options: { signal?: AbortSignal } = {},
  ): Promise<ConnectivityPreview> {
    return this.send('POST', '/requests/preview', body, options.signal);
  }

  async createRequest(
    body: ConnectivityRequestBody,
  ): Promise<ConnectivityRequest> {
    return this.send('POST', '/requests', body);
  }

  async listRequests(
    query: RequestListQuery = {},
  ): Promise<ConnectivityRequestList> {
    const params = new URLSearchParams();
    if (query.entity) params.set('entity', query.entity);
    if (query.state) params.set('state', query.state);
    if (query.mine) params.set('mine', 'true');
    if (query.toReview) params.set('to-review', 'true');
    const qs = params.toString();
    return this.get(`/requests${qs ? `?${qs}` : ''}`);
  }

  async getRequest(id: string): Promise<ConnectivityRequest> {
    return this.get(`/requests/${encodeURIComponent(id)}`);
  }

  async approveRequest(
    id: string,
    comment?: string,
  ): Promise<ConnectivityRequest> {
    return this.send(
      'POST',
      `/requests/${encodeURIComponent(id)}/approve`,
      comment ? { comment } : {},
    );
  }

  async rejectRequest(
    id: string,
    reason: string,
  ): Promise<ConnectivityRequest> {
    return this.send('POST', `/requests/${encodeURIComponent(id)}/reject`, {
      reason,
    });
  }

  async withdrawRequest(
    id: string,
    comment?: string,
  ): Promise<ConnectivityRequest> {
    return this.send(
      'POST',
      `/requests/${encodeURIComponent(id)}/withdraw`,
      comment ? { comment } : {},
    );
  }

  async mergeRequest(id: string): Promise<ConnectivityRequest> {
    return this.send('POST', `/requests/${encodeURIComponent(id)}/merge`, {});
  }

  async retryPublishRequest(id: string): Promise<ConnectivityRequest> {
    return this.send(
      'POST',
      `/requests/${encodeURIComponent(id)}/retry-publish`,
      {},
    );
  }

  async fileRemovalAgain(id: string): Promise<ConnectivityRequest> {
    return this.send(
      'POST',
      `/requests/${encodeURIComponent(id)}/file-removal`,
      {},
    );
  }

  async exportAudit(query: AuditQuery): Promise<string> {
    const params = new URLSearchParams({ format: query.format });
    if (query.from) params.set('from', query.from);
    if (query.to) params.set('to', query.to);
    if (query.entity) params.set('entity', query.entity);
    const baseUrl = await this.discoveryApi.getBaseUrl('cilium');
    const response = await this.fetchApi.fetch(`${baseUrl}/audit?${params}`);
    if (!response.ok) throw await ResponseError.fromResponse(response);
    return response.text();
  }

  private async send<T>(
    method: string,
    path: string,
    body: unknown,
    signal?: AbortSignal,
  ): Promise<T> {
    const baseUrl = await this.discoveryApi.getBaseUrl('cilium');
    const response = await this.fetchApi.fetch(`${baseUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal,
    });
    if (!response.ok) throw await ResponseError.fromResponse(response);
    return (await response.json()) as T;
  }

  /** The entity's route with `?cluster=` (when given) and other parameters. */
  private entityUrl(
    entity: CompoundEntityRef,
    route: string,
    options: EntityClusterOptions,
    params: URLSearchParams = new URLSearchParams(),
  ): string {
    if (options.cluster) params.set('cluster', options.cluster);
    const qs = params.toString();
    return `${this.entityPath(entity)}${route}${qs ? `?${qs}` : ''}`;
  }

  private entityPath(entity: CompoundEntityRef): string {
    const parts = [entity.kind, entity.namespace, entity.name].map(p =>
      encodeURIComponent(p.toLocaleLowerCase('en-US')),
    );
    return `/entities/${parts.join('/')}`;
  }

  private async get<T>(path: string): Promise<T> {
    const baseUrl = await this.discoveryApi.getBaseUrl('cilium');
    const response = await this.fetchApi.fetch(`${baseUrl}${path}`);
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return (await response.json()) as T;
  }
}
