import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StagedRecord } from '../../../src/domain/customer.js';
import type {
  CustomerStore,
  RunMeta,
} from '../../../src/store/customer-store.js';
import { BACKENDS } from '../../helpers/backends.js';
import type { BackendDatabase } from '../../helpers/backends.js';
import {
  countsOf,
  record,
  runMeta,
  snapshotCustomers,
  summary,
} from './store-fixtures.js';

/**
 * The store's half of the import modes, on every back-end: rebuild's deactivation (per source,
 * guarded, with history, undone by a rollback), reactivation, and the last-transfer point that
 * changed-since starts from.
 */

/** One committed run of the given mode and source; returns its id and the deactivation result. */
async function run(
  store: CustomerStore,
  records: readonly StagedRecord[],
  meta: Partial<RunMeta> & { content: string },
  rebuild?: { maxPercent: number; keep?: string[] },
) {
  const { content, ...overrides } = meta;
  const session = await store.beginImport(runMeta(content, overrides), {
    dryRun: false,
    force: false,
  });
  const result = await session.applyBatch(records);
  const deactivation = rebuild
    ? await session.deactivateMissing({
        keep: rebuild.keep ?? [],
        maxPercent: rebuild.maxPercent,
        note: `not in file of run ${session.runId} (rebuild)`,
      })
    : null;
  await session.commit(summary(countsOf([result], records.length)));
  return { runId: session.runId ?? -1, result, deactivation };
}

const keys = (n: number, prefix = 'K'): StagedRecord[] =>
  Array.from({ length: n }, (_, i) =>
    record(
      `${prefix}${String(i + 1).padStart(3, '0')}`,
      { name: `Customer ${i + 1}` },
      i + 2,
    ),
  );

