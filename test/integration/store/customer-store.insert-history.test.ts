import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoreConfig } from '../../../src/config/app-config.js';
import type { CustomerStore } from '../../../src/store/customer-store.js';
import { BACKENDS } from '../../helpers/backends.js';
import type { BackendDatabase } from '../../helpers/backends.js';
import { rawSql } from '../../helpers/raw-sql.js';
import { importRun, record, runMeta, summary } from './store-fixtures.js';

/** The stored (raw) change lists of a customer's history, oldest first, straight from the database. */
async function storedChanges(
  config: StoreConfig,
  key: string,
): Promise<{ operation: string; changes: unknown }[]> {
  const rows = await rawSql(
    config,
    'SELECT operation, changes FROM @customer_history WHERE key = ? ORDER BY id',
    [key],
  );
  return rows.map((r) => ({
    operation: r.operation as string,
    changes:
      config.type === 'sqlite'
        ? (JSON.parse(r.changes as string) as unknown)
        : r.changes,
  }));
}

for (const backend of BACKENDS) {
  describe(`${backend.name}: history of inserted customers`, () => {
    let db: BackendDatabase;
    let store: CustomerStore;

    beforeEach(async () => {
      db = await backend.create();
      store = db.store;
    });
    afterEach(async () => {
      await db.cleanup();
    });

    it('stores no history row for an insert, and shows the fields the customer was created with', async () => {
      const first = await importRun(store, [
        [
          record('K1', {
            name: 'Alpha',
            city: 'Berlin',
            email: 'a@example.com',
          }),
        ],
      ]);
      // The run's own change list (what a dry run shows) is complete.
      expect(first.results[0]?.changes[0]?.changes).toHaveLength(3);
      await importRun(
        store,
        [
          [
            record('K1', {
              name: 'Alpha',
              city: 'Bonn',
              email: null,
              vatId: 'DE1',
            }),
          ],
        ],
        { content: 'b' },
      );
      await importRun(store, [[record('K1', { city: 'Köln' })]], {
        content: 'c',
      });

      // The insert's entry comes from the customer row (created run, time and line).
      const raw = await storedChanges(db.config, 'K1');
      expect(raw.map((r) => r.operation)).toEqual(['updated', 'updated']);

      const detail = await store.getCustomer('K1');
      expect(detail?.customer.data).toEqual({
        name: 'Alpha',
        city: 'Köln',
        vatId: 'DE1',
      });
      expect(detail?.history.map((h) => h.operation)).toEqual([
        'updated',
        'updated',
        'inserted',
      ]);
      expect(detail?.history[2]?.changes).toEqual([
        { field: 'city', old: undefined, new: 'Berlin' },
        { field: 'email', old: undefined, new: 'a@example.com' },
        { field: 'name', old: undefined, new: 'Alpha' },
      ]);
    });

    it('restores the first version of a key inserted and updated in the same run (last wins)', async () => {
      await importRun(store, [
        [record('K1', { name: 'First', city: 'Ulm' }, 2)],
        [record('K1', { name: 'Second' }, 9)],
      ]);
      const detail = await store.getCustomer('K1');
      expect(detail?.history.map((h) => h.operation)).toEqual([
        'updated',
        'inserted',
      ]);
      expect(detail?.history[1]?.changes).toEqual([
        { field: 'city', old: undefined, new: 'Ulm' },
        { field: 'name', old: undefined, new: 'First' },
      ]);
    });

    it('gives the inserted entry the run, time and line of the row that created the record', async () => {
      const first = await importRun(store, [
        [record('K1', { name: 'First' }, 4)],
        [record('K1', { name: 'Second' }, 9)],
      ]);
      const session = await store.beginImport(runMeta('contacts'), {
        dryRun: false,
        force: false,
      });
      await session.applyEntityBatch('contact', [
        { customerKey: 'K1', key: 'C1', fields: { firstName: 'Eva' }, line: 3 },
        { customerKey: 'K1', key: 'C1', fields: { firstName: 'Ева' }, line: 8 },
      ]);
      await session.commit(summary());
      // A later run that changes the customer leaves its inserted entry as it was.
      await importRun(store, [[record('K1', { name: 'Third' }, 12)]], {
        content: 'c',
      });

      const detail = await store.getCustomer('K1');
      const customer = detail?.customer;
      expect(
        detail?.history.map((h) => [h.operation, h.runId, h.line, h.note]),
      ).toEqual([
        ['updated', customer?.updatedRunId, 12, null],
        ['updated', first.runId, 9, null],
        ['inserted', first.runId, 4, null],
      ]);
      expect(detail?.history[2]?.at).toBe(customer?.createdAt);
      const contact = detail?.contacts?.[0];
      const history = await store.getEntityHistory('contact', 'K1', 'C1');
      expect(
        history.map((h) => [h.operation, h.key, h.runId, h.line, h.at]),
      ).toEqual([
        ['updated', 'K1/C1', session.runId, 8, contact?.createdAt],
        ['inserted', 'K1/C1', session.runId, 3, contact?.createdAt],
      ]);
      expect(history[1]?.changes).toEqual([
        { field: 'firstName', old: undefined, new: 'Eva' },
      ]);
    });

    it('stores a contact insert without its fields and shows them in the entity history', async () => {
      await importRun(store, [[record('K1', { name: 'Alpha' })]]);
      const session = await store.beginImport(runMeta('contacts'), {
        dryRun: false,
        force: false,
      });
      await session.applyEntityBatch('contact', [
        {
          customerKey: 'K1',
          key: 'C1',
          fields: { firstName: 'Eva', email: 'eva@example.com' },
          line: 2,
        },
      ]);
      await session.applyEntityBatch('contact', [
        {
          customerKey: 'K1',
          key: 'C1',
          fields: { email: 'eva@example.org' },
          line: 3,
        },
      ]);
      await session.commit(summary());
      const history = await store.getEntityHistory('contact', 'K1', 'C1');
      expect(history.map((h) => h.operation)).toEqual(['updated', 'inserted']);
      expect(history[1]?.changes).toEqual([
        { field: 'email', old: undefined, new: 'eva@example.com' },
        { field: 'firstName', old: undefined, new: 'Eva' },
      ]);
    });
  });
}
