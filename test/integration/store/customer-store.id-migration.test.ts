import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NULL_LOGGER } from '../../../src/logging/logger.js';
import { createStore } from '../../../src/store/create-store.js';
import type { CustomerStore } from '../../../src/store/customer-store.js';
import { BACKENDS } from '../../helpers/backends.js';
import type { BackendName } from '../../helpers/backends.js';
import { oldSchema, type OldSchema } from '../../helpers/old-schema.js';
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

/** A store at schema version 2 with a run, customers and their history. */
async function oldStore(backend: BackendName): Promise<OldSchema> {
  const old = await oldSchema(backend, 2, CLOCK);
  const t = old.table;
  try {
    // No explicit id: the run is the first, so it is 1, and the id sequence moves on as in a
    // real store.
    await old.exec(
      `INSERT INTO ${t('runs')} (file, sha256, size_bytes, format, mode, source, instance, status, started_at)
       VALUES ('old.txt', 'sha-old', 10, 'nav', 'update', 'erp', 'old-host', 'succeeded', '2026-01-01T00:00:00.000Z')`,
    );
    for (const c of OLD_CUSTOMERS) {
      await old.exec(
        `INSERT INTO ${t('customers')} (key, data, content_hash, row_hash, search_text, source, created_at, updated_at, created_run_id, updated_run_id)
         VALUES (?, ?, 'h', NULL, ?, 'erp', ?, ?, 1, 1)`,
        [
          c.key,
          JSON.stringify({ name: c.name }),
          `${c.key}\n${c.name.toLowerCase()}`,
          c.createdAt,
          c.createdAt,
        ],
      );
      await old.exec(
        `INSERT INTO ${t('customer_history')} (run_id, key, operation, changes, line, at) VALUES (1, ?, 'inserted', ?, 2, ?)`,
        [c.key, JSON.stringify([{ field: 'name', new: c.name }]), c.createdAt],
      );
    }
  } catch (e) {
    await old.cleanup();
    throw e;
  }
  return old;
}

for (const backend of BACKENDS) {
  describe(`${backend.name}: customers of an older schema get ids`, () => {
    let old: OldSchema;
    let store: CustomerStore | null = null;

    beforeEach(async () => {
      old = await oldStore(backend.name);
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
