import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NULL_LOGGER } from '../../../src/logging/logger.js';
import { createStore } from '../../../src/store/create-store.js';
import type { CustomerStore } from '../../../src/store/customer-store.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { importRun, record } from './store-fixtures.js';

/**
 * SQLite keeps a customer's row hash only when it differs from the content hash (a record with
 * nulls); NULL reads as the content hash. The counts must be what they always were.
 */
describe('sqlite: row hash stored only when it differs from the content hash', () => {
  let dir: string;
  let path: string;
  let store: CustomerStore;

  const hashes = (key: string): { row: string | null; content: string } => {
    const raw = new BetterSqlite3(path, { readonly: true });
    try {
      const row = raw
        .prepare<[string], { row_hash: string | null; content_hash: string }>(
          'SELECT row_hash, content_hash FROM customers WHERE key = ?',
        )
        .get(key);
      return { row: row?.row_hash ?? null, content: row?.content_hash ?? '' };
    } finally {
      raw.close();
    }
  };

  beforeEach(async () => {
    dir = await makeTempDir('customer-import-sqlite-');
    path = join(dir, 'customers.db');
    store = await createStore(
      { type: 'sqlite', path, busyTimeoutMs: 2000 },
      { logger: NULL_LOGGER },
    );
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('leaves it out for a record without nulls, keeps it for one with nulls, and counts as before', async () => {
    await importRun(store, [
      [
        record('K1', { name: 'Alpha' }),
        record('K2', { name: 'Beta', email: null }),
      ],
    ]);
    expect(hashes('K1').row).toBeNull();
    const k2 = hashes('K2');
    expect(k2.row).not.toBeNull();
    expect(k2.row).not.toBe(k2.content);

    // The same rows again: unchanged, nothing written.
    const again = await importRun(
      store,
      [
        [
          record('K1', { name: 'Alpha' }),
          record('K2', { name: 'Beta', email: null }),
        ],
      ],
      { content: 'b' },
    );
    expect(again.results[0]).toMatchObject({
      inserted: 0,
      updated: 0,
      unchanged: 2,
    });

    // A null that clears nothing: unchanged, and the new row hash is remembered…
    const cleared = await importRun(
      store,
      [[record('K1', { name: 'Alpha', email: null })]],
      { content: 'c' },
    );
    expect(cleared.results[0]).toMatchObject({ unchanged: 1 });
    expect(hashes('K1').row).not.toBeNull();
    // …until a row equal to the data comes again: unchanged, and the row hash is dropped again.
    const plain = await importRun(store, [[record('K1', { name: 'Alpha' })]], {
      content: 'd',
    });
    expect(plain.results[0]).toMatchObject({ unchanged: 1 });
    expect(hashes('K1').row).toBeNull();

    // A real change is still one.
    const changed = await importRun(store, [[record('K1', { name: 'Alf' })]], {
      content: 'e',
    });
    expect(changed.results[0]).toMatchObject({ updated: 1 });
    expect((await store.getCustomer('K1'))?.customer.data).toEqual({
      name: 'Alf',
    });
    expect(hashes('K1').row).toBeNull();
  });
});
