import fs from 'fs';
import path from 'path';
import request from 'supertest';
import { parse as parseYaml } from 'yaml';
import { ConfigReader } from '@backstage/config';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { authServiceFactory } from '@backstage/backend-defaults/auth';
import { databaseServiceFactory } from '@backstage/backend-defaults/database';
import { httpAuthServiceFactory } from '@backstage/backend-defaults/httpAuth';
import { userInfoServiceFactory } from '@backstage/backend-defaults/userInfo';
import { eventually } from '@internal/test-shared-data';
import { backendFeatures } from './features';
import { repoRoot, sampleCatalog } from './__testUtils__/sampleBackend';

/** Set by `.ci/run`, which starts a PostgreSQL server; absent on a developer's machine. */
const postgres =
  process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING;

function config(
  environment: string,
  database?: object,
  auth: object = { environment, providers: { dev: {} } },
) {
  return mockServices.rootConfig.factory({
    data: {
      ...(database ? { backend: { database } } : {}),
      app: { baseUrl: 'http://localhost:3000' },
      auth,
      permission: { enabled: true },
      catalog: sampleCatalog(path.join(repoRoot, 'catalog-info.yaml')),
      cilium: {
        clusters: [
          {
            name: 'dev',
            workloads: {
              type: 'manifests',
              path: path.join(repoRoot, 'examples/cluster'),
            },
          },
        ],
      },
    },
  });
}

/** The real auth services, so the tokens the dev provider issues are verified for real. */
const realAuth = [
  authServiceFactory,
  httpAuthServiceFactory,
  userInfoServiceFactory,
];

const databases: Array<[string, any[]]> = [['SQLite (in memory)', []]];
if (postgres) {
  databases.push(['PostgreSQL', [databaseServiceFactory]]);
} else {
  // eslint-disable-next-line no-console
  console.warn(
    'PostgreSQL run of the backend test skipped: set BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING (.ci/run does)',
  );
}

