import { AuthService } from '@backstage/backend-plugin-api';
import { Entity } from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';

/**
 * Every Component and Resource the live service may map flows to, read with
 * the plugin's own service credentials (the index is shared by all users;
 * each route checks the caller's access to the entity it answers about).
 */
export async function readMappableEntities(
  catalog: CatalogService,
  auth: AuthService,
): Promise<Entity[]> {
  const { items } = await catalog.getEntities(
    {
      filter: [{ kind: 'Component' }, { kind: 'Resource' }],
      fields: [
        'kind',
        'metadata.name',
        'metadata.namespace',
        'metadata.annotations',
      ],
    },
    { credentials: await auth.getOwnServiceCredentials() },
  );
  return items;
}
