import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { StoreConfig } from '../../src/config/app-config.js';
import { POSTGRES_MIGRATIONS } from '../../src/store/postgres/migrations/index.js';
import { migratePostgres } from '../../src/store/postgres/postgres-migrator.js';
import { SQLITE_MIGRATIONS } from '../../src/store/sqlite/migrations/index.js';
import { migrateSqlite } from '../../src/store/sqlite/sqlite-migrator.js';
import type { Clock } from '../../src/util/clock.js';
import type { BackendName } from './backends.js';
import { createTestSchema } from './postgres-db.js';
import { makeTempDir } from './temp-dir.js';

/**
 * A store's database as an older release left it: migrated up to `version` and no further, for
 * the tests of the migrations after it. Statements use `?` placeholders on both back-ends and
 * name tables through `table()`; opening a store on `config` then runs the newer migrations.
 */
export interface OldSchema {
  config: StoreConfig;
  /** PostgreSQL: the schema the store lives in; SQLite: null. */
  schema: string | null;
  /** A table's name as SQL must write it (schema-qualified on PostgreSQL). */
  table: (name: string) => string;
  /** Runs one statement on a short-lived connection. */
  exec: (sql: string, params?: unknown[]) => Promise<void>;
  /** Reads rows with one statement on a short-lived connection. */
  rows: <R extends object>(sql: string, params?: unknown[]) => Promise<R[]>;
  /** Removes the database (SQLite's folder, PostgreSQL's schema). */
  cleanup(): Promise<void>;
}

export async function oldSchema(
  backend: BackendName,
  version: number,
  clock: Clock,
): Promise<OldSchema> {
  return backend === 'sqlite'
    ? oldSqliteSchema(version, clock)
    : oldPostgresSchema(version, clock);
}

async function oldSqliteSchema(
  version: number,
  clock: Clock,
): Promise<OldSchema> {
  const dir = await makeTempDir('customer-import-old-');
  const path = join(dir, 'customers.db');
  const withDb = <T>(fn: (db: BetterSqlite3.Database) => T): T => {
    const db = new BetterSqlite3(path);
    try {
      return fn(db);
    } finally {
      db.close();
    }
  };
  withDb((db) =>
    migrateSqlite(
      db,
      SQLITE_MIGRATIONS.filter((m) => m.version <= version),
      { path, clock },
    ),
  );
  return {
    config: { type: 'sqlite', path, busyTimeoutMs: 2000 },
    schema: null,
    table: (name) => name,
    exec: async (sql, params = []) => {
      withDb((db) => db.prepare(sql).run(...params));
    },
    rows: async <R extends object>(sql: string, params: unknown[] = []) =>
      withDb((db) => db.prepare(sql).all(...params) as R[]),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

async function oldPostgresSchema(
  version: number,
  clock: Clock,
): Promise<OldSchema> {
  const schema = createTestSchema(
    process.env['TEST_DATABASE_URL'] ?? '',
    `old${version}`,
  );
  const pool = new pg.Pool({ connectionString: schema.url, max: 1 });
  try {
    await migratePostgres(
      pool,
      POSTGRES_MIGRATIONS.filter((m) => m.version <= version),
      { schema: schema.schema, location: 'test', clock },
    );
  } catch (e) {
    await schema.drop();
    throw e;
  } finally {
    await pool.end();
  }
  const numbered = (sql: string): string => {
    let n = 0;
    return sql.replace(/\?/g, () => `$${++n}`);
  };
  return {
    config: schema.config,
    schema: schema.schema,
    table: (name) => `${schema.schema}.${name}`,
    exec: async (sql, params = []) => {
      await schema.query(numbered(sql), params);
    },
    rows: async <R extends object>(sql: string, params: unknown[] = []) =>
      (await schema.query(numbered(sql), params)) as R[],
    cleanup: () => schema.drop(),
  };
}
