import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '../../../src/errors.js';
import { CapturingLogger, NULL_LOGGER } from '../../../src/logging/logger.js';
import { createStore } from '../../../src/store/create-store.js';
import { POSTGRES_MIGRATIONS } from '../../../src/store/postgres/migrations/index.js';
import type { CustomerStore } from '../../../src/store/customer-store.js';
import {
  TEST_DATABASE_URL,
  createTestSchema,
  postgresAvailable,
} from '../../helpers/postgres-db.js';
import type { TestSchema } from '../../helpers/postgres-db.js';
import { importRun, record } from './store-fixtures.js';

/** What only the PostgreSQL back-end has: its schema, its migration lock, its server. */

describe('postgres: an unreachable server', () => {
  it('reports STORE_UNAVAILABLE, retryable, without the password', async () => {
    // Port 1 on localhost: nothing listens there, the connect is refused at once.
    const url = 'postgres://importer:s3cret-pw@127.0.0.1:1/customers';
    const error: unknown = await createStore(
      { type: 'postgres', url, schema: 'public', poolSize: 1 },
      { logger: NULL_LOGGER },
    ).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isAppError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE', retryable: true });
    const text = JSON.stringify({
      message: (error as Error).message,
      details: isAppError(error) ? error.details : null,
    });
    expect(text).not.toContain('s3cret-pw');
    expect(text).toContain('postgres://importer:***@127.0.0.1:1/customers');
  });
});

const RUN = postgresAvailable('schema and migrations');

describe.skipIf(!RUN)('postgres: schema and migrations', () => {
  let db: TestSchema;
  const opened: CustomerStore[] = [];

  const open = async (
    logger = NULL_LOGGER as CapturingLogger | typeof NULL_LOGGER,
  ): Promise<CustomerStore> => {
    const store = await createStore(db.config, { logger });
    opened.push(store);
    return store;
  };

  beforeEach(() => {
    db = createTestSchema(TEST_DATABASE_URL ?? '', 'schema');
  });
  afterEach(async () => {
    for (const store of opened.splice(0).reverse()) {
      await store.close();
    }
    await db.drop();
  });

  it('creates the configured schema and keeps every table in it', async () => {
    const store = await open();
    await importRun(store, [[record('K1', { name: 'Alpha' })]]);
    const tables = await db.query<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
      [db.schema],
    );
    expect(tables.map((t) => t.table_name)).toEqual([
      'addresses',
      'contacts',
      'customer_history',
      'customers',
      'entity_history',
      'file_states',
      'run_issues',
      'runs',
      'sales_agents',
      'schema_migrations',
    ]);
    const [row] = await db.query<{ data: unknown; key: string }>(
      `SELECT key, data FROM ${db.schema}.customers`,
    );
    expect(row).toEqual({ key: 'K1', data: { name: 'Alpha' } });
  });

  it('migrates once when several instances start at the same moment', async () => {
    const loggers = Array.from({ length: 4 }, () => new CapturingLogger());
    const stores = await Promise.all(loggers.map((logger) => open(logger)));
    expect(stores).toHaveLength(4);
    expect(loggers.flatMap((l) => l.events('store.migrated'))).toHaveLength(1);
    const versions = await db.query<{ version: number }>(
      `SELECT version FROM ${db.schema}.schema_migrations`,
    );
    expect(versions.map((v) => v.version).sort()).toEqual(
      POSTGRES_MIGRATIONS.map((m) => m.version),
    );
  });

  it('refuses a schema migrated by a newer version', async () => {
    const store = await open();
    await store.close();
    await db.query(
      `INSERT INTO ${db.schema}.schema_migrations (version, name, applied_at) VALUES (99, 'future', now())`,
    );
    await expect(open()).rejects.toMatchObject({
      code: 'STORE_MIGRATION_FAILED',
      details: { version: 99 },
    });
  });
});
