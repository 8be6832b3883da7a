import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
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

/**
 * Migration 7 drops `customers_source_status_idx`: a store of schema 6 loses it when opened, and
 * the customers table keeps the indexes its queries use (the key's, the fallback matches').
 * Rebuild's behaviour without it is customer-store.modes.test.ts, on both back-ends.
 */

const CLOCK = { now: () => Date.parse('2026-12-08T08:00:00.000Z') };

interface StoreAtVersion6 {
  config: StoreConfig;
  /** The names of the customers table's indexes, sorted (the primary key's left out). */
  customerIndexes(): Promise<string[]>;
  cleanup(): Promise<void>;
}

async function sqliteAtVersion6(): Promise<StoreAtVersion6> {
  const dir = await makeTempDir('customer-import-v6-');
  const path = join(dir, 'customers.db');
  const db = new BetterSqlite3(path);
  try {
    migrateSqlite(
      db,
      SQLITE_MIGRATIONS.filter((m) => m.version <= 6),
      { path, clock: CLOCK },
    );
  } finally {
    db.close();
  }
  return {
    config: { type: 'sqlite', path, busyTimeoutMs: 2000 },
    async customerIndexes() {
      const check = new BetterSqlite3(path, { readonly: true });
      try {
        return check
          .prepare<[], string>(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'customers' AND sql IS NOT NULL ORDER BY name",
          )
          .pluck()
          .all();
      } finally {
        check.close();
      }
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

async function postgresAtVersion6(): Promise<StoreAtVersion6> {
  const url = process.env['TEST_DATABASE_URL'] ?? '';
  const schema = createTestSchema(url, 'v6idx');
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    await migratePostgres(
      pool,
      POSTGRES_MIGRATIONS.filter((m) => m.version <= 6),
      { schema: schema.schema, location: 'test', clock: CLOCK },
    );
  } catch (e) {
    await schema.drop();
    throw e;
  } finally {
    await pool.end();
  }
  return {
    config: schema.config,
    async customerIndexes() {
      const rows = await schema.query<{ indexname: string }>(
        `SELECT indexname FROM pg_indexes
         WHERE schemaname = $1 AND tablename = 'customers' AND indexname <> 'customers_pkey'
         ORDER BY indexname`,
        [schema.schema],
      );
      return rows.map((r) => r.indexname);
    },
    cleanup: () => schema.drop(),
  };
}

for (const backend of BACKENDS) {
  describe(`${backend.name}: the (source, status) index of schema 6`, () => {
    let old: StoreAtVersion6 | null = null;
    let store: CustomerStore | null = null;

    afterEach(async () => {
      await store?.close();
      store = null;
      await old?.cleanup();
      old = null;
    });

    it('is dropped when the store opens; the key and match indexes stay', async () => {
      old =
        backend.name === 'sqlite'
          ? await sqliteAtVersion6()
          : await postgresAtVersion6();
      const before = await old.customerIndexes();
      expect(before).toContain('customers_source_status_idx');

      store = await createStore(old.config, {
        logger: NULL_LOGGER,
        clock: CLOCK,
      });
      const after = await old.customerIndexes();
      expect(after).toEqual(
        before.filter((name) => name !== 'customers_source_status_idx'),
      );
      expect(after).toEqual(
        expect.arrayContaining([
          'customers_keyless_email_idx',
          'customers_keyless_vat_idx',
        ]),
      );
    });
  });
}
