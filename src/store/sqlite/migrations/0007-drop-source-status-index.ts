import type { SqliteMigration } from '../sqlite-migrator.js';

/**
 * Drops `customers_source_status_idx` (source, status). Only a rebuild's two queries read it
 * (the source's customers that are not deactivated, and those the file did not list), and they
 * look at each of those customers' keys anyway, so with the index they read it and then the
 * table: at 1 000 000 customers of one source they took 0.66–0.81 s with it and 0.46–0.56 s
 * without (a scan of the table). What it cost instead was a B-tree insert for every new
 * customer: writing the rows of a first import of 1 000 000 customers took 8.1–9.6 s with it and
 * 7.1–8.1 s without, in five runs each (`node bench/row-shapes.mjs`). A store holding many
 * sources pays a scan per rebuild, which is still well under a second per million customers.
 */
export const dropSourceStatusIndex: SqliteMigration = {
  version: 7,
  name: 'drop-source-status-index',
  up(db) {
    db.exec('DROP INDEX IF EXISTS customers_source_status_idx');
  },
};
