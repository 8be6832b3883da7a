import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EntityRecord } from '../../../src/domain/entity.js';
import type { FieldValue } from '../../../src/domain/customer.js';
import type { CustomerStore } from '../../../src/store/customer-store.js';
import { BACKENDS } from '../../helpers/backends.js';
import type { BackendDatabase } from '../../helpers/backends.js';
import { importRun, record, runMeta, summary } from './store-fixtures.js';

/** Contacts, addresses and sales agents in the store contract. Sample data is fake. */

function entity(
  customerKey: string | null,
  key: string,
  fields: Record<string, FieldValue>,
  line = 2,
): EntityRecord {
  return { customerKey, key, fields, line };
}

for (const backend of BACKENDS) {
  describe(`${backend.name}: contacts, addresses and sales agents`, () => {
    let db: BackendDatabase;
    let store: CustomerStore;
    let nowMs: number;

    beforeEach(async () => {
      nowMs = Date.parse('2026-11-20T10:00:00.000Z');
      db = await backend.create({ clock: { now: () => nowMs } });
      store = db.store;
      await importRun(store, [
        [
          record('10000', { name: 'Alpha GmbH', salespersonCode: 'MK' }, 2),
          record('10010', { name: 'Beta AG' }, 3),
        ],
      ]);
    });
    afterEach(async () => {
      await db.cleanup();
    });

    async function entityRun(
      kind: 'contact' | 'address' | 'salesAgent',
      records: EntityRecord[],
      content: string,
      dryRun = false,
    ) {
      const session = await store.beginImport(
        runMeta(content, { source: 'contacts' }),
        { dryRun, force: false },
      );
      const result = await session.applyEntityBatch(kind, records);
      await session.commit(
        summary({
          read: records.length,
          inserted: result.inserted,
          updated: result.updated,
        }),
      );
      return { runId: session.runId, result };
    }

    it('inserts, updates and leaves unchanged contacts, keyed by customer and contact number, with history', async () => {
      const first = await entityRun(
        'contact',
        [
          entity(
            '10000',
            'KT1',
            {
              contactNo: 'KT1',
              customerNo: '10000',
              firstName: 'Jürgen',
              lastName: 'Müller',
            },
            2,
          ),
          entity(
            '10000',
            'KT2',
            {
              contactNo: 'KT2',
              customerNo: '10000',
              firstName: 'Sabine',
              role: 'Einkauf',
            },
            3,
          ),
          // The same contact number at another customer is another contact.
          entity(
            '10010',
            'KT1',
            { contactNo: 'KT1', customerNo: '10010', firstName: 'Zoë' },
            4,
          ),
        ],
        'contacts-1',
      );
      expect(first.result).toMatchObject({
        inserted: 3,
        updated: 0,
        unchanged: 0,
      });
      expect(first.result.changes.map((c) => c.key)).toEqual([
        '10000/KT1',
        '10000/KT2',
        '10010/KT1',
      ]);

      nowMs += 60_000;
      const second = await entityRun(
        'contact',
        [
          entity(
            '10000',
            'KT1',
            {
              contactNo: 'KT1',
              customerNo: '10000',
              firstName: 'Jürgen',
              lastName: 'Müller',
            },
            2,
          ),
          entity(
            '10000',
            'KT2',
            {
              contactNo: 'KT2',
              customerNo: '10000',
              firstName: 'Sabine',
              role: 'Vertrieb',
            },
            3,
          ),
        ],
        'contacts-2',
      );
      expect(second.result).toMatchObject({
        inserted: 0,
        updated: 1,
        unchanged: 1,
      });
      expect(second.result.changes).toEqual([
        {
          key: '10000/KT2',
          line: 3,
          operation: 'updated',
          changes: [{ field: 'role', old: 'Einkauf', new: 'Vertrieb' }],
        },
      ]);

      const detail = await store.getCustomer('10000');
      expect(
        detail?.contacts?.map((c) => [
          c.key,
          c.data['firstName'],
          c.data['role'],
        ]),
      ).toEqual([
        ['KT1', 'Jürgen', undefined],
        ['KT2', 'Sabine', 'Vertrieb'],
      ]);
      const kt2 = detail?.contacts?.[1];
      expect(kt2).toMatchObject({
        entity: 'contact',
        customerKey: '10000',
        source: 'contacts',
        createdAt: '2026-11-20T10:00:00.000Z',
        updatedAt: '2026-11-20T10:01:00.000Z',
        createdRunId: first.runId,
        updatedRunId: second.runId,
      });
      expect(
        (await store.getCustomer('10010'))?.contacts?.map(
          (c) => c.data['firstName'],
        ),
      ).toEqual(['Zoë']);

      const history = await store.getEntityHistory('contact', '10000', 'KT2');
      expect(history.map((h) => [h.operation, h.runId, h.line])).toEqual([
        ['updated', second.runId, 3],
        ['inserted', first.runId, 3],
      ]);
      expect(history[0]?.changes).toEqual([
        { field: 'role', old: 'Einkauf', new: 'Vertrieb' },
      ]);
      expect(history[0]?.key).toBe('10000/KT2');
    });

    it('keeps addresses per customer and links the sales agent of the salesperson code', async () => {
      await entityRun(
        'address',
        [
          entity(
            '10000',
            'billing',
            {
              customerNo: '10000',
              type: 'billing',
              street: 'Hauptstraße 12',
              city: 'Berlin',
            },
            2,
          ),
          entity(
            '10000',
            'LA-1',
            {
              customerNo: '10000',
              addressId: 'LA-1',
              type: 'shipping',
              city: 'Potsdam',
            },
            3,
          ),
        ],
        'addresses',
      );
      await entityRun(
        'salesAgent',
        [entity(null, 'MK', { salespersonCode: 'MK', name: 'Martina Köhler' })],
        'agents',
      );

      const detail = await store.getCustomer('10000');
      expect(detail?.addresses?.map((a) => [a.key, a.data['city']])).toEqual([
        ['LA-1', 'Potsdam'],
        ['billing', 'Berlin'],
      ]);
      expect(detail?.salesAgent).toMatchObject({
        entity: 'salesAgent',
        customerKey: null,
        key: 'MK',
        data: { name: 'Martina Köhler' },
      });
      expect((await store.getCustomer('10010'))?.salesAgent).toBeNull();
      expect(
        await store.getEntityHistory('salesAgent', null, 'MK'),
      ).toHaveLength(1);
    });

    it('answers which customers exist, including those written earlier in the same run', async () => {
      const session = await store.beginImport(runMeta('mixed'), {
        dryRun: false,
        force: false,
      });
      await session.applyBatch([record('10020', { name: 'Gamma KG' })]);
      expect(
        [
          ...(await session.existingCustomerKeys([
            '10000',
            '10020',
            '99999',
            '10000',
          ])),
        ].sort(),
      ).toEqual(['10000', '10020']);
      await session.fail(summary());
    });

    it('says whether sales agents exist at all, and which codes are known', async () => {
      const before = await store.beginImport(runMeta('lookup-1'), {
        dryRun: true,
        force: false,
      });
      expect(await before.lookupSalesAgents(['MK'])).toEqual({
        storeHasAgents: false,
        known: new Set(),
      });
      await before.commit(summary());

      await entityRun(
        'salesAgent',
        [entity(null, 'MK', { salespersonCode: 'MK', name: 'Martina Köhler' })],
        'agents',
      );
      const after = await store.beginImport(runMeta('lookup-2'), {
        dryRun: true,
        force: false,
      });
      expect(await after.lookupSalesAgents(['MK', 'XY'])).toEqual({
        storeHasAgents: true,
        known: new Set(['MK']),
      });
      await after.commit(summary());
    });

    it('lists the changes of entity records as asked: maxChanges of them, or none without collectChanges', async () => {
      const contacts = ['KT1', 'KT2', 'KT3'].map((no, i) =>
        entity('10000', no, { contactNo: no, customerNo: '10000' }, i + 2),
      );
      const capped = await store.beginImport(runMeta('capped'), {
        dryRun: true,
        force: false,
        maxChanges: 2,
      });
      const first = await capped.applyEntityBatch('contact', contacts);
      expect(first.inserted).toBe(3);
      expect(first.changes.map((c) => c.line)).toEqual([2, 3]);
      const second = await capped.applyEntityBatch('salesAgent', [
        entity(null, 'MK', { salespersonCode: 'MK', name: 'Martina Köhler' }),
      ]);
      expect(second).toMatchObject({ inserted: 1, changes: [] });
      await capped.fail(summary());

      const none = await store.beginImport(runMeta('none'), {
        dryRun: true,
        force: false,
        collectChanges: false,
      });
      expect(await none.applyEntityBatch('contact', contacts)).toMatchObject({
        inserted: 3,
        changes: [],
      });
      await none.fail(summary());
    });

    it('writes nothing in a dry run and rolls entity writes back with a failed run', async () => {
      const dry = await entityRun(
        'contact',
        [entity('10000', 'KT9', { contactNo: 'KT9', customerNo: '10000' })],
        'dry',
        true,
      );
      expect(dry.result.inserted).toBe(1);
      const session = await store.beginImport(runMeta('failing'), {
        dryRun: false,
        force: false,
      });
      await session.applyEntityBatch('contact', [
        entity('10000', 'KT8', { contactNo: 'KT8', customerNo: '10000' }),
      ]);
      await session.fail(
        summary({}, [], { code: 'PARSE_FAILED', message: 'broken' }),
      );
      expect((await store.getCustomer('10000'))?.contacts).toEqual([]);
      expect(await store.getEntityHistory('contact', '10000', 'KT8')).toEqual(
        [],
      );
    });

    it('applies the same contact twice in one batch in order: insert, then update', async () => {
      const { result } = await entityRun(
        'contact',
        [
          entity(
            '10000',
            'KT1',
            { contactNo: 'KT1', customerNo: '10000', role: 'A' },
            2,
          ),
          entity(
            '10000',
            'KT1',
            { contactNo: 'KT1', customerNo: '10000', role: 'B' },
            3,
          ),
        ],
        'twice',
      );
      expect(result).toMatchObject({ inserted: 1, updated: 1, unchanged: 0 });
      expect(
        (await store.getCustomer('10000'))?.contacts?.[0]?.data['role'],
      ).toBe('B');
      expect(
        (await store.getEntityHistory('contact', '10000', 'KT1')).map(
          (h) => h.operation,
        ),
      ).toEqual(['updated', 'inserted']);
    });
  });
}
