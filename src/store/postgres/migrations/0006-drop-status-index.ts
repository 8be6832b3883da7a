import type { PostgresMigration } from '../postgres-migrator.js';

/**
 * As SQLite's migration 6: `customers_status_idx` (status alone) serves no query of the store
 * (the rebuild queries use `customers_source_status_idx`), and costs an index insert per new
 * customer.
 */
export const dropStatusIndex: PostgresMigration = {
  version: 6,
  name: 'drop-status-index',
  sql: (s) => `DROP INDEX IF EXISTS ${s}.customers_status_idx`,
};
