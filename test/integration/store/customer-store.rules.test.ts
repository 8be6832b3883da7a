import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  ImportedStatus,
  StagedRecord,
} from '../../../src/domain/customer.js';
import type { CustomerStore } from '../../../src/store/customer-store.js';
import { BACKENDS } from '../../helpers/backends.js';
import type { BackendDatabase } from '../../helpers/backends.js';
import { countsOf, runMeta, summary } from './store-fixtures.js';

/**
 * The store's half of the import rules, on every back-end: the status of new customers and of
 * the ERP's blocked flag, and the customer type that the first import sets for good.
 */

let content = 0;

async function importRecords(
  store: CustomerStore,
  records: readonly StagedRecord[],
  newStatus?: ImportedStatus,
) {
  content += 1;
  const session = await store.beginImport(runMeta(`file-${content}`), {
    dryRun: false,
    force: false,
    ...(newStatus ? { newStatus } : {}),
  });
  const result = await session.applyBatch(records);
  await session.commit(summary(countsOf([result], records.length)));
  return { runId: session.runId ?? -1, result };
}

const row = (
  key: string,
  fields: StagedRecord['fields'],
  extra: Partial<StagedRecord> = {},
): StagedRecord => ({
  key,
  fields,
  line: 2,
  ...extra,
});

for (const backend of BACKENDS) {
  describe(`${backend.name}: import rules`, () => {
    let db: BackendDatabase;
    let store: CustomerStore;

    beforeEach(async () => {
      db = await backend.create();
      store = db.store;
    });
    afterEach(async () => {
      await db.cleanup();
    });

    it("gives new customers the run's status unless their flag blocks them; the flag sets the status later", async () => {
      await importRecords(
        store,
        [
          row('K1', { name: 'A' }),
          row('K2', { name: 'B' }, { status: 'active' }),
          row('K3', { name: 'C' }, { status: 'blocked' }),
        ],
        'blocked',
      );
      const status = async (key: string) =>
        (await store.getCustomer(key))?.customer.status;
      expect([
        await status('K1'),
        await status('K2'),
        await status('K3'),
      ]).toEqual(['blocked', 'blocked', 'blocked']);

      await importRecords(store, [
        row('K4', { name: 'D' }),
        row('K5', { name: 'E' }, { status: 'blocked' }),
      ]);
      expect([await status('K4'), await status('K5')]).toEqual([
        'active',
        'blocked',
      ]);

      // Same data, another flag: the status alone changes, and history says so.
      const later = await importRecords(store, [
        row('K1', { name: 'A' }, { status: 'active' }),
        row('K4', { name: 'D' }),
      ]);
      expect(later.result).toMatchObject({ updated: 1, unchanged: 1 });
      expect(await status('K1')).toBe('active');
      expect((await store.getCustomer('K1'))?.history[0]).toMatchObject({
        operation: 'updated',
        changes: [{ field: 'status', old: 'blocked', new: 'active' }],
      });
    });

    it('keeps the type of the first import and reports a different one as a conflict with a history note', async () => {
      const first = await importRecords(store, [
        row('K1', { name: 'Anna Schulz' }, { type: 'B2C' }),
        row('K2', { name: 'X' }),
      ]);
      expect(first.result.typeConflicts ?? []).toEqual([]);
      expect((await store.getCustomer('K1'))?.customer.type).toBe('B2C');
      expect((await store.getCustomer('K2'))?.customer.type).toBeNull();

      const second = await importRecords(store, [
        row(
          'K1',
          { name: 'Anna Schulz', company: 'Schulz GmbH' },
          { type: 'B2B', line: 7 },
        ),
        // A customer without a type takes the first one derived.
        row('K2', { name: 'X' }, { type: 'B2B' }),
      ]);
      expect(second.result.typeConflicts).toEqual([
        { key: 'K1', line: 7, stored: 'B2C', incoming: 'B2B' },
      ]);
      const k1 = await store.getCustomer('K1');
      expect(k1?.customer).toMatchObject({
        type: 'B2C',
        data: { company: 'Schulz GmbH' },
      });
      expect(k1?.history[0]).toMatchObject({
        operation: 'updated',
        note: 'type change B2C→B2B ignored',
      });
      expect((await store.getCustomer('K2'))?.customer.type).toBe('B2B');

      // The same row again: still a conflict to report, but nothing to write.
      const third = await importRecords(store, [
        row(
          'K1',
          { name: 'Anna Schulz', company: 'Schulz GmbH' },
          { type: 'B2B' },
        ),
      ]);
      expect(third.result).toMatchObject({
        unchanged: 1,
        typeConflicts: [{ key: 'K1', stored: 'B2C', incoming: 'B2B' }],
      });
      expect((await store.getCustomer('K1'))?.history).toHaveLength(2);
    });
  });
}
