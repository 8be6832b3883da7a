import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CustomerStore } from '../../../src/store/customer-store.js';
import { BACKENDS } from '../../helpers/backends.js';
import type { BackendDatabase } from '../../helpers/backends.js';
import { importRun, record, runMeta, summary } from './store-fixtures.js';

for (const backend of BACKENDS) {
  describe(`${backend.name}: upsert`, () => {
    let db: BackendDatabase;
    let store: CustomerStore;
    let nowMs: number;

    beforeEach(async () => {
      nowMs = Date.parse('2026-11-20T10:00:00.000Z');
      db = await backend.create({ clock: { now: () => nowMs } });
      store = db.store;
    });
    afterEach(async () => {
      await db.cleanup();
    });

    it('counts inserted, updated and unchanged records and stores the merged data', async () => {
      const first = await importRun(store, [
        [
          record('K1', { name: 'Alpha GmbH', city: 'Berlin' }, 2),
          record('K2', { name: 'Beta AG', city: 'Bonn' }, 3),
        ],
      ]);
      expect(first.results[0]).toMatchObject({
        inserted: 2,
        updated: 0,
        unchanged: 0,
      });

      nowMs += 60_000;
      const second = await importRun(
        store,
        [
          [
            record('K1', { name: 'Alpha GmbH', city: 'Berlin' }, 2),
            record('K2', { name: 'Beta AG', city: 'Köln' }, 3),
          ],
          [record('K3', { name: 'Gamma KG' }, 4)],
        ],
        { content: 'file-b' },
      );
      expect(second.results[0]).toMatchObject({
        inserted: 0,
        updated: 1,
        unchanged: 1,
      });
      expect(second.results[1]).toMatchObject({
        inserted: 1,
        updated: 0,
        unchanged: 0,
      });
      expect(await store.countCustomers()).toBe(3);

      const k1 = await store.getCustomer('K1');
      const k2 = await store.getCustomer('K2');
      expect(k1?.customer).toMatchObject({
        data: { name: 'Alpha GmbH', city: 'Berlin' },
        status: 'active',
        source: 'erp',
        createdRunId: first.runId,
        updatedRunId: first.runId,
        updatedAt: '2026-11-20T10:00:00.000Z',
      });
      expect(k2?.customer).toMatchObject({
        data: { name: 'Beta AG', city: 'Köln' },
        createdRunId: first.runId,
        updatedRunId: second.runId,
        createdAt: '2026-11-20T10:00:00.000Z',
        updatedAt: '2026-11-20T10:01:00.000Z',
      });
    });

    it('returns field-level changes for inserted and updated records only', async () => {
      await importRun(store, [
        [record('K1', { name: 'Alpha', email: 'a@example.com' }, 2)],
      ]);
      const { results } = await importRun(
        store,
        [
          [
            record('K1', { name: 'Alpha', email: 'new@example.com' }, 2),
            record('K9', { name: 'Nine' }, 3),
          ],
        ],
        { content: 'file-b' },
      );
      expect(results[0]?.changes).toEqual([
        {
          key: 'K1',
          line: 2,
          operation: 'updated',
          changes: [
            { field: 'email', old: 'a@example.com', new: 'new@example.com' },
          ],
        },
        {
          key: 'K9',
          line: 3,
          operation: 'inserted',
          changes: [{ field: 'name', old: undefined, new: 'Nine' }],
        },
      ]);
    });

    it('keeps a stored field the record leaves out and clears a field the record sets to null', async () => {
      await importRun(store, [
        [
          record('K1', {
            name: 'Alpha',
            phone: '0301234',
            email: 'a@example.com',
          }),
        ],
      ]);
      const { results } = await importRun(
        store,
        [[record('K1', { name: 'Alpha', email: null })]],
        { content: 'file-b' },
      );

      expect(results[0]).toMatchObject({ updated: 1 });
      expect(results[0]?.changes[0]?.changes).toEqual([
        { field: 'email', old: 'a@example.com', new: undefined },
      ]);
      const k1 = await store.getCustomer('K1');
      expect(k1?.customer.data).toEqual({ name: 'Alpha', phone: '0301234' });
    });

    it('counts a record as unchanged when it differs from the last row but not in content', async () => {
      await importRun(store, [
        [record('K1', { name: 'Alpha', city: 'Berlin' })],
      ]);
      // Leaves city out (keep) and clears a field that is not there: same data, different row.
      const second = await importRun(
        store,
        [[record('K1', { name: 'Alpha', fax: null })]],
        { content: 'file-b' },
      );
      expect(second.results[0]).toMatchObject({
        inserted: 0,
        updated: 0,
        unchanged: 1,
        changes: [],
      });
      // And the same row once more takes the fast path to the same answer.
      const third = await importRun(
        store,
        [[record('K1', { name: 'Alpha', fax: null })]],
        { content: 'file-c' },
      );
      expect(third.results[0]).toMatchObject({ unchanged: 1 });
      const k1 = await store.getCustomer('K1');
      expect(k1?.customer.data).toEqual({ name: 'Alpha', city: 'Berlin' });
      expect(k1?.history).toHaveLength(1);
    });

    it('treats numbers, booleans and strings as different values', async () => {
      await importRun(store, [
        [
          record('K1', {
            creditLimit: 1000,
            blocked: false,
            postalCode: '01067',
          }),
        ],
      ]);
      const { results } = await importRun(
        store,
        [
          [
            record('K1', {
              creditLimit: '1000',
              blocked: false,
              postalCode: '01067',
            }),
          ],
        ],
        { content: 'file-b' },
      );
      expect(results[0]?.changes[0]?.changes).toEqual([
        { field: 'creditLimit', old: 1000, new: '1000' },
      ]);
      expect((await store.getCustomer('K1'))?.customer.data).toEqual({
        creditLimit: '1000',
        blocked: false,
        postalCode: '01067',
      });
    });

    it('lets the later record win when a key comes twice, in one batch and across batches', async () => {
      const { results } = await importRun(store, [
        [
          record('K1', { name: 'First', city: 'Berlin' }, 2),
          record('K1', { name: 'Second' }, 3),
        ],
        [record('K1', { name: 'Third' }, 4)],
      ]);
      expect(results[0]).toMatchObject({ inserted: 1, updated: 1 });
      expect(results[1]).toMatchObject({ updated: 1 });
      expect((await store.getCustomer('K1'))?.customer.data).toEqual({
        name: 'Third',
        city: 'Berlin',
      });
      expect(await store.countCustomers()).toBe(1);
    });

    it('writes history with every change, newest first', async () => {
      const first = await importRun(store, [
        [record('K1', { name: 'Alpha', city: 'Berlin' }, 7)],
      ]);
      nowMs += 1000;
      const second = await importRun(
        store,
        [
          [
            record(
              'K1',
              { name: 'Alpha', city: 'Hamburg', email: 'a@example.com' },
              9,
            ),
          ],
        ],
        {
          content: 'file-b',
        },
      );
      await importRun(
        store,
        [
          [
            record(
              'K1',
              { name: 'Alpha', city: 'Hamburg', email: 'a@example.com' },
              9,
            ),
          ],
        ],
        {
          content: 'file-c',
        },
      );

      const detail = await store.getCustomer('K1');
      expect(detail?.history).toEqual([
        {
          runId: second.runId,
          key: 'K1',
          operation: 'updated',
          changes: [
            { field: 'city', old: 'Berlin', new: 'Hamburg' },
            { field: 'email', old: undefined, new: 'a@example.com' },
          ],
          line: 9,
          at: '2026-11-20T10:00:01.000Z',
          note: null,
        },
        {
          runId: first.runId,
          key: 'K1',
          operation: 'inserted',
          changes: [
            { field: 'city', old: undefined, new: 'Berlin' },
            { field: 'name', old: undefined, new: 'Alpha' },
          ],
          line: 7,
          at: '2026-11-20T10:00:00.000Z',
          note: null,
        },
      ]);
    });

    it('returns null for an unknown customer', async () => {
      expect(await store.getCustomer('nope')).toBeNull();
    });

    it('accepts an empty batch', async () => {
      const session = await store.beginImport(runMeta(), {
        dryRun: false,
        force: false,
      });
      expect(await session.applyBatch([])).toEqual({
        inserted: 0,
        updated: 0,
        unchanged: 0,
        changes: [],
      });
      await session.commit(summary());
      expect((await store.getRun(session.runId ?? -1))?.status).toBe(
        'succeeded',
      );
    });
  });

  describe(`${backend.name}: customer list and search`, () => {
    let db: BackendDatabase;
    let store: CustomerStore;

    beforeEach(async () => {
      db = await backend.create();
      store = db.store;
      await importRun(store, [
        [
          record('1001', {
            name: 'Müller Bau GmbH',
            email: 'info@mueller-bau.example',
            city: 'München',
          }),
          record('1002', {
            name: 'Schmidt & Söhne',
            email: 'kontakt@schmidt.example',
            city: 'Berlin',
          }),
          record('1003', {
            name: 'ACME 100% Corp',
            email: 'sales@acme.example',
            city: 'Hamburg',
            phone: 'MÜLLER',
          }),
          record('2001', { name: 'Zeta_Works', city: 'Köln' }),
        ],
      ]);
    });
    afterEach(async () => {
      await db.cleanup();
    });

    const keys = async (
      query: Parameters<CustomerStore['listCustomers']>[0],
    ): Promise<string[]> =>
      (await store.listCustomers(query)).map((c) => c.key ?? `#${c.id}`);

    it('lists customers ordered by key, with limit and offset', async () => {
      expect(await keys({ limit: 10 })).toEqual([
        '1001',
        '1002',
        '1003',
        '2001',
      ]);
      expect(await keys({ limit: 2, offset: 1 })).toEqual(['1002', '1003']);
    });

    it('searches key, name, e-mail and city case-insensitively, umlauts included', async () => {
      expect(await keys({ limit: 10, search: 'MÜLLER' })).toEqual(['1001']);
      expect(await keys({ limit: 10, search: 'münchen' })).toEqual(['1001']);
      expect(await keys({ limit: 10, search: 'SCHMIDT.EXAMPLE' })).toEqual([
        '1002',
      ]);
      expect(await keys({ limit: 10, search: '200' })).toEqual(['2001']);
      expect(await keys({ limit: 10, search: 'köln' })).toEqual(['2001']);
    });

    it('matches % and _ literally', async () => {
      expect(await keys({ limit: 10, search: '100%' })).toEqual(['1003']);
      expect(await keys({ limit: 10, search: 'a_w' })).toEqual(['2001']);
      expect(await keys({ limit: 10, search: '_' })).toEqual(['2001']);
    });

    it('filters by status', async () => {
      expect(await keys({ limit: 10, status: 'active' })).toHaveLength(4);
      expect(await keys({ limit: 10, status: 'blocked' })).toEqual([]);
    });
  });
}
