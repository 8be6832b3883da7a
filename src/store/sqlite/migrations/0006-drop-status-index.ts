import type { SqliteMigration } from '../sqlite-migrator.js';

/**
 * Drops `customers_status_idx` (status alone). No query of the store needs it: the rebuild
 * queries filter by source and status and use `customers_source_status_idx`, and the customer
 * list sorts every row it selects anyway. Each index is one more B-tree insert per new customer
 * (about 7 % of the time a first import spends inserting customers, measured on 200 000 rows).
 */
export const dropStatusIndex: SqliteMigration = {
  version: 6,
  name: 'drop-status-index',
  up(db) {
    db.exec('DROP INDEX IF EXISTS customers_status_idx');
  },
};
