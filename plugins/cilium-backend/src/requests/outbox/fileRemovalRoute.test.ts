import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type { PolicyPublisher } from '@cilium-zero-trust/plugin-cilium-node';
import path from 'path';
import request from 'supertest';
import { ciliumPlugin } from '../../plugin';
import {
  createTestDatabases,
  ownershipOf,
  permissionsFactory,
  sampleConfig,
  sampleEntities,
  tempDir,
  userInfoFactory,
} from '../../__testUtils__/sampleWorld';
import { publisherModule } from '../../__testUtils__/requests';
import { RequestStore, StoredRequest } from '../RequestStore';

const databases = createTestDatabases();
const entities = sampleEntities();
const ownership = ownershipOf(entities);
const jane = mockCredentials.user.header('user:default/jane.doe');
const priya = mockCredentials.user.header('user:default/priya.raman');

function stored(
  id: string,
  state: StoredRequest['state'],
  extra: Partial<StoredRequest> = {},
): StoredRequest {
  return {
    id,
    kind: 'grant',
    state,
    cluster: 'dev',
    clusters: ['dev'],
    source: 'component:default/checkout',
    target: { type: 'entity', ref: 'component:default/payments' },
    ports: [{ port: 8443, protocol: 'TCP' }],
    justification: 'A temporary grant for a migration window.',
    expiresAt: '2020-01-01T00:00:00.000Z',
    requester: 'user:default/jane.doe',
    createdAt: '2019-12-01T00:00:00.000Z',
    updatedAt: '2019-12-01T00:00:00.000Z',
    policies: [],
    findings: [],
    diff: { added: [], removed: [] },
    destinationOwners: [],
    consentNeeded: false,
    ...extra,
  };
}

describe.each(databases.eachSupportedId())(
  'filing the removal of an expiring grant again on %s',
  databaseId => {
    jest.setTimeout(60000);

    it('lets only reviewers file it, only after the last removal was closed, audited', async () => {
      const knex = await databases.init(databaseId);
      const published: string[] = [];
      const publisher: PolicyPublisher = {
        type: 'host',
        async publish(change) {
          published.push(change.id);
          return {
            publisher: 'host',
            branch: `netpol/${change.id}`,
            state: 'open',
          };
        },
        async status() {
          return 'open';
        },
      };
      const auditor = mockServices.auditor.mock();
      const backend = await startTestBackend({
        features: [
          ciliumPlugin,
          sampleConfig(path.join(tempDir('cilium-git-'), 'gitops.git'), {
            publisher: { type: 'host' },
          }),
          mockServices.database.factory({ knex }),
          catalogServiceMock.factory({ entities }),
          userInfoFactory(ownership),
          permissionsFactory(entities, ownership),
          publisherModule(publisher),
          auditor.factory,
        ],
      });
      try {
        const store = new RequestStore(knex);
        const seed = (r: StoredRequest) =>
          store.create(r, {
            actor: 'test',
            type: 'state',
            toState: r.state,
            message: 'seeded',
          });
        const grant = 'req-00000e01';
        await seed(stored(grant, 'expiring'));
        await seed(
          stored(`${grant}-rm`, 'rejected', {
            kind: 'removal',
            removes: grant,
            rejectReason: 'The pull request was closed without merging',
          }),
        );
        await seed(
          stored('req-00000e02', 'enforced', { expiresAt: undefined }),
        );
        const fileAgain = (id: string, who: string) =>
          request(backend.server)
            .post(`/api/cilium/requests/${id}/file-removal`)
            .set('authorization', who)
            .send({});

        const shown = await request(backend.server)
          .get(`/api/cilium/requests/${grant}`)
          .set('authorization', jane);
        expect(shown.body.state).toBe('expiring');
        expect(shown.body.removals).toEqual([
          { id: `${grant}-rm`, state: 'rejected' },
        ]);

        const refused = await fileAgain(grant, jane);
        expect(refused.status).toBe(403);
        expect(refused.body.error.message).toMatch(
          /may file the removal of req-00000e01 again/,
        );
        const notExpiring = await fileAgain('req-00000e02', priya);
        expect(notExpiring.status).toBe(409);
        expect(notExpiring.body.error.message).toMatch(
          /req-00000e02 is enforced; only an expiring grant/,
        );

        const filed = await fileAgain(grant, priya);
        expect(filed.status).toBe(200);
        // Filed approved; the outbox may already have published it.
        expect(filed.body.removals).toEqual([
          { id: `${grant}-rm`, state: 'rejected' },
          {
            id: `${grant}-rm-2`,
            state: expect.stringMatching(/^(approved|published)$/),
          },
        ]);
        // The new removal is a request of its own, reachable by its id.
        const removal = await request(backend.server)
          .get(`/api/cilium/requests/${grant}-rm-2`)
          .set('authorization', jane);
        expect(removal.body).toMatchObject({
          kind: 'removal',
          removes: grant,
        });
        const twice = await fileAgain(grant, priya);
        expect(twice.status).toBe(409);
        expect(twice.body.error.message).toMatch(
          /is (approved|published), not closed/,
        );

        const actions = auditor.createEvent.mock.calls
          .map(([e]: any) => e)
          .filter((e: any) => e.eventId === 'connectivity-request')
          .map((e: any) => e.meta.actionType);
        expect(
          actions.filter((a: string) => a === 'file-removal'),
        ).toHaveLength(4);
      } finally {
        await backend.stop();
      }
    });
  },
);
