import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { StoreConfig } from '../../src/config/app-config.js';

/**
 * Runs one statement on a test database behind the store's back (what another system reading or
 * writing the tables would do) and returns its rows, as the driver gives them: SQLite JSON
 * columns as text, PostgreSQL jsonb parsed. Write `@table` for a table (the test schema's
 * prefix on PostgreSQL) and `?` for each parameter.
 */
export async function rawSql(
  config: StoreConfig,
  sql: string,
  params: readonly unknown[] = [],
): Promise<Record<string, unknown>[]> {
  if (config.type === 'sqlite') {
    const db = new BetterSqlite3(config.path);
    try {
      const statement = db.prepare(sql.replaceAll('@', ''));
      if (statement.reader) {
        return statement.all(...params) as Record<string, unknown>[];
      }
      statement.run(...params);
      return [];
    } finally {
      db.close();
    }
  }
  let n = 0;
  const client = new pg.Client({ connectionString: config.url });
  await client.connect();
  try {
    const { rows } = await client.query<Record<string, unknown>>(
      sql.replaceAll('@', `${config.schema}.`).replace(/\?/g, () => `$${++n}`),
      [...params],
    );
    return rows;
  } finally {
    await client.end();
  }
}
