import { emptyCounts } from '../../../src/domain/file-outcome.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors.js';
import { isDuplicateRunError } from '../../../src/store/customer-store.js';
import type { CustomerStore } from '../../../src/store/customer-store.js';
import { BACKENDS } from '../../helpers/backends.js';
import type { BackendDatabase } from '../../helpers/backends.js';
import {
  INSTANCE,
  countsOf,
  importRun,
  issue,
  record,
  runMeta,
  snapshotCustomers,
  summary,
} from './store-fixtures.js';

for (const backend of BACKENDS) {
  describe(`${backend.name}: dry runs`, () => {
    let db: BackendDatabase;
    let store: CustomerStore;

    beforeEach(async () => {
      db = await backend.create();
      store = db.store;
    });
    afterEach(async () => {
      await db.cleanup();
    });

    it('computes the same counts and changes as a real run but leaves no customers and no run', async () => {
      await importRun(store, [[record('K1', { name: 'Alpha' })]]);
      const before = await snapshotCustomers(store);
      const batches = [
        [
          record('K1', { name: 'Alpha 2' }, 2),
          record('K2', { name: 'Beta' }, 3),
        ],
        [
          record('K2', { name: 'Beta', city: 'Bonn' }, 4),
          record('K3', { name: 'Gamma' }, 5),
        ],
      ];

      const dry = await importRun(store, batches, {
        content: 'file-b',
        dryRun: true,
      });
      expect(dry.runId).toBeNull();
      expect(await snapshotCustomers(store)).toEqual(before);
      expect(await store.listRuns({ limit: 10 })).toHaveLength(1);
      expect(
        await store.findSucceededRunBySha(runMeta('file-b').sha256),
      ).toBeNull();

      const real = await importRun(store, batches, { content: 'file-b' });
      expect(countsOf(dry.results, 4)).toEqual(countsOf(real.results, 4));
      expect(dry.results.map((r) => r.changes)).toEqual(
        real.results.map((r) => r.changes),
      );
      expect(countsOf(dry.results, 4)).toMatchObject({
        inserted: 2,
        updated: 2,
        unchanged: 0,
      });
    });

    it('leaves nothing when a dry run fails either', async () => {
      const session = await store.beginImport(runMeta(), {
        dryRun: true,
        force: false,
      });
      await session.applyBatch([record('K1', { name: 'Alpha' })]);
      await session.fail(
        summary({ read: 1 }, [], {
          code: 'TOO_MANY_INVALID_ROWS',
          message: 'too many',
        }),
      );
      expect(await store.countCustomers()).toBe(0);
      expect(await store.listRuns({ limit: 10 })).toEqual([]);
    });
  });

  describe(`${backend.name}: run records`, () => {
    let db: BackendDatabase;
    let store: CustomerStore;

    beforeEach(async () => {
      db = await backend.create();
      store = db.store;
    });
    afterEach(async () => {
      await db.cleanup();
    });

    it('records a committed run with its counts and issues in file order', async () => {
      const meta = runMeta('file-a', {
        file: 'debitors_0412.csv',
        sizeBytes: 1234,
        mode: 'rebuild',
        job: null,
        source: 'nav',
      });
      const session = await store.beginImport(meta, {
        dryRun: false,
        force: false,
      });
      expect(session.runId).toEqual(expect.any(Number));
      const running = await store.getRun(session.runId ?? -1);
      expect(running).toMatchObject({
        status: 'running',
        finishedAt: null,
        durationMs: null,
      });

      await session.applyBatch([record('K1', { name: 'Alpha' })]);
      const issues = [
        issue(9, 'INVALID_EMAIL', { cell: 'C9' }),
        issue(3, 'DUPLICATE_KEY', {
          severity: 'warning',
          column: null,
          value: null,
        }),
      ];
      await session.commit(
        summary({ read: 3, inserted: 1, skipped: 1, warnings: 1 }, issues),
      );

      const run = await store.getRun(session.runId ?? -1);
      expect(run).toEqual({
        id: session.runId,
        file: 'debitors_0412.csv',
        sha256: meta.sha256,
        sizeBytes: 1234,
        format: 'test-format',
        mode: 'rebuild',
        job: null,
        source: 'nav',
        instance: INSTANCE,
        status: 'succeeded',
        counts: {
          ...emptyCounts(),
          read: 3,
          inserted: 1,
          skipped: 1,
          warnings: 1,
        },
        lastModifiedMax: null,
        error: null,
        duplicateOfRunId: null,
        startedAt: meta.startedAt,
        finishedAt: '2026-11-20T10:00:05.000Z',
        durationMs: 5000,
        issues: [issues[1], issues[0]],
        issueCount: 2,
      });
      // The first issues by line, and how many there are in all.
      expect(
        await store.getRun(session.runId ?? -1, { maxIssues: 1 }),
      ).toMatchObject({ issues: [issues[1]], issueCount: 2 });
      expect(
        await store.getRun(session.runId ?? -1, { maxIssues: 0 }),
      ).toMatchObject({ issues: [], issueCount: 2 });
      expect(await store.findSucceededRunBySha(meta.sha256)).toMatchObject({
        id: session.runId,
      });
      expect((await store.getCustomer('K1'))?.customer.source).toBe('nav');
    });

    it('returns null for an unknown run and lists runs newest first with limit and offset', async () => {
      expect(await store.getRun(4242)).toBeNull();
      const ids: (number | null)[] = [];
      for (const content of ['a', 'b', 'c']) {
        ids.push(
          (
            await importRun(store, [[record(content, { name: content })]], {
              content,
            })
          ).runId,
        );
      }
      expect((await store.listRuns({ limit: 10 })).map((r) => r.id)).toEqual(
        [...ids].reverse(),
      );
      expect(
        (await store.listRuns({ limit: 1, offset: 1 })).map((r) => r.id),
      ).toEqual([ids[1]]);
    });

    it('rolls a failed run back to exactly the data before and records it as failed with its issues', async () => {
      await importRun(store, [
        [
          record('K1', { name: 'Alpha', city: 'Berlin' }),
          record('K2', { name: 'Beta' }),
        ],
      ]);
      const before = await snapshotCustomers(store);
      const historyBefore = (await store.getCustomer('K1'))?.history;

      const session = await store.beginImport(runMeta('file-b'), {
        dryRun: false,
        force: false,
      });
      await session.applyBatch([
        record('K1', { name: 'Changed', city: null }),
        record('K3', { name: 'New' }),
      ]);
      const issues = [
        issue(4, 'INVALID_EMAIL'),
        issue(5, 'REQUIRED_MISSING', { column: 'NAME', value: '' }),
      ];
      await session.fail(
        summary({ read: 4, inserted: 1, updated: 1, skipped: 2 }, issues, {
          code: 'TOO_MANY_INVALID_ROWS',
          message: '2 of 4 rows are invalid',
        }),
      );

      expect(await snapshotCustomers(store)).toEqual(before);
      expect((await store.getCustomer('K1'))?.history).toEqual(historyBefore);
      expect(await store.getCustomer('K3')).toBeNull();
      const run = await store.getRun(session.runId ?? -1);
      expect(run).toMatchObject({
        status: 'failed',
        counts: { read: 4, inserted: 1, updated: 1, skipped: 2 },
        error: {
          code: 'TOO_MANY_INVALID_ROWS',
          message: '2 of 4 rows are invalid',
        },
        issues,
      });
      expect(
        await store.findSucceededRunBySha(runMeta('file-b').sha256),
      ).toBeNull();
    });

    it('refuses to use a session after it finished', async () => {
      const session = await store.beginImport(runMeta(), {
        dryRun: false,
        force: false,
      });
      await session.commit(summary());
      await expect(
        session.applyBatch([record('K1', { name: 'x' })]),
      ).rejects.toMatchObject({ code: 'INTERNAL' });
      await expect(session.commit(summary())).rejects.toMatchObject({
        code: 'INTERNAL',
      });
      await expect(session.fail(summary())).rejects.toMatchObject({
        code: 'INTERNAL',
      });
    });

    it('records duplicate and rejected runs', async () => {
      const first = await importRun(store, [[record('K1', { name: 'Alpha' })]]);
      const dupId = await store.recordDuplicateRun(
        runMeta('file-a', { file: 'again.txt' }),
        first.runId ?? -1,
      );
      expect(await store.getRun(dupId)).toMatchObject({
        status: 'duplicate',
        file: 'again.txt',
        duplicateOfRunId: first.runId,
        counts: { read: 0, inserted: 0 },
      });

      const rejected = [issue(1, 'TOO_FEW_FIELDS', { column: null })];
      const rejId = await store.recordRejectedRun(
        runMeta('file-x', { file: 'broken.txt' }),
        summary({ read: 0 }, rejected, {
          code: 'HEADER_MISMATCH',
          message: "expects column 'KUNNR'",
        }),
      );
      expect(await store.getRun(rejId)).toMatchObject({
        status: 'failed',
        error: { code: 'HEADER_MISMATCH', message: "expects column 'KUNNR'" },
        issues: rejected,
      });
      // Neither counts as having imported its content.
      expect(
        await store.findSucceededRunBySha(runMeta('file-x').sha256),
      ).toBeNull();
      expect(
        await store.findSucceededRunBySha(runMeta('file-a').sha256),
      ).toMatchObject({ id: first.runId });
    });

    it('keeps file states and duplicate records written while a failing run was open', async () => {
      const first = await importRun(store, [[record('K1', { name: 'Alpha' })]]);
      const session = await store.beginImport(runMeta('file-b'), {
        dryRun: false,
        force: false,
      });
      await session.applyBatch([record('K2', { name: 'Beta' })]);
      // Meanwhile the watcher sees another drop, and a re-dropped file is recorded as duplicate.
      await store.saveFileState({
        id: 'erp/next.txt/1',
        job: 'erp',
        path: '/x/next.txt',
        name: 'next.txt',
        state: 'waiting',
        sha256: null,
        sizeBytes: 10,
        runId: null,
        detail: null,
        updatedAt: '2026-11-20T10:00:01.000Z',
      });
      const dupId = await store.recordDuplicateRun(
        runMeta('file-a', { file: 'again.txt' }),
        first.runId ?? -1,
      );
      await session.fail(
        summary({ read: 1 }, [], {
          code: 'PARSE_FAILED',
          message: 'broken quote',
        }),
      );

      expect(await store.getCustomer('K2')).toBeNull();
      expect(await store.listFileStates({ job: 'erp' })).toMatchObject([
        { id: 'erp/next.txt/1', state: 'waiting' },
      ]);
      expect(await store.getRun(dupId)).toMatchObject({
        status: 'duplicate',
        duplicateOfRunId: first.runId,
      });
      expect(await store.getRun(session.runId ?? -1)).toMatchObject({
        status: 'failed',
      });
    });
  });

  describe(`${backend.name}: exactly-once claim`, () => {
    let db: BackendDatabase;

    beforeEach(async () => {
      db = await backend.create();
    });
    afterEach(async () => {
      await db.cleanup();
    });

    it('rejects the second commit of the same content with DUPLICATE_RUN and rolls its data back', async () => {
      const storeA = db.store;
      const storeB = await db.open();
      // Both checked before either committed: the database claim has to decide.
      expect(
        await storeA.findSucceededRunBySha(runMeta('same').sha256),
      ).toBeNull();
      expect(
        await storeB.findSucceededRunBySha(runMeta('same').sha256),
      ).toBeNull();

      const a = await importRun(storeA, [[record('K1', { name: 'From A' })]], {
        content: 'same',
      });

      const sessionB = await storeB.beginImport(
        runMeta('same', { file: 'copy.txt' }),
        { dryRun: false, force: false },
      );
      await sessionB.applyBatch([
        record('K1', { name: 'From B' }),
        record('K2', { name: 'Only B' }),
      ]);
      const error: unknown = await sessionB
        .commit(summary({ read: 2, updated: 1, inserted: 1 }))
        .then(
          () => null,
          (e: unknown) => e,
        );

      expect(error).toBeInstanceOf(AppError);
      expect(isDuplicateRunError(error)).toBe(true);
      expect((error as AppError).details).toMatchObject({
        duplicateOfRunId: a.runId,
      });
      expect((await storeA.getCustomer('K1'))?.customer.data).toEqual({
        name: 'From A',
      });
      expect(await storeA.getCustomer('K2')).toBeNull();
      expect(await storeA.getRun(sessionB.runId ?? -1)).toMatchObject({
        status: 'duplicate',
        duplicateOfRunId: a.runId,
        error: { code: 'DUPLICATE_RUN' },
      });
      expect(
        await storeB.findSucceededRunBySha(runMeta('same').sha256),
      ).toMatchObject({ id: a.runId });
      // The session is over; the store takes the next import.
      await expect(sessionB.fail(summary())).rejects.toMatchObject({
        code: 'INTERNAL',
      });
      await importRun(storeB, [[record('K3', { name: 'Next' })]], {
        content: 'other',
      });
      expect(await storeA.countCustomers()).toBe(2);
    });

    it('lets a forced run import the same content again, without taking the claim', async () => {
      const store = db.store;
      const first = await importRun(
        store,
        [[record('K1', { name: 'Alpha' })]],
        { content: 'same' },
      );
      await importRun(store, [[record('K1', { name: 'Edited by hand' })]], {
        content: 'other',
      });

      const forced = await importRun(
        store,
        [[record('K1', { name: 'Alpha' })]],
        { content: 'same', force: true },
      );
      expect(forced.results[0]).toMatchObject({ updated: 1 });
      expect((await store.getCustomer('K1'))?.customer.data).toEqual({
        name: 'Alpha',
      });
      expect(await store.getRun(forced.runId ?? -1)).toMatchObject({
        status: 'succeeded',
      });
      // The claim holder stays the run that duplicates point at.
      expect(
        await store.findSucceededRunBySha(runMeta('same').sha256),
      ).toMatchObject({ id: first.runId });
      // Forcing twice is fine too.
      await importRun(store, [[record('K1', { name: 'Alpha' })]], {
        content: 'same',
        force: true,
      });
      // And a forced first import leaves the claim free for a normal run.
      await importRun(store, [[record('K5', { name: 'Five' })]], {
        content: 'fresh',
        force: true,
      });
      await importRun(store, [[record('K5', { name: 'Five' })]], {
        content: 'fresh',
      });
    });
  });

  describe(`${backend.name}: stale runs`, () => {
    let db: BackendDatabase;

    beforeEach(async () => {
      db = await backend.create();
    });
    afterEach(async () => {
      await db.cleanup();
    });

    it('marks runs left running by a closed process as aborted, leaving the data as before', async () => {
      await importRun(db.store, [[record('K1', { name: 'Alpha' })]]);
      const before = await snapshotCustomers(db.store);

      const crashing = await db.open();
      const session = await crashing.beginImport(runMeta('file-b'), {
        dryRun: false,
        force: false,
      });
      await session.applyBatch([
        record('K1', { name: 'Half' }),
        record('K2', { name: 'Done' }),
      ]);
      // The "crash": the connection goes away without commit or fail.
      await crashing.close();

      const restarted = await db.open();
      expect(await restarted.getRun(session.runId ?? -1)).toMatchObject({
        status: 'running',
      });
      expect(await restarted.abortStaleRuns('other-host')).toBe(0);
      expect(await restarted.abortStaleRuns(INSTANCE)).toBe(1);
      expect(await restarted.abortStaleRuns(INSTANCE)).toBe(0);
      expect(await restarted.getRun(session.runId ?? -1)).toMatchObject({
        status: 'aborted',
        finishedAt: expect.any(String),
      });
      expect(await snapshotCustomers(restarted)).toEqual(before);
    });

    it('does not abort the run this store has open', async () => {
      const session = await db.store.beginImport(runMeta(), {
        dryRun: false,
        force: false,
      });
      await session.applyBatch([record('K1', { name: 'Alpha' })]);
      expect(await db.store.abortStaleRuns(INSTANCE)).toBe(0);
      await session.commit(summary({ read: 1, inserted: 1 }));
      expect(await db.store.getRun(session.runId ?? -1)).toMatchObject({
        status: 'succeeded',
      });
      expect(await db.store.countCustomers()).toBe(1);
    });
  });
}