describe('the sample backend', () => {
  jest.setTimeout(90000);

  it.each(databases)(
    'starts with every plugin on %s, loads the sample catalog and signs in a sample user with their groups',
    async (name, extra) => {
      const database =
        name === 'PostgreSQL'
          ? {
              client: 'pg',
              connection: postgres,
              prefix: `test_${process.pid}_${Date.now()}_`,
            }
          : undefined;
      const backend = await startTestBackend({
        features: [
          ...backendFeatures,
          ...realAuth,
          config('development', database),
          ...extra,
        ],
      });
      const server = backend.server;
      try {
        const health = await request(server).get('/api/cilium/health');
        expect(health.status).toBe(200);

        const users = await eventually(async () => {
          const res = await request(server).get('/api/devsignin/users');
          return res.body.users?.length >= 8 ? res.body.users : undefined;
        });
        const platformUser = users.find((u: any) =>
          u.groups.includes('group:default/platform-team'),
        );
        expect(platformUser).toBeDefined();

        const refresh = await request(server)
          .get('/api/auth/dev/refresh')
          .set('x-dev-user', platformUser.name);
        expect(refresh.status).toBe(200);
        expect(refresh.body.backstageIdentity.token).toEqual(
          expect.any(String),
        );
        expect(refresh.body.backstageIdentity.identity).toMatchObject({
          userEntityRef: `user:default/${platformUser.name}`,
          ownershipEntityRefs: expect.arrayContaining([
            'group:default/platform-team',
          ]),
        });

        const unknown = await request(server)
          .get('/api/auth/dev/refresh')
          .set('x-dev-user', 'no.such.user');
        expect(unknown.status).toBe(404);
        const missing = await request(server).get('/api/auth/dev/refresh');
        expect(missing.status).toBe(401);
        expect(missing.body.error.message).toMatch(/x-dev-user/);

        const catalog = await request(server)
          .get(
            '/api/catalog/entities/by-name/component/default/cilium-zero-trust-backstage',
          )
          .set(
            'authorization',
            `Bearer ${refresh.body.backstageIdentity.token}`,
          );
        expect(catalog.status).toBe(200);

        // The Network tab's route resolves the entity with the caller's real token.
        const workloads = await request(server)
          .get('/api/cilium/entities/component/default/checkout/workloads')
          .set(
            'authorization',
            `Bearer ${refresh.body.backstageIdentity.token}`,
          );
        expect(workloads.status).toBe(200);
        expect(
          workloads.body.workloads.map(
            (w: any) => `${w.namespace}/${w.name}[${w.kind}]`,
          ),
        ).toEqual(['checkout/checkout[Deployment]']);
        const anonymous = await request(server).get(
          '/api/cilium/entities/component/default/checkout/workloads',
        );
        expect(anonymous.status).toBe(401);

        // The permission policy is real: review is for the platform team only.
        const developer = users.find(
          (u: any) => !u.groups.includes('group:default/platform-team'),
        );
        const developerToken = (
          await request(server)
            .get('/api/auth/dev/refresh')
            .set('x-dev-user', developer.name)
        ).body.backstageIdentity.token;
        const review = async (token: string) =>
          (
            await request(server)
              .post('/api/permission/authorize')
              .set('authorization', `Bearer ${token}`)
              .send({
                items: [
                  {
                    id: '1',
                    permission: {
                      type: 'basic',
                      name: 'cilium.request.review',
                      attributes: { action: 'update' },
                    },
                  },
                ],
              })
          ).body.items[0].result;
        expect(await review(refresh.body.backstageIdentity.token)).toBe(
          'ALLOW',
        );
        expect(await review(developerToken)).toBe('DENY');
      } finally {
        await backend.stop();
      }
    },
  );

  it('has no dev sign-in outside development', async () => {
    const backend = await startTestBackend({
      features: [...backendFeatures, config('production')],
    });
    const server = backend.server;
    try {
      const refresh = await request(server)
        .get('/api/auth/dev/refresh')
        .set('x-dev-user', 'anyone');
      expect(refresh.status).toBe(404);
      const users = await request(server).get('/api/devsignin/users');
      expect(users.status).toBe(404);
    } finally {
      await backend.stop();
    }
  });

  describe('with NODE_ENV=production', () => {
    const nodeEnv = process.env.NODE_ENV;
    beforeEach(() => {
      (process.env as any).NODE_ENV = 'production';
    });
    afterEach(() => {
      (process.env as any).NODE_ENV = nodeEnv;
    });

    it('refuses to start the dev sign-in without dangerouslyAllowOutsideDevelopment', async () => {
      await expect(
        startTestBackend({
          features: [...backendFeatures, config('development')],
        }),
      ).rejects.toThrow(
        /The dev sign-in provider .* refuses to start with NODE_ENV=production\. Layer app-config\.production\.yaml .* or, for a demo only, set auth\.providers\.dev\.dangerouslyAllowOutsideDevelopment: true/,
      );
    });

    it('starts the dev sign-in when dangerouslyAllowOutsideDevelopment is true', async () => {
      const backend = await startTestBackend({
        features: [
          ...backendFeatures,
          ...realAuth,
          config('development', undefined, {
            environment: 'development',
            providers: { dev: { dangerouslyAllowOutsideDevelopment: true } },
          }),
        ],
      });
      try {
        const users = await eventually(async () => {
          const res = await request(backend.server).get('/api/devsignin/users');
          return res.body.users?.length ? res.body.users : undefined;
        });
        const refresh = await request(backend.server)
          .get('/api/auth/dev/refresh')
          .set('x-dev-user', users[0].name);
        expect(refresh.status).toBe(200);
      } finally {
        await backend.stop();
      }
    });

    it('has no dev sign-in with app-config.production.yaml layered on app-config.yaml', async () => {
      const read = (file: string) => ({
        context: file,
        data: parseYaml(fs.readFileSync(path.join(repoRoot, file), 'utf8')),
      });
      const layered = ConfigReader.fromConfigs([
        read('app-config.yaml'),
        read('app-config.production.yaml'),
      ]);
      expect(layered.getOptional('catalog.locations')).toEqual([]);
      const backend = await startTestBackend({
        features: [
          ...backendFeatures,

          config('production', undefined, layered.get('auth')),
        ],
      });
      try {
        const refresh = await request(backend.server)
          .get('/api/auth/dev/refresh')
          .set('x-dev-user', 'jane.doe');
        expect(refresh.status).toBe(404);
        const users = await request(backend.server).get('/api/devsignin/users');
        expect(users.status).toBe(404);
      } finally {
        await backend.stop();
      }
    });
  });
});
