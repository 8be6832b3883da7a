import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoreConfig } from '../../../src/config/app-config.js';
import { NULL_LOGGER } from '../../../src/logging/logger.js';
import { createStore } from '../../../src/store/create-store.js';
import type { CustomerStore } from '../../../src/store/customer-store.js';
import { POSTGRES_MIGRATIONS } from '../../../src/store/postgres/migrations/index.js';
import { migratePostgres } from '../../../src/store/postgres/postgres-migrator.js';
import { SQLITE_MIGRATIONS } from '../../../src/store/sqlite/migrations/index.js';
import { migrateSqlite } from '../../../src/store/sqlite/sqlite-migrator.js';
import { BACKENDS } from '../../helpers/backends.js';
import { createTestSchema } from '../../helpers/postgres-db.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { importRun, record } from './store-fixtures.js';

/**
 * Migration 3 gives customers a surrogate id and makes the ERP key nullable. A store that ran
 * the schema before it, with customers, runs and history in it, must keep working: the same
 * keys and data, ids in the order the customers were created, history still found by key.
 */

const CLOCK = { now: () => Date.parse('2026-11-21T08:00:00.000Z') };

/** Customers of an old store, deliberately not in key order of creation. */
const OLD_CUSTOMERS = [
  {
    key: '30000',
    name: 'Created first',
    createdAt: '2026-01-01T00:00:00.000Z',
  },
  {
    key: '10000',
    name: 'Created second',
    createdAt: '2026-02-01T00:00:00.000Z',
  },
  {
    key: '20000',
    name: 'Created third',
    createdAt: '2026-03-01T00:00:00.000Z',
  },
];

interface OldStore {
  config: StoreConfig;
  cleanup(): Promise<void>;
}

/** An SQLite file at schema version 2 with a run, customers and their history. */
async function oldSqliteStore(): Promise<OldStore> {
  const dir = await makeTempDir('customer-import-old-');
  const path = join(dir, 'customers.db');
  const db = new BetterSqlite3(path);
  try {
    migrateSqlite(
      db,
      SQLITE_MIGRATIONS.filter((m) => m.version <= 2),
      { path, clock: CLOCK },
    );
    db.prepare(
      `INSERT INTO runs (id, file, sha256, size_bytes, format, mode, source, instance, status, started_at)
       VALUES (1, 'old.txt', 'sha-old', 10, 'nav', 'update', 'erp', 'old-host', 'succeeded', '2026-01-01T00:00:00.000Z')`,
    ).run();
    for (const c of OLD_CUSTOMERS) {
      db.prepare(
        `INSERT INTO customers (key, data, content_hash, row_hash, search_text, source, created_at, updated_at, created_run_id, updated_run_id)
         VALUES (?, ?, 'h', NULL, ?, 'erp', ?, ?, 1, 1)`,
      ).run(
        c.key,
        JSON.stringify({ name: c.name }),
        `${c.key}\n${c.name.toLowerCase()}`,
        c.createdAt,
        c.createdAt,
      );
      db.prepare(
        `INSERT INTO customer_history (run_id, key, operation, changes, line, at) VALUES (1, ?, 'inserted', ?, 2, ?)`,
      ).run(
        c.key,
        JSON.stringify([{ field: 'name', new: c.name }]),
        c.createdAt,
      );
    }
  } finally {
    db.close();
  }
  return {
    config: { type: 'sqlite', path, busyTimeoutMs: 2000 },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A PostgreSQL schema at version 2 with a run, customers and their history. */
async function oldPostgresStore(): Promise<OldStore> {
  const url = process.env['TEST_DATABASE_URL'] ?? '';
  const schema = createTestSchema(url, 'oldids');
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    await migratePostgres(
      pool,
      POSTGRES_MIGRATIONS.filter((m) => m.version <= 2),
      { schema: schema.schema, location: 'test', clock: CLOCK },
    );
    const s = schema.schema;
    await pool.query(
      // No explicit id: the identity gives 1 and moves on, as in a real store.
      `INSERT INTO ${s}.runs (file, sha256, size_bytes, format, mode, source, instance, status, started_at)
       VALUES ('old.txt', 'sha-old', 10, 'nav', 'update', 'erp', 'old-host', 'succeeded', '2026-01-01T00:00:00.000Z')`,
    );
    for (const c of OLD_CUSTOMERS) {
      await pool.query(
        `INSERT INTO ${s}.customers (key, data, content_hash, row_hash, search_text, source, created_at, updated_at, created_run_id, updated_run_id)
         VALUES ($1, $2, 'h', NULL, $3, 'erp', $4, $4, 1, 1)`,
        [
          c.key,
          JSON.stringify({ name: c.name }),
          `${c.key}\n${c.name.toLowerCase()}`,
          c.createdAt,
        ],
      );
      await pool.query(
        `INSERT INTO ${s}.customer_history (run_id, key, operation, changes, line, at) VALUES (1, $1, 'inserted', $2, 2, $3)`,
        [c.key, JSON.stringify([{ field: 'name', new: c.name }]), c.createdAt],
      );
    }
  } catch (e) {
    await pool.end();
    await schema.drop();
    throw e;
  }
  await pool.end();
  return { config: schema.config, cleanup: () => schema.drop() };
}

for (const backend of BACKENDS) {
  describe(`${backend.name}: customers of an older schema get ids`, () => {
    let old: OldStore;
    let store: CustomerStore | null = null;

    beforeEach(async () => {
      old =
        backend.name === 'sqlite'
          ? await oldSqliteStore()
          : await oldPostgresStore();
    });
    afterEach(async () => {
      await store?.close();
      store = null;
      await old.cleanup();
    });

    it('numbers existing customers in creation order and keeps keys, data and history', async () => {
      store = await createStore(old.config, {
        logger: NULL_LOGGER,
        clock: CLOCK,
      });
      const customers = await store.listCustomers({ limit: 10 });
      expect(customers.map((c) => [c.key, c.id, c.data['name']])).toEqual([
        ['10000', 2, 'Created second'],
        ['20000', 3, 'Created third'],
        ['30000', 1, 'Created first'],
      ]);
      const detail = await store.getCustomer('20000');
      expect(detail?.history.map((h) => [h.operation, h.runId])).toEqual([
        ['inserted', 1],
      ]);
      expect(detail?.contacts).toEqual([]);
      expect(
        (await store.listCustomers({ limit: 10, search: 'created first' })).map(
          (c) => c.key,
        ),
      ).toEqual(['30000']);
    });

    it('goes on upserting by key, and new customers get the next ids', async () => {
      store = await createStore(old.config, {
        logger: NULL_LOGGER,
        clock: CLOCK,
      });
      const { results } = await importRun(store, [
        [
          record('10000', { name: 'Created second, renamed' }, 2),
          record('40000', { name: 'New' }, 3),
        ],
      ]);
      expect(results[0]).toMatchObject({ inserted: 1, updated: 1 });
      expect((await store.getCustomer('10000'))?.customer).toMatchObject({
        id: 2,
        data: { name: 'Created second, renamed' },
      });
      // After the old ones; PostgreSQL's sequence may leave gaps (an upsert that updates draws a value too).
      const newId = (await store.getCustomer('40000'))?.customer.id ?? 0;
      expect(newId).toBeGreaterThan(3);
      const created = await store.createCustomer({
        data: { name: 'Shop' },
        source: 'webstore',
      });
      expect(created.id).toBeGreaterThan(newId);
    });
  });
}
