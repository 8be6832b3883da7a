import type { SqliteMigration } from '../sqlite-migrator.js';

/**
 * The first schema. Counts are columns (not JSON) so reports can sum them in SQL; customer
 * fields are one JSON document because formats map onto open-ended `attributes.*` fields.
 */
export const initialSchema: SqliteMigration = {
  version: 1,
  name: 'initial-schema',
  up(db) {
    db.exec(`
      CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        file TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size_bytes INTEGER NOT NULL,
        format TEXT NOT NULL,
        mode TEXT NOT NULL,
        job TEXT,
        source TEXT NOT NULL,
        instance TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'duplicate', 'aborted')),
        read INTEGER NOT NULL DEFAULT 0,
        inserted INTEGER NOT NULL DEFAULT 0,
        updated INTEGER NOT NULL DEFAULT 0,
        unchanged INTEGER NOT NULL DEFAULT 0,
        skipped INTEGER NOT NULL DEFAULT 0,
        warnings INTEGER NOT NULL DEFAULT 0,
        error_code TEXT,
        error_message TEXT,
        duplicate_of_run_id INTEGER REFERENCES runs (id),
        -- The exactly-once claim: set on commit (unless forced); only one succeeded run per content.
        claim_sha256 TEXT,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        duration_ms INTEGER
      );
      CREATE UNIQUE INDEX runs_claim_sha256_key ON runs (claim_sha256) WHERE status = 'succeeded';
      CREATE INDEX runs_sha256_idx ON runs (sha256, status);
      CREATE INDEX runs_status_instance_idx ON runs (status, instance);

      CREATE TABLE run_issues (
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        line INTEGER NOT NULL,
        column_name TEXT,
        value TEXT,
        code TEXT NOT NULL,
        message TEXT NOT NULL,
        severity TEXT NOT NULL CHECK (severity IN ('error', 'warning')),
        cell TEXT,
        PRIMARY KEY (run_id, seq)
      );

      CREATE TABLE customers (
        key TEXT PRIMARY KEY,
        data TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        row_hash TEXT,
        search_text TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'blocked', 'deactivated')),
        source TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        created_run_id INTEGER,
        updated_run_id INTEGER
      );
      CREATE INDEX customers_status_idx ON customers (status);

      CREATE TABLE customer_history (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs (id),
        key TEXT NOT NULL,
        operation TEXT NOT NULL CHECK (operation IN ('inserted', 'updated', 'deactivated', 'reactivated', 'failed')),
        changes TEXT NOT NULL,
        line INTEGER,
        at TEXT NOT NULL,
        note TEXT
      );
      CREATE INDEX customer_history_key_idx ON customer_history (key, id);
      CREATE INDEX customer_history_run_idx ON customer_history (run_id);

      CREATE TABLE file_states (
        id TEXT PRIMARY KEY,
        job TEXT NOT NULL,
        path TEXT NOT NULL,
        name TEXT NOT NULL,
        state TEXT NOT NULL
          CHECK (state IN ('waiting', 'not-ready', 'claimed', 'imported', 'archived', 'failed', 'duplicate')),
        sha256 TEXT,
        size_bytes INTEGER,
        run_id INTEGER,
        detail TEXT,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX file_states_job_state_idx ON file_states (job, state);
    `);
  },
};
