import { mockServices } from '@backstage/backend-test-utils';
import { createTestDatabases } from '../__testUtils__/sampleWorld';
import {
  migrateRequestStore,
  RequestStore,
  StoredRequest,
} from './RequestStore';
import { RequestTransitions } from './RequestTransitions';

const databases = createTestDatabases();

function submitted(id: string): StoredRequest {
  return {
    id,
    kind: 'grant',
    state: 'submitted',
    cluster: 'dev',
    clusters: ['dev'],
    source: 'component:default/checkout',
    target: { type: 'fqdn', name: 'api.example.com' },
    ports: [{ port: 443, protocol: 'TCP' }],
    justification: 'Card payments go through the processor API.',
    requester: 'user:default/jane.doe',
    createdAt: '2030-01-01T00:00:00.000Z',
    updatedAt: '2030-01-01T00:00:00.000Z',
    policies: [],
    findings: [],
    diff: { added: [], removed: [] },
    destinationOwners: [],
    consentNeeded: false,
  };
}

describe.each(databases.eachSupportedId())(
  'RequestTransitions on %s',
  databaseId => {
    async function setup() {
      const knex = await databases.init(databaseId);
      await migrateRequestStore(knex);
      const store = new RequestStore(knex);
      const auditor = mockServices.auditor.mock();
      return {
        store,
        auditor,
        transitions: new RequestTransitions(store, auditor),
      };
    }

    it('files a request, moves it, records both in the event log and the auditor, and reads it back', async () => {
      const { store, auditor, transitions } = await setup();
      const filed = await transitions.file(
        submitted('req-00000001'),
        { actor: 'user:default/jane.doe', message: 'filed' },
        'submitted',
      );
      expect(filed?.state).toBe('submitted');
      const moved = await transitions.transition(filed!, 'rejected', {
        actor: 'user:default/priya.raman',
        message: 'Rejected by priya: use the egress gateway',
        auditMessage: 'use the egress gateway',
        patch: { rejectReason: 'use the egress gateway' },
      });
      expect(moved).toMatchObject({
        state: 'rejected',
        rejectReason: 'use the egress gateway',
      });
      expect(
        moved!.events!.map(
          e => `${e.fromState ?? ''}>${e.toState}:${e.message}`,
        ),
      ).toEqual([
        '>submitted:filed',
        'submitted>rejected:Rejected by priya: use the egress gateway',
      ]);
      expect(auditor.createEvent.mock.calls.map(([e]) => e.meta)).toEqual([
        expect.objectContaining({
          requestId: 'req-00000001',
          from: '',
          to: 'submitted',
        }),
        expect.objectContaining({
          requestId: 'req-00000001',
          from: 'submitted',
          to: 'rejected',
          actor: 'user:default/priya.raman',
          message: 'use the egress gateway',
        }),
      ]);
      expect((await store.get('req-00000001'))!.state).toBe('rejected');
    });

    it('moves nothing and audits nothing when the request left the expected state first', async () => {
      const { store, auditor, transitions } = await setup();
      await transitions.file(
        submitted('req-00000002'),
        { actor: 'user:default/jane.doe', message: 'filed' },
        'submitted',
      );
      const stale = (await store.get('req-00000002'))!;
      await transitions.transition(stale, 'withdrawn', {
        actor: 'user:default/jane.doe',
        message: 'withdrawn',
      });
      auditor.createEvent.mockClear();
      // A reviewer acting on the state they read before the withdrawal.
      expect(
        await transitions.transition(stale, 'rejected', {
          actor: 'user:default/priya.raman',
          message: 'too late',
        }),
      ).toBeUndefined();
      expect(auditor.createEvent).not.toHaveBeenCalled();
      expect((await store.get('req-00000002'))!.state).toBe('withdrawn');
    });

    it('uses a given move (approvals in one transaction) and audits only when it moved', async () => {
      const { auditor, transitions } = await setup();
      await transitions.file(
        submitted('req-00000003'),
        { actor: 'user:default/jane.doe', message: 'filed' },
        'submitted',
      );
      auditor.createEvent.mockClear();
      const request = { id: 'req-00000003', state: 'submitted' as const };
      expect(
        await transitions.transition(request, 'approved', {
          actor: 'user:default/priya.raman',
          message: 'approved',
          move: async () => false,
        }),
      ).toBeUndefined();
      expect(auditor.createEvent).not.toHaveBeenCalled();
    });
  },
);