for (const backend of BACKENDS) {
  describe(`${backend.name}: import modes`, () => {
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

    it('rebuild deactivates the customers of its source that the file does not list, with time, run and history', async () => {
      await run(
        store,
        keys(20),
        { content: 'full', mode: 'rebuild', source: 'erp' },
        { maxPercent: 10 },
      );
      nowMs += 60_000;
      const second = await run(
        store,
        keys(20).slice(0, 18),
        { content: 'less', mode: 'rebuild', source: 'erp' },
        { maxPercent: 10 },
      );
      expect(second.deactivation).toEqual({
        active: 20,
        missing: 2,
        deactivated: 2,
        refused: false,
      });

      const gone = await store.getCustomer('K020');
      expect(gone?.customer).toMatchObject({
        status: 'deactivated',
        deactivatedAt: '2026-11-20T10:01:00.000Z',
        deactivatedRunId: second.runId,
      });
      expect(gone?.history[0]).toMatchObject({
        operation: 'deactivated',
        runId: second.runId,
        line: null,
        note: `not in file of run ${second.runId} (rebuild)`,
        changes: [{ field: 'status', old: 'active', new: 'deactivated' }],
      });
      expect((await store.getCustomer('K018'))?.customer.status).toBe('active');
      expect(await store.countCustomers()).toBe(20);
    });

    it('refuses (and changes nothing) when more than the allowed share would go', async () => {
      await run(
        store,
        keys(20),
        { content: 'full', mode: 'rebuild', source: 'erp' },
        { maxPercent: 10 },
      );
      const before = await snapshotCustomers(store);
      const session = await store.beginImport(
        runMeta('truncated', { mode: 'rebuild', source: 'erp' }),
        { dryRun: false, force: false },
      );
      await session.applyBatch(keys(17));
      const result = await session.deactivateMissing({
        keep: [],
        maxPercent: 10,
        note: 'x',
      });
      expect(result).toEqual({
        active: 20,
        missing: 3,
        deactivated: 0,
        refused: true,
      });
      await session.fail(
        summary({}, [], { code: 'DEACTIVATION_LIMIT', message: 'too many' }),
      );
      expect(await snapshotCustomers(store)).toEqual(before);
    });

    it('keeps the customers of other sources and the keys it is told to keep', async () => {
      await run(
        store,
        keys(10, 'A'),
        { content: 'a', mode: 'rebuild', source: 'erp-a' },
        { maxPercent: 100 },
      );
      await run(
        store,
        keys(10, 'B'),
        { content: 'b', mode: 'rebuild', source: 'erp-b' },
        { maxPercent: 100 },
      );
      // Source A now lists only A001–A008; A009 is in the file but its row was invalid.
      const second = await run(
        store,
        keys(8, 'A'),
        { content: 'a2', mode: 'rebuild', source: 'erp-a' },
        { maxPercent: 50, keep: ['A009'] },
      );
      expect(second.deactivation).toMatchObject({
        active: 10,
        missing: 1,
        deactivated: 1,
      });
      const statuses = (await store.listCustomers({ limit: 100 })).map(
        (c) => `${c.key}:${c.status}`,
      );
      expect(statuses.filter((s) => s.endsWith('deactivated'))).toEqual([
        'A010:deactivated',
      ]);
      expect(
        statuses.filter((s) => s.startsWith('B') && s.endsWith(':active')),
      ).toHaveLength(10);
    });

    it('a dry-run rebuild counts what would go and leaves everything as it was', async () => {
      await run(
        store,
        keys(10),
        { content: 'full', mode: 'rebuild', source: 'erp' },
        { maxPercent: 10 },
      );
      const before = await snapshotCustomers(store);
      const session = await store.beginImport(
        runMeta('dry', { mode: 'rebuild', source: 'erp' }),
        { dryRun: true, force: false },
      );
      await session.applyBatch(keys(9));
      expect(
        await session.deactivateMissing({
          keep: [],
          maxPercent: 10,
          note: 'x',
        }),
      ).toMatchObject({ missing: 1, deactivated: 1 });
      await session.commit(summary());
      expect(await snapshotCustomers(store)).toEqual(before);
    });

    it('a deactivated customer that comes back is reactivated, with history, even with the same row', async () => {
      await run(
        store,
        keys(10),
        { content: 'full', mode: 'rebuild', source: 'erp' },
        { maxPercent: 10 },
      );
      await run(
        store,
        keys(9),
        { content: 'less', mode: 'rebuild', source: 'erp' },
        { maxPercent: 10 },
      );
      expect((await store.getCustomer('K010'))?.customer.status).toBe(
        'deactivated',
      );

      nowMs += 60_000;
      const back = await run(store, keys(10), {
        content: 'full-again',
        mode: 'update',
        source: 'erp',
      });
      expect(back.result).toMatchObject({
        inserted: 0,
        updated: 1,
        unchanged: 9,
        reactivated: 1,
      });
      const k10 = await store.getCustomer('K010');
      expect(k10?.customer).toMatchObject({
        status: 'active',
        deactivatedAt: null,
        deactivatedRunId: null,
      });
      expect(k10?.history[0]).toMatchObject({
        operation: 'reactivated',
        runId: back.runId,
        changes: [{ field: 'status', old: 'deactivated', new: 'active' }],
      });
    });

    it('remembers the newest last-modified value of the latest succeeded run of each source', async () => {
      expect(await store.findLastTransfer('erp')).toBeNull();
      const first = await store.beginImport(runMeta('one', { source: 'erp' }), {
        dryRun: false,
        force: false,
      });
      await first.applyBatch(keys(1));
      await first.commit({
        ...summary(),
        lastModifiedMax: '2026-11-01T08:00:00.000+01:00',
      });
      const failed = await store.beginImport(
        runMeta('two', { source: 'erp' }),
        { dryRun: false, force: false },
      );
      await failed.fail({
        ...summary(),
        lastModifiedMax: '2026-12-01T00:00:00.000Z',
      });
      const other = await store.beginImport(
        runMeta('three', { source: 'shop' }),
        { dryRun: false, force: false },
      );
      await other.commit({
        ...summary(),
        lastModifiedMax: '2027-01-01T00:00:00.000Z',
      });

      expect(await store.findLastTransfer('erp')).toBe(
        '2026-11-01T08:00:00.000+01:00',
      );
      expect(await store.findLastTransfer('shop')).toBe(
        '2027-01-01T00:00:00.000Z',
      );
      expect((await store.getRun(first.runId ?? -1))?.lastModifiedMax).toBe(
        '2026-11-01T08:00:00.000+01:00',
      );
    });
  });
}
