import { afterEach, describe, expect, it } from 'vitest';
import { NULL_LOGGER } from '../../../src/logging/logger.js';
import { createStore } from '../../../src/store/create-store.js';
import type { CustomerStore } from '../../../src/store/customer-store.js';
import { BACKENDS } from '../../helpers/backends.js';
import type { BackendName } from '../../helpers/backends.js';
import { oldSchema, type OldSchema } from '../../helpers/old-schema.js';

/**
 * Migration 7 drops `customers_source_status_idx`: a store of schema 6 loses it when opened, and
 * the customers table keeps the indexes its queries use (the key's, the fallback matches').
 * Rebuild's behaviour without it is customer-store.modes.test.ts, on both back-ends.
 */

const CLOCK = { now: () => Date.parse('2026-12-08T08:00:00.000Z') };

/** The names of the customers table's indexes, sorted (the primary key's left out). */
async function customerIndexes(
  backend: BackendName,
  old: OldSchema,
): Promise<string[]> {
  if (backend === 'sqlite') {
    const rows = await old.rows<{ name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'customers' AND sql IS NOT NULL ORDER BY name",
    );
    return rows.map((r) => r.name);
  }
  const rows = await old.rows<{ indexname: string }>(
    `SELECT indexname FROM pg_indexes
     WHERE schemaname = ? AND tablename = 'customers' AND indexname <> 'customers_pkey'
     ORDER BY indexname`,
    [old.schema],
  );
  return rows.map((r) => r.indexname);
}

for (const backend of BACKENDS) {
  describe(`${backend.name}: the (source, status) index of schema 6`, () => {
    let old: OldSchema | null = null;
    let store: CustomerStore | null = null;

    afterEach(async () => {
      await store?.close();
      store = null;
      await old?.cleanup();
      old = null;
    });

    it('is dropped when the store opens; the key and match indexes stay', async () => {
      old = await oldSchema(backend.name, 6, CLOCK);
      const before = await customerIndexes(backend.name, old);
      expect(before).toContain('customers_source_status_idx');

      store = await createStore(old.config, {
        logger: NULL_LOGGER,
        clock: CLOCK,
      });
      const after = await customerIndexes(backend.name, old);
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
