import type { PostgresMigration } from '../postgres-migrator.js';

/**
 * As SQLite's migration 7: `customers_source_status_idx` serves only a rebuild's queries, which
 * visit every customer of the source anyway, and costs an index insert for every new customer
 * of a first import.
 */
export const dropSourceStatusIndex: PostgresMigration = {
  version: 7,
  name: 'drop-source-status-index',
  sql: (s) => `DROP INDEX IF EXISTS ${s}.customers_source_status_idx`,
};
