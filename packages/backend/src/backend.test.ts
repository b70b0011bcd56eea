import path from 'path';
import request from 'supertest';
import { mockCredentials, mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { backendFeatures } from './features';

const repoRoot = path.resolve(__dirname, '../../..');

function config(environment: string) {
  return mockServices.rootConfig.factory({
    data: {
      app: { baseUrl: 'http://localhost:3000' },
      auth: { environment, providers: { dev: {} } },
      permission: { enabled: true },
      catalog: {
        rules: [{ allow: ['Component', 'System', 'API', 'Resource', 'Location', 'User', 'Group', 'Domain'] }],
        locations: [
          { type: 'file', target: path.join(repoRoot, 'examples/catalog/all.yaml') },
          { type: 'file', target: path.join(repoRoot, 'catalog-info.yaml') },
        ],
        processingInterval: { seconds: 1 },
      },
      cilium: {
        clusters: [{ name: 'dev', workloads: { type: 'manifests', path: path.join(repoRoot, 'examples/cluster') } }],
      },
    },
  });
}

async function eventually<T>(fn: () => Promise<T | undefined>, timeoutMs = 30000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise(r => setTimeout(r, 250));
  }
}

describe('the sample backend', () => {
  jest.setTimeout(60000);

  it('starts with every plugin, loads the sample catalog and signs in a sample user with their groups', async () => {
    const backend = await startTestBackend({ features: [...backendFeatures, config('development')] });
    const server = backend.server;
    try {
      const health = await request(server).get('/api/cilium/health');
      expect(health.status).toBe(200);

      const users = await eventually(async () => {
        const res = await request(server).get('/api/devsignin/users');
        return res.body.users?.length >= 8 ? res.body.users : undefined;
      });
      const platformUser = users.find((u: any) => u.groups.includes('group:default/platform-team'));
      expect(platformUser).toBeDefined();

      const refresh = await request(server)
        .get('/api/auth/dev/refresh')
        .set('x-dev-user', platformUser.name);
      expect(refresh.status).toBe(200);
      expect(refresh.body.backstageIdentity.token).toEqual(expect.any(String));
      expect(refresh.body.backstageIdentity.identity).toMatchObject({
        userEntityRef: `user:default/${platformUser.name}`,
        ownershipEntityRefs: expect.arrayContaining(['group:default/platform-team']),
      });

      const unknown = await request(server).get('/api/auth/dev/refresh').set('x-dev-user', 'no.such.user');
      expect(unknown.status).toBe(404);
      const missing = await request(server).get('/api/auth/dev/refresh');
      expect(missing.status).toBe(401);
      expect(missing.body.error.message).toMatch(/x-dev-user/);

      const catalog = await request(server)
        .get('/api/catalog/entities/by-name/component/default/cilium-zero-trust-backstage')
        .set('authorization', mockCredentials.user.header());
      expect(catalog.status).toBe(200);
    } finally {
      await backend.stop();
    }
  });

  it('has no dev sign-in outside development', async () => {
    const backend = await startTestBackend({ features: [...backendFeatures, config('production')] });
    const server = backend.server;
    try {
      const refresh = await request(server).get('/api/auth/dev/refresh').set('x-dev-user', 'anyone');
      expect(refresh.status).toBe(404);
      const users = await request(server).get('/api/devsignin/users');
      expect(users.status).toBe(404);
    } finally {
      await backend.stop();
    }
  });
});
