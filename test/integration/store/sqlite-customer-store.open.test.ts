import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors.js';
import { NULL_LOGGER } from '../../../src/logging/logger.js';
import { createStore } from '../../../src/store/create-store.js';
import type { CustomerStore } from '../../../src/store/customer-store.js';
import { SQLITE_MIGRATIONS } from '../../../src/store/sqlite/migrations/index.js';
import { migrateSqlite } from '../../../src/store/sqlite/sqlite-migrator.js';
import { SYSTEM_CLOCK } from '../../../src/util/clock.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { importRun, record, runMeta, summary } from './store-fixtures.js';

/** What only the SQLite back-end has: the file, its pragmas, its locks, its migration table. */
describe('sqlite: opening and migrating', () => {
  let dir: string;
  const opened: CustomerStore[] = [];

  const open = async (
    path: string,
    busyTimeoutMs = 2000,
  ): Promise<CustomerStore> => {
    const store = await createStore(
      { type: 'sqlite', path, busyTimeoutMs },
      { logger: NULL_LOGGER },
    );
    opened.push(store);
    return store;
  };

  beforeEach(async () => {
    dir = await makeTempDir('customer-import-sqlite-');
  });
  afterEach(async () => {
    for (const store of opened.splice(0).reverse()) {
      await store.close();
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the page size of a store created before 16 KiB pages', async () => {
    const path = join(dir, 'old.db');
    const before = new BetterSqlite3(path);
    before.pragma('journal_mode = WAL');
    before.exec('CREATE TABLE kept (x)');
    before.close();
    await open(path);
    const raw = new BetterSqlite3(path, { readonly: true });
    try {
      expect(raw.pragma('page_size', { simple: true })).toBe(4096);
    } finally {
      raw.close();
    }
  });

  it('creates the folder and the file, in WAL mode with 16 KiB pages, with one schema_migrations row per migration', async () => {
    const path = join(dir, 'nested', 'data', 'customers.db');
    await open(path);
    await open(path);
    const raw = new BetterSqlite3(path, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(raw.pragma('page_size', { simple: true })).toBe(16384);
      const versions = raw
        .prepare('SELECT version, name FROM schema_migrations ORDER BY version')
        .all();
      expect(versions).toEqual(
        SQLITE_MIGRATIONS.map((m) => ({ version: m.version, name: m.name })),
      );
    } finally {
      raw.close();
    }
  });

  it('refuses a database migrated by a newer version', async () => {
    const path = join(dir, 'customers.db');
    await (await open(path)).close();
    const raw = new BetterSqlite3(path);
    raw
      .prepare(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 'x')",
      )
      .run();
    raw.close();
    await expect(open(path)).rejects.toMatchObject({
      code: 'STORE_MIGRATION_FAILED',
      retryable: false,
    });
  });

  it('rolls a failing migration back completely and reports STORE_MIGRATION_FAILED', () => {
    const raw = new BetterSqlite3(join(dir, 'customers.db'));
    try {
      const broken = {
        version: 2,
        name: 'broken',
        up(db: BetterSqlite3.Database) {
          db.exec('CREATE TABLE half_done (id INTEGER)');
          db.exec('ALTER TABLE no_such_table ADD COLUMN x TEXT');
        },
      };
      let error: unknown;
      try {
        migrateSqlite(raw, [...SQLITE_MIGRATIONS, broken], {
          path: 'customers.db',
          clock: SYSTEM_CLOCK,
        });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({
        code: 'STORE_MIGRATION_FAILED',
        details: { version: 2, name: 'broken' },
      });
      expect((error as Error).message).toMatch(
        /^Migration 2 \(broken\) of the SQLite store at customers\.db failed: /,
      );
      // Nothing of the set was applied, not even migration 1 that ran fine before it.
      const tables = raw
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .all();
      expect(tables).toEqual([]);
    } finally {
      raw.close();
    }
  });

  it('reports STORE_UNAVAILABLE when the file cannot be opened', async () => {
    await writeFile(join(dir, 'not-a-folder'), 'x');
    await expect(
      open(join(dir, 'not-a-folder', 'customers.db')),
    ).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
      retryable: true,
    });
    await mkdir(join(dir, 'a-folder.db'));
    const error: unknown = await open(join(dir, 'a-folder.db')).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      code: 'STORE_UNAVAILABLE',
      details: { sqliteCode: 'SQLITE_CANTOPEN' },
    });
    expect((error as Error).cause).toMatchObject({ code: 'SQLITE_CANTOPEN' });
  });

  it('reports STORE_UNAVAILABLE when another process holds the write lock beyond the busy timeout', async () => {
    const path = join(dir, 'customers.db');
    const holder = await open(path);
    const waiter = await open(path, 100);
    const session = await holder.beginImport(runMeta('a'), {
      dryRun: false,
      force: false,
    });
    await session.applyBatch([record('K1', { name: 'Alpha' })]);

    const error: unknown = await waiter
      .beginImport(runMeta('b'), { dryRun: false, force: false })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({
      code: 'STORE_UNAVAILABLE',
      retryable: true,
      details: { sqliteCode: 'SQLITE_BUSY' },
    });
    // Readers are not blocked by the writer (WAL), and see only committed data.
    expect(await waiter.countCustomers()).toBe(0);

    await session.commit(summary({ read: 1, inserted: 1 }));
    await importRun(waiter, [[record('K2', { name: 'Beta' })]], {
      content: 'b',
    });
    expect(await holder.countCustomers()).toBe(2);
  });

  it('lets a second import on the same store wait for the first, or give up after the busy timeout', async () => {
    const patient = await open(join(dir, 'patient.db'));
    const first = await patient.beginImport(runMeta('a'), {
      dryRun: false,
      force: false,
    });
    const second = patient.beginImport(runMeta('b'), {
      dryRun: false,
      force: false,
    });
    await first.applyBatch([record('K1', { name: 'Alpha' })]);
    await first.commit(summary({ read: 1, inserted: 1 }));
    const secondSession = await second;
    await secondSession.applyBatch([record('K1', { name: 'Alpha 2' })]);
    await secondSession.commit(summary({ read: 1, updated: 1 }));
    expect((await patient.getCustomer('K1'))?.customer.data).toEqual({
      name: 'Alpha 2',
    });

    const impatient = await open(join(dir, 'impatient.db'), 50);
    await impatient.beginImport(runMeta('a'), { dryRun: false, force: false });
    await expect(
      impatient.beginImport(runMeta('b'), { dryRun: false, force: false }),
    ).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
    });
  });

  it('closes idempotently, rolling back an open session; a closed store refuses work', async () => {
    const path = join(dir, 'customers.db');
    const store = await open(path);
    const session = await store.beginImport(runMeta('a'), {
      dryRun: false,
      force: false,
    });
    await session.applyBatch([record('K1', { name: 'Alpha' })]);
    await store.close();
    await store.close();
    await expect(store.countCustomers()).rejects.toMatchObject({
      code: 'INTERNAL',
    });
    expect(await (await open(path)).countCustomers()).toBe(0);
  });
});
