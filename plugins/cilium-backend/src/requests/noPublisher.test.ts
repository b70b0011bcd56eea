import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import fs from 'fs';
import path from 'path';
import request from 'supertest';
import { ciliumPlugin } from '../plugin';
import {
  ownershipOf,
  permissionsFactory,
  sampleConfig,
  sampleEntities,
  tempDir,
  userInfoFactory,
} from '../__testUtils__/sampleWorld';
import { demoRequest } from '../__testUtils__/requests';

const entities = sampleEntities();
const ownership = ownershipOf(entities);
const jane = mockCredentials.user.header('user:default/jane.doe');
const priya = mockCredentials.user.header('user:default/priya.raman');

const demo = demoRequest;

describe('requests without a configured publisher', () => {
  jest.setTimeout(60000);
  let cwd: string;
  let workDir: string;

  beforeEach(() => {
    cwd = process.cwd();
    workDir = tempDir('cilium-no-publisher-');
    // Where the backend used to create its default repository (./data/gitops.git).
    process.chdir(workDir);
  });
  afterEach(() => {
    process.chdir(cwd);
  });

  async function start() {
    return startTestBackend({
      features: [
        ciliumPlugin,
        sampleConfig(undefined, { pollSeconds: 1 }),
        catalogServiceMock.factory({ entities }),
        userInfoFactory(ownership),
        permissionsFactory(entities, ownership),
      ],
    });
  }

  it('creates no repository, says so in /status, and still previews, files and records approvals', async () => {
    const backend = await start();
    try {
      expect(fs.readdirSync(workDir)).toEqual([]);

      const status = await request(backend.server)
        .get('/api/cilium/status')
        .set('authorization', jane);
      expect(status.status).toBe(200);
      expect(status.body.publishing).toEqual({ configured: false });

      const preview = await request(backend.server)
        .post('/api/cilium/requests/preview')
        .set('authorization', jane)
        .send(demo);
      expect(preview.status).toBe(200);
      expect(preview.body.ok).toBe(true);

      const created = await request(backend.server)
        .post('/api/cilium/requests')
        .set('authorization', jane)
        .send(demo);
      expect(created.status).toBe(201);
      const id = created.body.id;

      const approved = await request(backend.server)
        .post(`/api/cilium/requests/${id}/approve`)
        .set('authorization', priya)
        .send({ comment: 'fine' });
      expect(approved.status).toBe(200);
      expect(approved.body.state).toBe('approved');
      expect(approved.body.approvals).toEqual([
        expect.objectContaining({
          role: 'reviewer',
          by: 'user:default/priya.raman',
        }),
      ]);

      // The outbox and tracker tasks run (every second) without a publisher:
      // the request stays approved and unpublished.
      await new Promise(resolve => setTimeout(resolve, 2500));
      const later = await request(backend.server)
        .get(`/api/cilium/requests/${id}`)
        .set('authorization', jane);
      expect(later.body.state).toBe('approved');
      expect(later.body.publication).toBeUndefined();

      const merge = await request(backend.server)
        .post(`/api/cilium/requests/${id}/merge`)
        .set('authorization', priya);
      expect(merge.status).toBe(409);
      expect(merge.body.error.message).toMatch(/Publishing is not configured/);

      expect(fs.readdirSync(workDir)).toEqual([]);
    } finally {
      await backend.stop();
    }
  });

  it('names the publisher in /status when one is configured', async () => {
    const gitPath = path.join(workDir, 'gitops.git');
    const backend = await startTestBackend({
      features: [
        ciliumPlugin,
        mockServices.rootConfig.factory({
          data: {
            cilium: {
              clusters: [{ name: 'dev' }],
              requests: { publisher: { type: 'local-git', path: gitPath } },
            },
          },
        }),
        catalogServiceMock.factory({ entities }),
        userInfoFactory(ownership),
        permissionsFactory(entities, ownership),
      ],
    });
    try {
      const status = await request(backend.server)
        .get('/api/cilium/status')
        .set('authorization', jane);
      expect(status.body.publishing).toEqual({
        configured: true,
        type: 'local-git',
      });
      expect(fs.existsSync(gitPath)).toBe(true);
    } finally {
      await backend.stop();
    }
  });
});
