import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
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
    if (userName.length > 63 || !USER_NAME.test(userName)) {
      throw new AuthenticationError(
        `${DEV_USER_HEADER} "${userName}" is not a valid User entity name`,
      );
    }
    return { result: { userName } };
  },
});

/** The config key that allows the dev sign-in outside development (like the guest provider's). */
export const DEV_ALLOW_OUTSIDE_DEVELOPMENT_KEY =
  'auth.providers.dev.dangerouslyAllowOutsideDevelopment';

/**
 * Is the development sign-in on? Only when `auth.environment` is
 * `development`. When it is on but `NODE_ENV` is `production`, this throws
 * (the backend refuses to start) unless
 * `auth.providers.dev.dangerouslyAllowOutsideDevelopment` is true: a
 * production deployment that layers its config on app-config.yaml without
 * app-config.production.yaml must not keep a provider that signs anyone in as
 * anyone, reviewers included, from one header.
 */
export function devSignInEnabled(config: Config): boolean {
  if (config.getOptionalString('auth.environment') !== 'development')
    return false;
  if (
    process.env.NODE_ENV === 'production' &&
    config.getOptionalBoolean(DEV_ALLOW_OUTSIDE_DEVELOPMENT_KEY) !== true
  ) {
    throw new Error(
      `The dev sign-in provider (sign in as any user from the ${DEV_USER_HEADER} header) refuses to start with NODE_ENV=production. ` +
        `Layer app-config.production.yaml (it sets auth.environment: production) and configure a real sign-in provider, ` +
        `or, for a demo only, set ${DEV_ALLOW_OUTSIDE_DEVELOPMENT_KEY}: true.`,
    );
  }
  return true;
}

/**
 * Adds the `dev` auth provider — sign in as any User entity of the catalog —
 * but only when `auth.environment` is `development`, and with
 * `NODE_ENV=production` only when
 * `auth.providers.dev.dangerouslyAllowOutsideDevelopment` is true (see
 * {@link devSignInEnabled}). Anywhere else the provider does not exist and
 * `/api/auth/dev/*` answers 404.
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
        if (!devSignInEnabled(config)) {
          logger.info(
            `The dev sign-in provider is off: auth.environment is ${
              config.getOptionalString('auth.environment') ?? 'not set'
            }, not development`,
          );
          return;
        }
        if (process.env.NODE_ENV === 'production')
          logger.warn(
            `The dev sign-in provider is on with NODE_ENV=production because ${DEV_ALLOW_OUTSIDE_DEVELOPMENT_KEY} is true: anyone who can reach the backend can sign in as any user`,
          );
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
