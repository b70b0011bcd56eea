// @ts-check

/**
 * Several clusters: a request names every cluster it is for (one policy set
 * each). Rows filed before have none and read as `[cluster]`.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('cilium_requests', table => {
    table
      .text('clusters')
      .nullable()
      .comment(
        'JSON: every cluster the request is for (the first is `cluster`); null: [cluster]',
      );
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('cilium_requests', table => {
    table.dropColumn('clusters');
  });
};
