import path from 'path';
import { authServiceFactory } from '@backstage/backend-defaults/auth';
import { httpAuthServiceFactory } from '@backstage/backend-defaults/httpAuth';
import { schedulerServiceFactory } from '@backstage/backend-defaults/scheduler';
import { userInfoServiceFactory } from '@backstage/backend-defaults/userInfo';
import { backendFeatures } from '../features';

/** The repository's root (examples/, catalog-info.yaml). */
export const repoRoot = path.resolve(__dirname, '../../../..');

/**
 * The sample backend's features with the real auth, user-info and scheduler
 * services (startTestBackend would mock them): tokens are issued and checked
 * as in production and the outbox and trackers run on their own.
 */
export const realServiceFeatures = [
  ...backendFeatures,
  authServiceFactory,
  httpAuthServiceFactory,
  userInfoServiceFactory,
  schedulerServiceFactory,
];

/** Sign-in through the dev provider (a header names the user). */
export const devAuth = {
  environment: 'development',
  providers: { dev: {} },
};

/**
 * The sample catalog (examples/catalog, processed every second) with the
 * kinds the sample allows, plus any other file locations.
 */
export function sampleCatalog(...extraFiles: string[]) {
  return {
    rules: [
      {
        allow: [
          'Component',
          'System',
          'API',
          'Resource',
          'Location',
          'User',
          'Group',
          'Domain',
        ],
      },
    ],
    locations: [
      path.join(repoRoot, 'examples/catalog/all.yaml'),
      ...extraFiles,
    ].map(target => ({ type: 'file', target })),
    processingInterval: { seconds: 1 },
  };
}
