import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  BatchResult,
  CustomerStore,
  ImportSession,
  StagedRecord,
} from '../../../src/store/customer-store.js';
import { BACKENDS } from '../../helpers/backends.js';
import type { BackendDatabase } from '../../helpers/backends.js';
import { rawSql } from '../../helpers/raw-sql.js';
import { record, runMeta, summary } from './store-fixtures.js';

/** The stored customers as columns, read behind the store's back (what other systems see). */
async function rawCustomers(db: BackendDatabase): Promise<unknown[]> {
  const sqlite = db.config.type === 'sqlite';
  const rows = await rawSql(
    db.config,
    `SELECT key, data, content_hash, row_hash, search_text, status, type, created_line,
       ${sqlite ? 'created_run_id' : 'created_run_id::int AS created_run_id'}
     FROM @customers ORDER BY key`,
  );
  return sqlite
    ? rows.map((row) => ({
        ...row,
        data: JSON.parse(row.data as string) as unknown,
      }))
    : rows;
}

/** Applies the batches, then flushes; returns every result (the flush's last). */
async function applyAll(
  session: ImportSession,
  batches: readonly (readonly StagedRecord[])[],
): Promise<BatchResult[]> {
  const results: BatchResult[] = [];
  for (const batch of batches) {
    results.push(await session.applyBatch(batch));
  }
  results.push(await session.flush());
  return results;
}

/** Sums results as the pipeline does. */
function total(
  results: readonly BatchResult[],
): Omit<BatchResult, 'typeConflicts'> & { conflicts: number } {
  return {
    inserted: results.reduce((n, r) => n + r.inserted, 0),
    updated: results.reduce((n, r) => n + r.updated, 0),
    unchanged: results.reduce((n, r) => n + r.unchanged, 0),
    reactivated: results.reduce((n, r) => n + (r.reactivated ?? 0), 0),
    changes: results.flatMap((r) => r.changes),
    conflicts: results.reduce((n, r) => n + (r.typeConflicts?.length ?? 0), 0),
  };
}

const FIRST: readonly (readonly StagedRecord[])[] = [
  [
    record('K1', { name: 'Alpha', city: 'Berlin' }, 2),
    record('K2', { name: 'Beta' }, 3),
  ],
  // K1 again in a later batch (last wins): an insert and an update of one key in one chunk.
  [
    record('K3', { name: 'Gamma', email: 'g@example.com' }, 4),
    { ...record('K1', { name: 'Alpha', city: 'Bonn' }, 5), type: 'B2B' },
  ],
  [{ ...record('K1', { name: 'Alpha', city: 'Köln' }, 6), type: 'B2C' }],
];

const SECOND: readonly (readonly StagedRecord[])[] = [
  [
    record('K1', { name: 'Alpha', city: 'Köln' }, 2),
    record('K2', { name: 'Beta', email: null }, 3),
  ],
  [
    record('K3', { name: 'Gamma', email: null }, 4),
    record('K4', { name: 'Delta' }, 5),
  ],
];

