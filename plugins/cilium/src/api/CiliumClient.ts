import { CompoundEntityRef } from '@backstage/catalog-model';
import { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  CiliumStatusResponse,
  EntityConnectivityResponse,
  EntityFlowsResponse,
  EntityTrafficResponse,
  EntityWorkloadsResponse,
  FlowStreamBatch,
  PolicyFileResponse,
} from '@internal/plugin-cilium-common';
import { CiliumApi } from './CiliumApi';
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

  async getEntityWorkloads(entity: CompoundEntityRef): Promise<EntityWorkloadsResponse> {
    return this.get(`${this.entityPath(entity)}/workloads`);
  }

  async getEntityConnectivity(entity: CompoundEntityRef): Promise<EntityConnectivityResponse> {
    return this.get(`${this.entityPath(entity)}/connectivity`);
  }

  async getPolicyFile(cluster: string, path: string): Promise<PolicyFileResponse> {
    return this.get(
      `/clusters/${encodeURIComponent(cluster)}/policy-file?path=${encodeURIComponent(path)}`,
    );
  }

  async getEntityFlows(
    entity: CompoundEntityRef,
    options: { limit?: number } = {},
  ): Promise<EntityFlowsResponse> {
    const query = options.limit ? `?limit=${options.limit}` : '';
    return this.get(`${this.entityPath(entity)}/flows${query}`);
  }

  async getEntityTraffic(entity: CompoundEntityRef): Promise<EntityTrafficResponse> {
    return this.get(`${this.entityPath(entity)}/traffic`);
  }

  async getStatus(): Promise<CiliumStatusResponse> {
    return this.get('/status');
  }

  async streamEntityFlows(
    entity: CompoundEntityRef,
    onBatch: (batch: FlowStreamBatch) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const baseUrl = await this.discoveryApi.getBaseUrl('cilium');
    const response = await this.fetchApi.fetch(`${baseUrl}${this.entityPath(entity)}/flows/stream`, {
      headers: { accept: 'text/event-stream' },
      signal,
    });
    if (!response.ok) throw await ResponseError.fromResponse(response);
    if (!response.body) throw new Error('The browser gave no readable body for the flow stream');
    await readEventStream(response.body, event => {
      if (event.event === 'flows') onBatch(JSON.parse(event.data) as FlowStreamBatch);
    });
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
