import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import {
  RELATION_MEMBER_OF,
  stringifyEntityRef,
  UserEntity,
} from '@backstage/catalog-model';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import Router from 'express-promise-router';
import { devSignInEnabled } from './devAuthProvider';

/** One sample user the development sign-in page offers. */
export interface DevSignInUser {
  name: string;
  entityRef: string;
  displayName: string;
  email?: string;
  groups: string[];
}

/**
 * Lists the catalog's User entities, without authentication, so the
 * development sign-in page can offer them. Registered exactly when the `dev`
 * auth provider is (`auth.environment: development`, and with
 * `NODE_ENV=production` only with
 * `auth.providers.dev.dangerouslyAllowOutsideDevelopment: true`); anywhere
 * else `/api/devsignin/users` answers 404.
 */
export const devSignInUsersPlugin = createBackendPlugin({
  pluginId: 'devsignin',
  register(env) {
    env.registerInit({
      deps: {
        httpRouter: coreServices.httpRouter,
        config: coreServices.rootConfig,
        auth: coreServices.auth,
        catalog: catalogServiceRef,
      },
      async init({ httpRouter, config, auth, catalog }) {
        if (!devSignInEnabled(config)) return;
        const router = Router();
        router.get('/users', async (_req, res) => {
          const credentials = await auth.getOwnServiceCredentials();
          const { items } = await catalog.getEntities(
            { filter: { kind: 'User' } },
            { credentials },
          );
          const users: DevSignInUser[] = (items as UserEntity[])
            .map(u => ({
              name: u.metadata.name,
              entityRef: stringifyEntityRef(u),
              displayName: u.spec?.profile?.displayName ?? u.metadata.name,
              email: u.spec?.profile?.email,
              groups: (u.relations ?? [])
                .filter(r => r.type === RELATION_MEMBER_OF)
                .map(r => r.targetRef),
            }))
            .sort((a, b) => a.displayName.localeCompare(b.displayName));
          res.json({ users });
        });
        httpRouter.use(router);
        httpRouter.addAuthPolicy({ path: '/users', allow: 'unauthenticated' });
      },
    });
  },
});
