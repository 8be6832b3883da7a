import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NULL_LOGGER } from '../../../src/logging/logger.js';
import { createStore } from '../../../src/store/create-store.js';
import type { CustomerStore } from '../../../src/store/customer-store.js';
import { BACKENDS } from '../../helpers/backends.js';
import type { BackendName } from '../../helpers/backends.js';
import { oldSchema, type OldSchema } from '../../helpers/old-schema.js';

/**
 * Migration 5 derives the `inserted` history entry from the record's own row. A store written
 * before it, with `inserted` rows stored slim (no fields) and older ones stored with their
 * fields, must read exactly the same history afterwards, and keep no `inserted` rows.
 */

const CLOCK = { now: () => Date.parse('2026-11-21T08:00:00.000Z') };
const T1 = '2026-01-01T00:00:00.000Z';
const T2 = '2026-02-01T00:00:00.000Z';

/** Writes the contents of a store at schema version 4 (statements with `?` placeholders). */
async function fillOldStore(exec: OldSchema['exec'], t: OldSchema['table']) {
  for (const id of [1, 2]) {
    await exec(
      `INSERT INTO ${t('runs')} (id, file, sha256, size_bytes, format, mode, source, instance, status, started_at)
       VALUES (?, 'old.txt', ?, 10, 'nav', 'update', 'erp', 'old-host', 'succeeded', ?)`,
      [id, `sha-${id}`, id === 1 ? T1 : T2],
    );
  }
  const customer = async (
    id: number,
    key: string | null,
    data: object,
    runId: number | null,
  ): Promise<void> =>
    exec(
      `INSERT INTO ${t('customers')} (id, key, data, content_hash, row_hash, search_text, source, created_at, updated_at,
         created_run_id, updated_run_id)
       VALUES (?, ?, ?, 'h', NULL, '', 'erp', ?, ?, ?, ?)`,
      [id, key, JSON.stringify(data), T1, T2, runId, runId],
    );
  const history = async (
    runId: number,
    key: string,
    operation: string,
    changes: object[],
    line: number,
    at: string,
  ): Promise<void> =>
    exec(
      `INSERT INTO ${t('customer_history')} (run_id, key, operation, changes, line, at) VALUES (?, ?, ?, ?, ?, ?)`,
      [runId, key, operation, JSON.stringify(changes), line, at],
    );
  // K1: inserted slim in run 1 (line 5), its city changed in run 2.
  await customer(1, 'K1', { name: 'Alpha', city: 'Köln' }, 1);
  await history(1, 'K1', 'inserted', [], 5, T1);
  await history(
    2,
    'K1',
    'updated',
    [{ field: 'city', old: 'Bonn', new: 'Köln' }],
    7,
    T2,
  );
  // K2: inserted before inserts were stored slim, with its fields.
  await customer(2, 'K2', { name: 'Beta' }, 1);
  await history(1, 'K2', 'inserted', [{ field: 'name', new: 'Beta' }], 6, T1);
  // A customer created on our side, matched to K3 in run 2: it was never inserted by an import.
  await customer(3, 'K3', { name: 'Shop' }, null);
  await history(2, 'K3', 'updated', [], 8, T2);

  const entity = async (
    table: string,
    name: string,
    customerKey: string | null,
    key: string,
    data: object,
    line: number,
  ): Promise<void> => {
    await exec(
      `INSERT INTO ${t(table)} (customer_key, key, data, content_hash, row_hash, source, created_at, updated_at,
         created_run_id, updated_run_id)
       VALUES (?, ?, ?, 'h', NULL, 'erp', ?, ?, 1, 1)`,
      [customerKey, key, JSON.stringify(data), T1, T1],
    );
    await exec(
      `INSERT INTO ${t('entity_history')} (run_id, entity, customer_key, key, operation, changes, line, at)
       VALUES (1, ?, ?, ?, 'inserted', '[]', ?, ?)`,
      [name, customerKey, key, line, T1],
    );
  };
  await entity('contacts', 'contact', 'K1', 'C1', { firstName: 'Eva' }, 3);
  await entity('sales_agents', 'salesAgent', null, 'V1', { name: 'Vera' }, 4);
}

const COUNT_INSERTED = (t: (table: string) => string): string =>
  `SELECT (SELECT count(*) FROM ${t('customer_history')} WHERE operation = 'inserted')
        + (SELECT count(*) FROM ${t('entity_history')} WHERE operation = 'inserted') AS n`;

/** A store at schema version 4 with the contents fillOldStore writes. */
async function oldStore(backend: BackendName): Promise<OldSchema> {
  const old = await oldSchema(backend, 4, CLOCK);
  try {
    await fillOldStore(old.exec, old.table);
  } catch (e) {
    await old.cleanup();
    throw e;
  }
  return old;
}

/** How many `inserted` history rows (customers and entities) the database holds. */
async function insertedRows(old: OldSchema): Promise<number> {
  const rows = await old.rows<{ n: number | string }>(
    COUNT_INSERTED(old.table),
  );
  return Number(rows[0]?.n ?? -1);
}

for (const backend of BACKENDS) {
  describe(`${backend.name}: inserted history of an older schema`, () => {
    let old: OldSchema;
    let store: CustomerStore | null = null;

    beforeEach(async () => {
      old = await oldStore(backend.name);
      store = await createStore(old.config, {
        logger: NULL_LOGGER,
        clock: CLOCK,
      });
    });
    afterEach(async () => {
      await store?.close();
      store = null;
      await old.cleanup();
    });

    it('reads the same customer history, with the inserted entries derived from the customers', async () => {
      expect(await insertedRows(old)).toBe(0);
      const k1 = await store?.getCustomer('K1');
      expect(k1?.history).toEqual([
        {
          runId: 2,
          key: 'K1',
          operation: 'updated',
          changes: [{ field: 'city', old: 'Bonn', new: 'Köln' }],
          line: 7,
          at: T2,
          note: null,
        },
        {
          runId: 1,
          key: 'K1',
          operation: 'inserted',
          changes: [
            { field: 'city', old: undefined, new: 'Bonn' },
            { field: 'name', old: undefined, new: 'Alpha' },
          ],
          line: 5,
          at: T1,
          note: null,
        },
      ]);
      expect((await store?.getCustomer('K2'))?.history).toEqual([
        {
          runId: 1,
          key: 'K2',
          operation: 'inserted',
          changes: [{ field: 'name', old: undefined, new: 'Beta' }],
          line: 6,
          at: T1,
          note: null,
        },
      ]);
      // Created on our side: no import inserted it, so there is no inserted entry.
      expect(
        (await store?.getCustomer('K3'))?.history.map((h) => h.operation),
      ).toEqual(['updated']);
    });

    it('reads the same history of contacts and sales agents', async () => {
      expect(await store?.getEntityHistory('contact', 'K1', 'C1')).toEqual([
        {
          runId: 1,
          key: 'K1/C1',
          operation: 'inserted',
          changes: [{ field: 'firstName', old: undefined, new: 'Eva' }],
          line: 3,
          at: T1,
          note: null,
        },
      ]);
      expect(
        await store?.getEntityHistory('salesAgent', null, 'V1'),
      ).toMatchObject([
        { runId: 1, key: 'V1', operation: 'inserted', line: 4 },
      ]);
    });
  });
}
