import type { PostgresMigration } from '../postgres-migrator.js';

/**
 * The import modes and rules (issue 5), as SQLite's migration 4: a customer's type (B2B/B2C,
 * kept from the first import) and when/by which rebuild run it was deactivated; a run's new
 * counts and the newest last-modified value it saw (kept as the text the file had, so the next
 * changed-since run compares against exactly that).
 */
export const importRules: PostgresMigration = {
  version: 4,
  name: 'import-rules',
  sql: (s) => `
    ALTER TABLE ${s}.customers ADD COLUMN type text CHECK (type IN ('B2B', 'B2C'));
    ALTER TABLE ${s}.customers ADD COLUMN deactivated_at timestamptz;
    ALTER TABLE ${s}.customers ADD COLUMN deactivated_run_id bigint;
    CREATE INDEX customers_source_status_idx ON ${s}.customers (source, status);

    ALTER TABLE ${s}.runs ADD COLUMN filtered integer NOT NULL DEFAULT 0;
    ALTER TABLE ${s}.runs ADD COLUMN not_changed integer NOT NULL DEFAULT 0;
    ALTER TABLE ${s}.runs ADD COLUMN deactivated integer NOT NULL DEFAULT 0;
    ALTER TABLE ${s}.runs ADD COLUMN reactivated integer NOT NULL DEFAULT 0;
    ALTER TABLE ${s}.runs ADD COLUMN last_modified_max text;
    CREATE INDEX runs_source_status_idx ON ${s}.runs (source, status, id);
  `,
};
