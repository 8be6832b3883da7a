import type { Database } from 'better-sqlite3';
import { AppError, ErrorCode, coerceError } from '../../errors.js';
import type { Clock } from '../../util/clock.js';
import { wrapSqliteError } from './sqlite-errors.js';

/** One versioned schema step. `up` runs inside the migration transaction. */
export interface SqliteMigration {
  version: number;
  name: string;
  up(db: Database): void;
}

export interface MigrationResult {
  /** Migrations applied by this call, oldest first (empty when the schema was current). */
  applied: { version: number; name: string }[];
  /** Schema version after the call. */
  version: number;
}

/**
 * Brings the schema up to date, umzug-style: `schema_migrations` records every applied version.
 *
 * The common case (nothing to do) only reads, so opening the store never waits for a write lock
 * that a long import in another process holds. When something is pending, the whole set runs in
 * one BEGIN IMMEDIATE transaction: two processes starting at once serialize on the lock, and the
 * second finds nothing left to do.
 */
export function migrateSqlite(
  db: Database,
  migrations: readonly SqliteMigration[],
  options: { path: string; clock: Clock },
): MigrationResult {
  const known = [...migrations].sort((a, b) => a.version - b.version);
  const latest = known.at(-1)?.version ?? 0;

  let applied: Set<number>;
  try {
    applied = readApplied(db);
  } catch (e) {
    throw wrapSqliteError(e, 'read its schema version', options.path);
  }
  checkNotNewer(applied, latest, options.path);
  if (known.every((m) => applied.has(m.version))) {
    return { applied: [], version: latest };
  }

  try {
    db.exec('BEGIN IMMEDIATE');
  } catch (e) {
    throw wrapSqliteError(e, 'lock the database to migrate it', options.path);
  }
  const done: { version: number; name: string }[] = [];
  let current: SqliteMigration | undefined;
  try {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at TEXT NOT NULL
    )`);
    // Read again under the lock: another process may have migrated meanwhile.
    applied = readApplied(db);
    checkNotNewer(applied, latest, options.path);
    const record = db.prepare<[number, string, string]>(
      'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
    );
    for (const migration of known) {
      if (applied.has(migration.version)) {
        continue;
      }
      current = migration;
      migration.up(db);
      record.run(
        migration.version,
        migration.name,
        new Date(options.clock.now()).toISOString(),
      );
      done.push({ version: migration.version, name: migration.name });
    }
    current = undefined;
    db.exec('COMMIT');
  } catch (e) {
    if (db.inTransaction) {
      db.exec('ROLLBACK');
    }
    if (e instanceof AppError) {
      throw e;
    }
    const err = coerceError(e);
    if (current === undefined) {
      // Failing around the migrations (the bookkeeping, the commit) is a lock or disk problem.
      throw wrapSqliteError(err, 'record its migrations', options.path);
    }
    throw new AppError(
      ErrorCode.STORE_MIGRATION_FAILED,
      `Migration ${current.version} (${current.name}) of the SQLite store at ${options.path} failed: ${err.message}. ` +
        'Nothing was changed; fix the cause and start again.',
      {
        cause: err,
        details: {
          version: current.version,
          name: current.name,
          path: options.path,
        },
      },
    );
  }
  return { applied: done, version: latest };
}

function readApplied(db: Database): Set<number> {
  const table = db
    .prepare<[], { name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
    )
    .get();
  if (table === undefined) {
    return new Set();
  }
  const rows = db
    .prepare<[], { version: number }>('SELECT version FROM schema_migrations')
    .all();
  return new Set(rows.map((r) => r.version));
}

function checkNotNewer(
  applied: ReadonlySet<number>,
  latest: number,
  path: string,
): void {
  const newest = Math.max(0, ...applied);
  if (newest > latest) {
    throw new AppError(
      ErrorCode.STORE_MIGRATION_FAILED,
      `The SQLite store at ${path} has schema version ${newest}, but this customer-import knows only up to ` +
        `${latest}. It was migrated by a newer version; upgrade customer-import instead of going back.`,
      { details: { version: newest, knownVersion: latest, path } },
    );
  }
}
