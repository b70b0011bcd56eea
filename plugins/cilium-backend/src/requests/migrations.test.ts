import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { createTestDatabases } from '../__testUtils__/sampleWorld';
import { migrateRequestStore, RequestStore } from './RequestStore';

const databases = createTestDatabases();

const migrations = {
  directory: resolvePackagePath(
    '@cilium-zero-trust/plugin-cilium-backend',
    'migrations',
  ),
  tableName: 'cilium_knex_migrations',
};

describe.each(databases.eachSupportedId())('migrations on %s', databaseId => {
  jest.setTimeout(60000);

  it('reads requests filed before several clusters as being for their one cluster', async () => {
    const knex = await databases.init(databaseId);
    // The schema as it was before the clusters column.
    await knex.migrate.up({
      ...migrations,
      name: '20260101000000_requests.js',
    });
    expect(await knex.schema.hasColumn('cilium_requests', 'clusters')).toBe(
      false,
    );
    const at = '2030-01-01T00:00:00.000Z';
    await knex('cilium_requests').insert({
      id: 'req-0a1b2c3d',
      kind: 'grant',
      state: 'enforced',
      cluster: 'dev',
      source_ref: 'component:default/checkout',
      target_ref: 'component:default/payments',
      target: JSON.stringify({
        type: 'entity',
        ref: 'component:default/payments',
      }),
      ports: JSON.stringify([{ port: 8443, protocol: 'TCP' }]),
      justification: 'Checkout takes card payments.',
      requester: 'user:default/jane.doe',
      destination_owners: '[]',
      consent_needed: false,
      policies: JSON.stringify([
        { path: 'policies/checkout/a.yaml', yaml: 'a: 1\n' },
      ]),
      findings: '[]',
      diff: JSON.stringify({ added: [], removed: [] }),
      created_at: at,
      updated_at: at,
    });
    await migrateRequestStore(knex);
    const request = await new RequestStore(knex).get('req-0a1b2c3d');
    expect(request).toMatchObject({
      cluster: 'dev',
      clusters: ['dev'],
      policies: [
        { cluster: 'dev', path: 'policies/checkout/a.yaml', yaml: 'a: 1\n' },
      ],
    });
  });

  it('keep the audit trail when rolled back, and migrate up again over it', async () => {
    const knex = await databases.init(databaseId);
    await migrateRequestStore(knex);
    const row = {
      request_id: 'req-0a1b2c3d',
      at: '2030-01-01T00:00:00.000Z',
      actor: 'user:default/priya.raman',
      type: 'approved',
      from_state: 'submitted',
      to_state: 'approved',
      message: 'approved',
      source_ref: 'component:default/checkout',
    };
    await knex('cilium_request_events').insert(row);

    await knex.migrate.rollback(migrations, true);
    expect(await knex.schema.hasTable('cilium_requests')).toBe(false);
    expect(await knex.schema.hasTable('cilium_request_events')).toBe(true);
    expect(
      await knex('cilium_request_events').select(Object.keys(row)),
    ).toEqual([row]);

    await migrateRequestStore(knex);
    expect(await knex.schema.hasTable('cilium_requests')).toBe(true);
    expect(
      await knex('cilium_request_events').select(Object.keys(row)),
    ).toEqual([row]);
  });
});
