import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { AuthenticationError } from '@backstage/errors';
import {
  authProvidersExtensionPoint,
  createProxyAuthenticator,
  createProxyAuthProviderFactory,
} from '@backstage/plugin-auth-node';

/** The header that names the sample user to sign in as. */
export const DEV_USER_HEADER = 'x-dev-user';

const USER_NAME = /^[a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?$/;

/**
 * A proxy-style authenticator: the caller says who they are in a header. Only
 * for local development and tests — it trusts the header completely.
 */
const devAuthenticator = createProxyAuthenticator({
  defaultProfileTransform: async (result: { userName: string }) => ({
    profile: { displayName: result.userName },
  }),
  initialize() {},
  async authenticate({ req }) {
    const userName = req.header(DEV_USER_HEADER);
    if (!userName) {
      throw new AuthenticationError(
        `Missing the ${DEV_USER_HEADER} header; set it to the name of a User entity, e.g. ${DEV_USER_HEADER}: jane.doe`,
      );
    }
    if (!USER_NAME.test(userName) || userName.length > 63) {
      throw new AuthenticationError(
        `${DEV_USER_HEADER} "${userName}" is not a valid User entity name`,
      );
    }
    return { result: { userName } };
  },
});

/**
 * Adds the `dev` auth provider — sign in as any User entity of the catalog —
 * but only when `auth.environment` is `development`. Anywhere else the
 * provider does not exist and `/api/auth/dev/*` answers 404.
 */
export const authModuleDevProvider = createBackendModule({
  pluginId: 'auth',
  moduleId: 'dev-provider',
  register(reg) {
    reg.registerInit({
      deps: {
        providers: authProvidersExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
      },
      async init({ providers, config, logger }) {
        const environment = config.getOptionalString('auth.environment');
        if (environment !== 'development') {
          logger.info(
            `The dev sign-in provider is off: auth.environment is ${
              environment ?? 'not set'
            }, not development`,
          );
          return;
        }
        providers.registerProvider({
          providerId: 'dev',
          factory: createProxyAuthProviderFactory({
            authenticator: devAuthenticator,
            async signInResolver({ result }, ctx) {
              return ctx.signInWithCatalogUser({
                entityRef: { name: result.userName },
              });
            },
          }),
        });
      },
    });
  },
});
