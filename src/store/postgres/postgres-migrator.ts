import type pg from 'pg';
import { AppError, ErrorCode, coerceError } from '../../errors.js';
import type { Clock } from '../../util/clock.js';
import { wrapPostgresError } from './postgres-errors.js';

/** One versioned schema step: SQL for the (already quoted) schema name `s`. */
export interface PostgresMigration {
  version: number;
  name: string;
  sql(s: string): string;
}

export interface MigrationResult {
  /** Migrations applied by this call, oldest first (empty when the schema was current). */
  applied: { version: number; name: string }[];
  /** Schema version after the call. */
  version: number;
}

export interface MigrateOptions {
  /** The configured schema, unquoted. */
  schema: string;
  /** Redacted store location for messages. */
  location: string;
  clock: Clock;
}

/**
 * Brings the schema up to date, umzug-style: `schema_migrations` records every applied version.
 *
 * The common case (nothing to do) only reads. When something is pending, everything runs in one
 * transaction that first takes an advisory lock named after the schema: several instances
 * starting together queue on the lock, and each one after the first reads the versions again
 * under it and finds nothing left to do. PostgreSQL's DDL is transactional, so a failing
 * migration leaves the schema exactly as it was.
 */
export async function migratePostgres(
  pool: pg.Pool,
  migrations: readonly PostgresMigration[],
  options: MigrateOptions,
): Promise<MigrationResult> {
  const known = [...migrations].sort((a, b) => a.version - b.version);
  const latest = known.at(-1)?.version ?? 0;
  const s = quoteIdent(options.schema);

  let applied: Set<number>;
  try {
    applied = await readApplied(pool, options.schema);
  } catch (e) {
    throw wrapPostgresError(e, 'read its schema version', options.location);
  }
  checkNotNewer(applied, latest, options.location);
  if (known.every((m) => applied.has(m.version))) {
    return { applied: [], version: latest };
  }

  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (e) {
    throw wrapPostgresError(e, 'connect to migrate', options.location);
  }
  const done: { version: number; name: string }[] = [];
  let current: PostgresMigration | undefined;
  let broken = false;
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
      `customer-import:migrate:${options.schema}`,
    ]);
    // Only create the schema when it is missing: CREATE SCHEMA IF NOT EXISTS needs the CREATE
    // privilege on the database even when the schema is there.
    const exists = await client.query(
      'SELECT 1 FROM pg_namespace WHERE nspname = $1',
      [options.schema],
    );
    if (exists.rowCount === 0) {
      await client.query(`CREATE SCHEMA ${s}`);
    }
    await client.query(`CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL
    )`);
    // Read again under the lock: another process may have migrated meanwhile.
    applied = await readApplied(client, options.schema);
    checkNotNewer(applied, latest, options.location);
    for (const migration of known) {
      if (applied.has(migration.version)) {
        continue;
      }
      current = migration;
      await client.query(migration.sql(s));
      await client.query(
        `INSERT INTO ${s}.schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
        [
          migration.version,
          migration.name,
          new Date(options.clock.now()).toISOString(),
        ],
      );
      done.push({ version: migration.version, name: migration.name });
    }
    current = undefined;
    await client.query('COMMIT');
  } catch (e) {
    broken = true;
    await client.query('ROLLBACK').catch(() => undefined);
    if (e instanceof AppError) {
      throw e;
    }
    const err = coerceError(e);
    if (current === undefined) {
      // Failing around the migrations (lock, bookkeeping, commit) is a connection problem.
      throw wrapPostgresError(err, 'record its migrations', options.location);
    }
    throw new AppError(
      ErrorCode.STORE_MIGRATION_FAILED,
      `Migration ${current.version} (${current.name}) of the PostgreSQL store at ${options.location} failed: ` +
        `${err.message}. Nothing was changed; fix the cause and start again.`,
      {
        cause: err,
        details: {
          version: current.version,
          name: current.name,
          store: options.location,
        },
      },
    );
  } finally {
    client.release(broken);
  }
  return { applied: done, version: latest };
}

/** `"name"` with embedded quotes doubled; the schema name is also checked by the config schema. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

async function readApplied(
  db: pg.Pool | pg.PoolClient,
  schema: string,
): Promise<Set<number>> {
  const table = await db.query<{ found: boolean }>(
    'SELECT to_regclass($1) IS NOT NULL AS found',
    [`${quoteIdent(schema)}.schema_migrations`],
  );
  if (table.rows[0]?.found !== true) {
    return new Set();
  }
  const rows = await db.query<{ version: number }>(
    `SELECT version FROM ${quoteIdent(schema)}.schema_migrations`,
  );
  return new Set(rows.rows.map((r) => r.version));
}

function checkNotNewer(
  applied: ReadonlySet<number>,
  latest: number,
  location: string,
): void {
  const newest = Math.max(0, ...applied);
  if (newest > latest) {
    throw new AppError(
      ErrorCode.STORE_MIGRATION_FAILED,
      `The PostgreSQL store at ${location} has schema version ${newest}, but this customer-import knows only up to ` +
        `${latest}. It was migrated by a newer version; upgrade customer-import instead of going back.`,
      { details: { version: newest, knownVersion: latest, store: location } },
    );
  }
}