for (const backend of BACKENDS) {
  describe(`${backend.name}: bulk mode (deferResults) and collectChanges`, () => {
    let dbs: BackendDatabase[];

    beforeEach(() => {
      dbs = [];
    });
    afterEach(async () => {
      for (const db of dbs) {
        await db.cleanup();
      }
    });

    async function fresh(): Promise<CustomerStore> {
      const db = await backend.create({
        clock: { now: () => Date.parse('2026-11-20T10:00:00.000Z') },
      });
      dbs.push(db);
      return db.store;
    }

    async function importBoth(
      store: CustomerStore,
      deferResults: boolean,
      collectChanges: boolean,
    ) {
      const totals = [];
      for (const [i, batches] of [FIRST, SECOND].entries()) {
        const session = await store.beginImport(runMeta(`file-${i}`), {
          dryRun: false,
          force: false,
          deferResults,
          collectChanges,
        });
        const results = await applyAll(session, batches);
        await session.commit(summary());
        totals.push(total(results));
      }
      return totals;
    }

    it('gives the same counts, changes, data and history as batch by batch', async () => {
      const plain = await fresh();
      const bulk = await fresh();
      const expected = await importBoth(plain, false, true);
      const actual = await importBoth(bulk, true, true);
      expect(actual).toEqual(expected);
      expect(expected[0]).toMatchObject({
        inserted: 3,
        updated: 2,
        unchanged: 0,
        conflicts: 1,
      });
      expect(expected[1]).toMatchObject({
        inserted: 1,
        updated: 1,
        unchanged: 2,
      });
      for (const key of ['K1', 'K2', 'K3', 'K4']) {
        const a = await plain.getCustomer(key);
        const b = await bulk.getCustomer(key);
        expect(b?.customer.data).toEqual(a?.customer.data);
        expect(b?.customer.type).toEqual(a?.customer.type);
        expect(
          b?.history.map((h) => [h.operation, h.changes, h.line, h.note]),
        ).toEqual(
          a?.history.map((h) => [h.operation, h.changes, h.line, h.note]),
        );
      }
    });

    it('leaves the change lists out without collectChanges, and writes the same history', async () => {
      const withChanges = await fresh();
      const without = await fresh();
      const expected = await importBoth(withChanges, true, true);
      const actual = await importBoth(without, true, false);
      expect(actual.map((t) => t.changes)).toEqual([[], []]);
      expect(actual.map((t) => ({ ...t, changes: [] }))).toEqual(
        expected.map((t) => ({ ...t, changes: [] })),
      );
      const a = await withChanges.getCustomer('K1');
      const b = await without.getCustomer('K1');
      expect(b?.history.map((h) => h.changes)).toEqual(
        a?.history.map((h) => h.changes),
      );
    });

    it('stores new customers the same with and without collectChanges', async () => {
      const batches: StagedRecord[][] = [
        [
          record('K1', { name: 'Alpha', city: 'Berlin', fax: null }, 2),
          {
            ...record('K2', { name: 'Beta', email: 'B@x.de' }, 3),
            status: 'blocked',
          },
          {
            ...record('K3', { name: 'Gamma' }, 4),
            type: 'B2B',
            rowHash: 'row-3',
          },
        ],
        // K1 again in the same chunk: its second row is an update of the first.
        [record('K1', { name: 'Alpha', city: 'Köln' }, 5), record('K4', {}, 6)],
      ];
      const stored: unknown[][] = [];
      const totals = [];
      for (const collectChanges of [true, false]) {
        const db = await backend.create({
          clock: { now: () => Date.parse('2026-11-20T10:00:00.000Z') },
        });
        dbs.push(db);
        const session = await db.store.beginImport(runMeta('file-n'), {
          dryRun: false,
          force: false,
          deferResults: true,
          collectChanges,
          newStatus: 'active',
        });
        const results = await applyAll(session, batches);
        await session.commit(summary());
        totals.push({ ...total(results), changes: [] });
        stored.push(await rawCustomers(db));
      }
      expect(totals[1]).toEqual(totals[0]);
      expect(totals[0]).toMatchObject({ inserted: 4, updated: 1 });
      expect(stored[1]).toEqual(stored[0]);
      expect(stored[0]).toHaveLength(4);
    });

    it('lists the changes of maxChanges records, and no more: later records count the same', async () => {
      const store = await fresh();
      const session = await store.beginImport(runMeta('file-dry'), {
        dryRun: true,
        force: false,
        deferResults: true,
        collectChanges: true,
        maxChanges: 3,
      });
      const results = [
        await session.applyBatch([
          record('K1', { name: 'Alpha' }, 2),
          record('K2', { name: 'Beta' }, 3),
        ]),
        await session.flush(),
        await session.applyBatch([
          record('K3', { name: 'Gamma' }, 4),
          record('K1', { name: 'Alpha', city: 'Köln' }, 5),
          record('K4', { name: 'Delta' }, 6),
        ]),
        await session.flush(),
      ];
      const all = total(results);
      expect(all).toMatchObject({ inserted: 4, updated: 1 });
      expect(all.changes.map((c) => [c.key, c.line])).toEqual([
        ['K1', 2],
        ['K2', 3],
        ['K3', 4],
      ]);
      await session.fail(summary());
    });

    it('writes held-back records before any other session call looks at the store', async () => {
      const store = await fresh();
      const session = await store.beginImport(runMeta('file-x'), {
        dryRun: false,
        force: false,
        deferResults: true,
        collectChanges: false,
      });
      const held = await session.applyBatch([
        record('K9', { name: 'Iota' }, 2),
      ]);
      expect(await session.existingCustomerKeys(['K9', 'K8'])).toEqual(
        new Set(['K9']),
      );
      // The insert is reported once: by this applyBatch, or else by a later call or the flush.
      const rest = total([
        held,
        await session.applyBatch([]),
        await session.flush(),
      ]);
      expect(rest).toMatchObject({ inserted: 1, updated: 0, unchanged: 0 });
      await session.commit(summary());
      expect((await store.getCustomer('K9'))?.customer.data).toEqual({
        name: 'Iota',
      });
    });
  });
}
