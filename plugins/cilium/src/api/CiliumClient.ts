import { CompoundEntityRef } from '@backstage/catalog-model';
import { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import { EntityWorkloadsResponse } from '@internal/plugin-cilium-common';
import { CiliumApi } from './CiliumApi';

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
