import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { createTestDatabases } from '../__testUtils__/sampleWorld';
import { migrateRequestStore } from './RequestStore';

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
