import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { StoreConfig } from '../../src/config/app-config.js';
import { lockNamespace } from '../../src/store/postgres/postgres-customer-store.js';

/**
 * PostgreSQL for tests that are about PostgreSQL itself (connection loss, schemas, several
 * instances). They run when TEST_DATABASE_URL is set and are skipped loudly otherwise; the
 * contract suite gets its databases from backends.ts.
 */

// Test setup is the one place outside config/ that reads the environment.
export const TEST_DATABASE_URL: string | null =
  process.env['TEST_DATABASE_URL'] || null;

/** Warns once per test file that PostgreSQL tests are skipped; returns whether they run. */
export function postgresAvailable(what: string): boolean {
  if (TEST_DATABASE_URL === null) {
    console.warn(
      `\n*** PostgreSQL tests SKIPPED (${what}): TEST_DATABASE_URL is not set. ` +
        'Set it (e.g. postgres://postgres@127.0.0.1:5432/test) to run them. ***\n',
    );
    return false;
  }
  return true;
}

export interface TestSchema {
  url: string;
  schema: string;
  config: Extract<StoreConfig, { type: 'postgres' }>;
  /** Runs one statement on a short-lived connection of its own. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    params?: unknown[],
  ): Promise<R[]>;
  /** Drops the schema and everything in it. */
  drop(): Promise<void>;
}

/** A fresh, empty schema name (the store creates and migrates it on open). */
export function createTestSchema(url: string, prefix = 'test'): TestSchema {
  const schema = `${prefix}_${randomBytes(6).toString('hex')}`;
  const query = async <R extends pg.QueryResultRow>(
    sql: string,
    params: unknown[] = [],
  ): Promise<R[]> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query<R>(sql, params)).rows;
    } finally {
      await client.end();
    }
  };
  return {
    url,
    schema,
    config: { type: 'postgres', url, schema, poolSize: 4 },
    query,
    async drop() {
      await query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    },
  };
}

/**
 * Terminates the server process of the connection that runs `runId` (found by the advisory
 * lock its session holds), as an admin or a failover would. Other test files share the server,
 * so nothing else is touched. Returns whether a process was terminated.
 */
export async function terminateRunSession(
  db: TestSchema,
  runId: number,
): Promise<boolean> {
  const rows = await db.query<{ terminated: boolean }>(
    `SELECT pg_terminate_backend(l.pid) AS terminated FROM pg_locks l
     WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
       AND l.classid::bigint = $1 AND l.objid::bigint = $2`,
    [lockNamespace(db.schema), runId],
  );
  return rows.some((r) => r.terminated);
}
