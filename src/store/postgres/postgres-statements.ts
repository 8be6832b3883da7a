import { SEARCH_FIELDS } from '../record-diff.js';

/**
 * Every fixed SQL text of the PostgreSQL store, built once per store for its schema (all tables
 * are schema-qualified; nothing relies on search_path, which a connection pooler may reset).
 * Only the queries with optional filters (customer list, file states) are built per call.
 */

/** The TEMP staging table a batch is COPY'd into; dropped when the run's transaction ends. */
export const STAGING_TABLE = 'pg_temp.customer_import_staging';

/** Columns of the staging table, in COPY order. */
export const STAGING_COLUMNS = [
  'round',
  'seq',
  'line',
  'key',
  'fields',
  'row_hash',
  'type',
  'flag',
  'nulls',
] as const;

/** The TEMP table of a rebuild's keys (the file's customers); dropped when the run's transaction ends. */
export const PRESENT_TABLE = 'pg_temp.customer_import_present';

export interface PostgresStatements {
  /** Qualified table names, for the queries built per call. */
  customersTable: string;
  fileStatesTable: string;
  /**
   * Settings of an import's transaction (SET LOCAL: they end with it). A 20 000-row chunk's sort
   * and hashes need about 10 MB; with the default work_mem (4 MB) they spill to disk: 13 % of
   * the upsert's time (measured on 20 000 staged rows).
   */
  importSettings: string;
  createStaging: string;
  truncateStaging: string;
  copyStaging: string;
  /**
   * $1 round, $2 source, $3 at, $4 run id (null: dry run, no history), $5 status of new customers,
   * $6 how many changes to return at most, the first by seq (0: none, and no insert's field list is built).
   * One row of counts, changes, reactivations and type conflicts.
   */
  upsertRound: string;
  createPresent: string;
  /** Adds the staged keys of the batch to the present keys (rebuild). */
  addStagedPresent: string;
  /** $1 text[]: keys of rows skipped as invalid, which count as present. */
  addPresentKeys: string;
  /** Of the keys $1 with row hashes $2, the positions (from 1) not stored under that hash, or deactivated. */
  selectUnsettledRows: string;
  /** $1 source: { active, missing } */
  countSourceActive: string;
  /** $1 source, $2 at, $3 run id, $4 note: deactivates the missing customers, with history; returns { n }. */
  deactivateMissing: string;
  /** $1 source: the last-transfer point. */
  findLastTransfer: string;
  insertRun: string;
  finishRun: string;
  /** Like finishRun, but only while the run is still `running` (a late failure never overwrites a commit). */
  failRun: string;
  insertIssues: string;
  selectRun: string;
  selectIssues: string;
  countIssues: string;
  listRuns: string;
  findSucceededBySha: string;
  findClaimWinner: string;
  abortStaleRuns: string;
  selectCustomer: string;
  selectHistory: string;
  countCustomers: string;
  upsertFileState: string;
  touchFileStates: string;
  lockRun: string;
}

