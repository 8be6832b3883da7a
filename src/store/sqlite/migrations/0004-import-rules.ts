import type { SqliteMigration } from '../sqlite-migrator.js';

/**
 * The import modes and rules (issue 5): a customer's type (B2B/B2C, kept from the first
 * import) and when/by which rebuild run it was deactivated; a run's new counts and the newest
 * last-modified value it saw (the `last-transfer` point of the next changed-since run).
 */
export const importRules: SqliteMigration = {
  version: 4,
  name: 'import-rules',
  up(db) {
    db.exec(`
      ALTER TABLE customers ADD COLUMN type TEXT CHECK (type IN ('B2B', 'B2C'));
      ALTER TABLE customers ADD COLUMN deactivated_at TEXT;
      ALTER TABLE customers ADD COLUMN deactivated_run_id INTEGER;
      CREATE INDEX customers_source_status_idx ON customers (source, status);

      ALTER TABLE runs ADD COLUMN filtered INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE runs ADD COLUMN not_changed INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE runs ADD COLUMN deactivated INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE runs ADD COLUMN reactivated INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE runs ADD COLUMN last_modified_max TEXT;
      CREATE INDEX runs_source_status_idx ON runs (source, status, id);
    `);
  },
};
