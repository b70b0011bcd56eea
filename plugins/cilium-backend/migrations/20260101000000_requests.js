// @ts-check

/**
 * Connectivity change requests: the requests, their approvals, an append-only
 * event log (the audit trail) and the publishing outbox.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('cilium_requests', table => {
    table.comment('Connectivity change requests');
    table.string('id', 32).primary().comment('Request id, req-<8 hex>');
    table.string('kind', 16).notNullable().comment('grant or removal');
    table
      .string('removes', 32)
      .nullable()
      .comment('For removals: the request whose grant is removed');
    table.string('state', 16).notNullable();
    table
      .string('cluster', 63)
      .notNullable()
      .comment('The Cilium cluster (cilium.clusters[].name)');
    table.string('source_ref', 255).notNullable();
    table
      .string('target_ref', 255)
      .nullable()
      .comment('Entity ref of the target, when it is an entity');
    table.text('target').notNullable().comment('JSON: the target as requested');
    table.text('ports').notNullable().comment('JSON');
    table.text('http').nullable().comment('JSON');
    table.text('justification').notNullable();
    table.string('expires_at', 40).nullable().comment('ISO-8601 (UTC)');
    table.string('requester', 255).notNullable();
    table
      .text('destination_owners')
      .notNullable()
      .comment('JSON: owners of the target entity at submission');
    table.boolean('consent_needed').notNullable();
    table.text('policies').notNullable().comment('JSON: [{path, yaml}]');
    table.text('findings').notNullable().comment('JSON');
    table.text('diff').notNullable().comment('JSON');
    table.text('replay').nullable().comment('JSON');
    table
      .text('publication')
      .nullable()
      .comment('JSON: where it was published');
    table.text('reject_reason').nullable();
    table
      .integer('version')
      .notNullable()
      .defaultTo(0)
      .comment('Optimistic concurrency');
    table.string('created_at', 40).notNullable();
    table.string('updated_at', 40).notNullable();
    table.index(['state'], 'cilium_requests_state_idx');
    table.index(['source_ref'], 'cilium_requests_source_idx');
    table.index(['target_ref'], 'cilium_requests_target_idx');
    table.index(['requester'], 'cilium_requests_requester_idx');
  });

  await knex.schema.createTable('cilium_request_approvals', table => {
    table.comment(
      'Approvals (platform review) and consents (destination owners)',
    );
    table.increments('id');
    table
      .string('request_id', 32)
      .notNullable()
      .references('id')
      .inTable('cilium_requests')
      .onDelete('CASCADE');
    table
      .string('role', 32)
      .notNullable()
      .comment('reviewer or destination-owner');
    table.string('approver', 255).notNullable();
    table.text('comment').nullable();
    table.string('at', 40).notNullable();
    table.unique(['request_id', 'role', 'approver'], {
      indexName: 'cilium_request_approvals_unique',
    });
  });

  // Kept by `down` (audit rows outlive a rollback), so it may exist already.
  if (!(await knex.schema.hasTable('cilium_request_events')))
    await knex.schema.createTable('cilium_request_events', table => {
      table.comment('Append-only event log of every request (audit trail)');
      table.increments('id');
      table.string('request_id', 32).notNullable();
      table.string('at', 40).notNullable();
      table.string('actor', 255).notNullable();
      table.string('type', 32).notNullable();
      table.string('from_state', 16).nullable();
      table.string('to_state', 16).nullable();
      table.text('message').notNullable();
      table.text('data').nullable().comment('JSON');
      table.string('source_ref', 255).notNullable();
      table.string('target_ref', 255).nullable();
      table.index(['request_id'], 'cilium_request_events_request_idx');
      table.index(['at'], 'cilium_request_events_at_idx');
    });

  await knex.schema.createTable('cilium_request_outbox', table => {
    table.comment(
      'Durable outbox: work that must happen exactly once per request (publish, merge)',
    );
    table.increments('id');
    table.string('request_id', 32).notNullable();
    table.string('action', 16).notNullable();
    table
      .string('status', 16)
      .notNullable()
      .comment('pending, running, done, failed');
    table.integer('attempts').notNullable().defaultTo(0);
    table.bigInteger('next_attempt_at').notNullable().comment('epoch ms');
    table
      .bigInteger('locked_until')
      .notNullable()
      .defaultTo(0)
      .comment('epoch ms; a claim expires then');
    table.text('last_error').nullable();
    table.string('created_at', 40).notNullable();
    table.string('updated_at', 40).notNullable();
    table.unique(['request_id', 'action'], {
      indexName: 'cilium_request_outbox_unique',
    });
    table.index(['status', 'next_attempt_at'], 'cilium_request_outbox_due_idx');
  });
};

/**
 * Drops the working tables. The event log (`cilium_request_events`, the audit
 * trail) is kept: a migration never destroys audit rows; drop it by hand if
 * you really mean to.
 *
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('cilium_request_outbox');
  await knex.schema.dropTable('cilium_request_approvals');
  await knex.schema.dropTable('cilium_requests');
};
