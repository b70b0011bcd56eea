import {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import {
  AuthorizeResult,
  BasicPermission,
  ResourcePermission,
} from '@backstage/plugin-permission-common';

/** Checks the caller's permissions (catalog-entity resource permissions and basic ones). */
export class EntityAccess {
  constructor(private readonly permissions: PermissionsService) {}

  async require(
    permission: ResourcePermission<'catalog-entity'>,
    entityRef: string,
    credentials: BackstageCredentials,
  ): Promise<void> {
    const [decision] = await this.permissions.authorize(
      [{ permission, resourceRef: entityRef }],
      {
        credentials,
      },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `You are not allowed to ${permission.name} on ${entityRef}`,
      );
    }
  }

  /** Throws NotAllowedError unless the caller is allowed the basic permission. */
  async requireBasic(
    permission: BasicPermission,
    credentials: BackstageCredentials,
  ): Promise<void> {
    const [decision] = await this.permissions.authorize([{ permission }], {
      credentials,
    });
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(`You are not allowed to ${permission.name}`);
    }
  }
}