/** `s` is the quoted schema name. */
export function postgresStatements(s: string): PostgresStatements {
  const dataHash = (expr: string): string =>
    `encode(sha256(convert_to((${expr})::text, 'UTF8')), 'hex')`;
  // Same text as customerSearchText() builds in JS for SQLite: key and search fields, one per
  // line, lower-cased (PostgreSQL's lower() follows the database's LC_CTYPE; UTF-8 locales
  // lower umlauts, as JavaScript does).
  const searchText = (key: string, data: string): string =>
    `lower(concat_ws(E'\\n', ${key}, ${SEARCH_FIELDS.map((f) => `${data} ->> '${f}'`).join(', ')}))`;

  return {
    customersTable: `${s}.customers`,
    fileStatesTable: `${s}.file_states`,
    importSettings: `SET LOCAL work_mem = '64MB'`,
    createStaging: `CREATE TEMP TABLE customer_import_staging (
        round integer NOT NULL,
        seq integer NOT NULL,
        line integer NOT NULL,
        key text COLLATE "C" NOT NULL,
        fields jsonb NOT NULL,
        row_hash text NOT NULL,
        type text,
        flag text,
        nulls boolean NOT NULL
      ) ON COMMIT DROP`,
    truncateStaging: `TRUNCATE ${STAGING_TABLE}`,
    copyStaging: `COPY ${STAGING_TABLE} (${STAGING_COLUMNS.join(', ')}) FROM STDIN`,

    // One statement per round (a round holds each key at most once; see the session). Reading:
    // - locked: the stored rows of the round's keys, locked in key order, so a concurrent run of
    //   another instance cannot change them between this read and the write (FOR UPDATE also
    //   returns the newest committed version after waiting for such a run);
    // - planned: the merged data. Same row hash as last time: nothing to merge. Otherwise the
    //   stored data || the incoming fields, with the keys whose new value is JSON null stripped
    //   ("keep" = an absent field keeps its value, null clears it). Stored data has no nulls, so
    //   only fields that may hold one (st.nulls) need the strip, and a new key's data is its fields;
    // - changed: the new and really changed rows, with their field-level changes, old → new,
    //   sorted by field name (a side that is missing is left out of the change);
    // - written: INSERT … ON CONFLICT DO UPDATE … WHERE the content changed. xmax = 0 tells an
    //   insert from an update, so the counts are what the database did;
    // - refreshed: unchanged content under a new row hash: remember the hash for the fast path;
    // - history: one row per updated customer (not for dry runs). An insert writes none: its entry
    //   is derived from created_run_id, created_at and created_line (record-diff withInsertedEntry).
    upsertRound: `
      WITH locked AS (
        SELECT c.key, c.data, c.row_hash, c.status, c.type
        FROM ${s}.customers c
        WHERE c.key IN (SELECT st.key FROM ${STAGING_TABLE} st WHERE st.round = $1::int)
        ORDER BY c.key
        FOR UPDATE OF c
      ),
      planned AS (
        SELECT st.seq, st.line, st.key, st.row_hash,
               l.key IS NOT NULL AS existed,
               l.data AS old_data,
               CASE WHEN l.row_hash = st.row_hash THEN l.data
                    WHEN st.nulls THEN jsonb_strip_nulls(coalesce(l.data, '{}'::jsonb) || st.fields)
                    WHEN l.key IS NULL THEN st.fields
                    ELSE l.data || st.fields
               END AS new_data,
               l.row_hash IS DISTINCT FROM st.row_hash AS new_row_hash,
               l.status AS old_status,
               l.type AS old_type,
               st.type AS in_type,
               -- as planStatus() / planType() in customer-state.ts
               CASE WHEN l.key IS NULL THEN CASE WHEN st.flag = 'blocked' THEN 'blocked' ELSE $5::text END
                    WHEN l.status = 'deactivated' THEN coalesce(st.flag, 'active')
                    ELSE coalesce(st.flag, l.status)
               END AS new_status,
               CASE WHEN l.key IS NULL OR l.type IS NULL THEN st.type ELSE l.type END AS new_type,
               (l.type IS NOT NULL AND st.type IS NOT NULL AND l.type <> st.type) AS type_conflict
        FROM ${STAGING_TABLE} st
        LEFT JOIN locked l ON l.key = st.key
        WHERE st.round = $1::int
      ),
      changed AS (
        SELECT p.seq, p.line, p.key,
               -- a row that derives another type is reported on every import: no fast path for it
               CASE WHEN p.type_conflict THEN NULL ELSE p.row_hash END AS row_hash,
               p.new_data, p.new_status, p.new_type,
               (p.old_status = 'deactivated' AND p.new_status <> 'deactivated') AS reactivated,
               CASE WHEN p.type_conflict THEN 'type change ' || p.old_type || '→' || p.in_type || ' ignored' END AS note,
               -- an insert's field list only when the caller asks for changes (history does not keep it)
               CASE WHEN NOT p.existed AND $6::int = 0 THEN '[]'::jsonb ELSE (SELECT coalesce(
                         jsonb_agg(
                           jsonb_strip_nulls(jsonb_build_object(
                             'field', f.field, 'old', p.old_data -> f.field, 'new', p.new_data -> f.field))
                           ORDER BY f.field COLLATE "C"),
                         '[]'::jsonb)
                FROM (SELECT jsonb_object_keys(coalesce(p.old_data, '{}'::jsonb)) AS field
                      UNION
                      SELECT jsonb_object_keys(p.new_data)) f
                WHERE (p.old_data -> f.field) IS DISTINCT FROM (p.new_data -> f.field)) END
               -- a status change follows the data changes (a new customer's status is no change)
               || CASE WHEN p.existed AND p.old_status <> p.new_status
                       THEN jsonb_build_array(jsonb_build_object('field', 'status', 'old', p.old_status, 'new', p.new_status))
                       ELSE '[]'::jsonb END AS changes
        FROM planned p
        WHERE NOT p.existed OR p.new_data <> p.old_data OR p.new_status <> p.old_status
           OR p.new_type IS DISTINCT FROM p.old_type
      ),
      written AS (
        INSERT INTO ${s}.customers AS c
          (key, data, content_hash, row_hash, search_text, source, created_at, updated_at, created_run_id, updated_run_id,
           created_line, status, type)
        SELECT ch.key, ch.new_data, ${dataHash('ch.new_data')}, ch.row_hash, ${searchText('ch.key', 'ch.new_data')},
               $2::text, $3::timestamptz, $3::timestamptz, $4::bigint, $4::bigint, ch.line, ch.new_status, ch.new_type
        FROM changed ch
        ORDER BY ch.key
        ON CONFLICT (key) DO UPDATE SET
          data = excluded.data, content_hash = excluded.content_hash, row_hash = excluded.row_hash,
          search_text = excluded.search_text, source = excluded.source,
          updated_at = excluded.updated_at, updated_run_id = excluded.updated_run_id,
          status = excluded.status, type = excluded.type,
          deactivated_at = CASE WHEN excluded.status = 'deactivated' THEN c.deactivated_at END,
          deactivated_run_id = CASE WHEN excluded.status = 'deactivated' THEN c.deactivated_run_id END
        WHERE c.data IS DISTINCT FROM excluded.data OR c.status IS DISTINCT FROM excluded.status
           OR c.type IS DISTINCT FROM excluded.type
        RETURNING c.key, (c.xmax = 0) AS inserted
      ),
      refreshed AS (
        UPDATE ${s}.customers c SET row_hash = p.row_hash
        FROM planned p
        WHERE c.key = p.key AND p.existed AND p.new_row_hash AND p.new_data = p.old_data
          AND NOT p.type_conflict
      ),
      history AS (
        INSERT INTO ${s}.customer_history (run_id, key, operation, changes, line, at, note)
        SELECT $4::bigint, ch.key, CASE WHEN ch.reactivated THEN 'reactivated' ELSE 'updated' END,
               ch.changes, ch.line, $3::timestamptz, ch.note
        FROM changed ch
        JOIN written w ON w.key = ch.key
        WHERE $4::bigint IS NOT NULL AND NOT w.inserted
        ORDER BY ch.seq
      )
      SELECT
        (SELECT count(*) FROM planned)::int AS total,
        (SELECT count(*) FROM written WHERE inserted)::int AS inserted,
        (SELECT count(*) FROM written WHERE NOT inserted)::int AS updated,
        (SELECT count(*) FROM changed ch JOIN written w ON w.key = ch.key WHERE ch.reactivated AND NOT w.inserted)::int
          AS reactivated,
        (SELECT coalesce(
                  jsonb_agg(
                    jsonb_build_object('key', p.key, 'line', p.line, 'stored', p.old_type, 'incoming', p.in_type)
                    ORDER BY p.seq),
                  '[]'::jsonb)
         FROM planned p WHERE p.type_conflict) AS conflicts,
        (SELECT coalesce(
                  jsonb_agg(
                    jsonb_build_object(
                      'seq', l.seq, 'key', l.key, 'line', l.line, 'changes', l.changes,
                      'operation', CASE WHEN l.inserted THEN 'inserted' ELSE 'updated' END)
                    ORDER BY l.seq),
                  '[]'::jsonb)
         FROM (SELECT ch.seq, ch.key, ch.line, ch.changes, w.inserted
               FROM changed ch
               JOIN written w ON w.key = ch.key
               ORDER BY ch.seq
               LIMIT $6::int) l) AS changes`,

    createPresent: `CREATE TEMP TABLE IF NOT EXISTS customer_import_present (key text COLLATE "C" PRIMARY KEY) ON COMMIT DROP`,
    addStagedPresent: `INSERT INTO ${PRESENT_TABLE} (key) SELECT DISTINCT key FROM ${STAGING_TABLE} ON CONFLICT DO NOTHING`,
    selectUnsettledRows: `SELECT u.i::int AS i
      FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(key, row_hash, i)
      WHERE NOT EXISTS (
        SELECT 1 FROM ${s}.customers c
        WHERE c.key = u.key AND c.row_hash = u.row_hash AND c.status <> 'deactivated')`,
    addPresentKeys: `INSERT INTO ${PRESENT_TABLE} (key) SELECT DISTINCT k FROM unnest($1::text[]) AS k ON CONFLICT DO NOTHING`,
    countSourceActive: `SELECT count(*)::int AS active,
        count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM ${PRESENT_TABLE} p WHERE p.key = c.key))::int AS missing
      FROM ${s}.customers c WHERE c.source = $1 AND c.status <> 'deactivated'`,
    // Locked in key order like the upsert; history keeps the status each customer had.
    deactivateMissing: `
      WITH target AS (
        SELECT c.key, c.status FROM ${s}.customers c
        WHERE c.source = $1 AND c.status <> 'deactivated'
          AND NOT EXISTS (SELECT 1 FROM ${PRESENT_TABLE} p WHERE p.key = c.key)
        ORDER BY c.key
        FOR UPDATE OF c
      ),
      gone AS (
        UPDATE ${s}.customers c
          SET status = 'deactivated', deactivated_at = $2::timestamptz, deactivated_run_id = $3::bigint,
              updated_at = $2::timestamptz
        FROM target t WHERE c.key = t.key
        RETURNING c.key, t.status AS old_status
      ),
      history AS (
        INSERT INTO ${s}.customer_history (run_id, key, operation, changes, line, at, note)
        SELECT $3::bigint, g.key, 'deactivated',
               jsonb_build_array(jsonb_build_object('field', 'status', 'old', g.old_status, 'new', 'deactivated')),
               NULL, $2::timestamptz, $4::text
        FROM gone g
        WHERE $3::bigint IS NOT NULL
        ORDER BY g.key
      )
      SELECT count(*)::int AS n FROM gone`,
    findLastTransfer: `SELECT last_modified_max FROM ${s}.runs
      WHERE source = $1 AND status = 'succeeded' AND last_modified_max IS NOT NULL
      ORDER BY id DESC LIMIT 1`,
    insertRun: `INSERT INTO ${s}.runs
        (file, sha256, size_bytes, format, mode, job, source, instance, status,
         read, inserted, updated, unchanged, skipped, warnings, error_code, error_message,
         duplicate_of_run_id, started_at, finished_at, duration_ms,
         filtered, not_changed, deactivated, reactivated, last_modified_max)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21,
              $22, $23, $24, $25, $26)
      RETURNING id`,
    finishRun: `UPDATE ${s}.runs
        SET status = $2, claim_sha256 = $3, read = $4, inserted = $5, updated = $6, unchanged = $7,
            skipped = $8, warnings = $9, error_code = $10, error_message = $11, duplicate_of_run_id = $12,
            finished_at = $13, duration_ms = $14,
            filtered = $15, not_changed = $16, deactivated = $17, reactivated = $18, last_modified_max = $19
      WHERE id = $1`,
    failRun: `UPDATE ${s}.runs
        SET status = $2, claim_sha256 = $3, read = $4, inserted = $5, updated = $6, unchanged = $7,
            skipped = $8, warnings = $9, error_code = $10, error_message = $11, duplicate_of_run_id = $12,
            finished_at = $13, duration_ms = $14,
            filtered = $15, not_changed = $16, deactivated = $17, reactivated = $18, last_modified_max = $19
      WHERE id = $1 AND status = 'running'`,
    // Set-based: the issues arrive as one array per column.
    insertIssues: `INSERT INTO ${s}.run_issues (run_id, seq, line, column_name, value, code, message, severity, cell)
      SELECT $1::bigint, i.seq, i.line, i.column_name, i.value, i.code, i.message, i.severity, i.cell
      FROM unnest($2::int[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
        AS i (seq, line, column_name, value, code, message, severity, cell)`,
    selectRun: `SELECT * FROM ${s}.runs WHERE id = $1`,
    // LIMIT NULL: all of them.
    selectIssues: `SELECT line, column_name, value, code, message, severity, cell
      FROM ${s}.run_issues WHERE run_id = $1 ORDER BY line, seq LIMIT $2`,
    countIssues: `SELECT count(*)::int AS count FROM ${s}.run_issues WHERE run_id = $1`,
    listRuns: `SELECT * FROM ${s}.runs ORDER BY id DESC LIMIT $1 OFFSET $2`,
    // The claim holder first: it is the run later duplicates point at; forced re-imports after it.
    findSucceededBySha: `SELECT * FROM ${s}.runs WHERE sha256 = $1 AND status = 'succeeded'
      ORDER BY claim_sha256 IS NULL, id DESC LIMIT 1`,
    findClaimWinner: `SELECT id FROM ${s}.runs WHERE claim_sha256 = $1 AND status = 'succeeded'`,
    // A run is stale when nobody holds its advisory lock any more: the session that ran it took
    // the lock inside its transaction, and PostgreSQL drops it with the connection. So even runs
    // of a live instance that this store does not know of stay alone.
    abortStaleRuns: `UPDATE ${s}.runs r SET status = 'aborted', finished_at = $2::timestamptz
      WHERE r.status = 'running' AND r.instance = $1 AND NOT (r.id = ANY ($3::bigint[]))
        AND NOT EXISTS (
          SELECT 1 FROM pg_locks l
          WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
            AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND l.classid::bigint = $4::bigint AND l.objid::bigint = r.id)`,
    lockRun: 'SELECT pg_advisory_xact_lock($1::int, $2::int)',
    selectCustomer: `SELECT * FROM ${s}.customers WHERE key = $1`,
    selectHistory: `SELECT run_id, key, operation, changes, line, at, note
      FROM ${s}.customer_history WHERE key = $1 ORDER BY id DESC`,
    countCustomers: `SELECT count(*)::int AS n FROM ${s}.customers`,
    upsertFileState: `INSERT INTO ${s}.file_states (id, job, path, name, state, sha256, size_bytes, run_id, detail, owner, updated_at)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
      ON CONFLICT (id) DO UPDATE SET
        job = excluded.job, path = excluded.path, name = excluded.name, state = excluded.state,
        sha256 = excluded.sha256, size_bytes = excluded.size_bytes, run_id = excluded.run_id,
        detail = excluded.detail, owner = excluded.owner, updated_at = excluded.updated_at`,
    // The claim heartbeat. Only claims still held are touched.
    touchFileStates: `UPDATE ${s}.file_states SET owner = $2, updated_at = $3::timestamptz
      WHERE state IN ('claimed', 'not-ready') AND id = ANY ($1::text[])`,
  };
}
