import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CustomerType } from '../../../src/domain/customer.js';
import { isAppError } from '../../../src/errors.js';
import { NULL_LOGGER } from '../../../src/logging/logger.js';
import { createStore } from '../../../src/store/create-store.js';
import type {
  BatchResult,
  CustomerStore,
  ImportSession,
  StagedRecord,
} from '../../../src/store/customer-store.js';
import {
  TEST_DATABASE_URL,
  createTestSchema,
  postgresAvailable,
} from '../../helpers/postgres-db.js';
import type { TestSchema } from '../../helpers/postgres-db.js';
import { record, runMeta, summary } from './store-fixtures.js';

/**
 * Bulk mode on PostgreSQL writes chunks of 20 000 rows while the caller prepares the next rows
 * (postgres-step-queue.ts). Large runs must give the same counts and data as small ones, and a
 * chunk that fails on the server must fail the run on a later call, with nothing committed.
 */

const RUN = postgresAvailable('bulk pipeline');
const BATCH = 1000;

/** `count` records K000000… in batches of `size`; `name` decides each row's name. */
function batches(
  count: number,
  name: (i: number) => string,
  extra: (i: number) => Partial<StagedRecord> = () => ({}),
  size = BATCH,
): StagedRecord[][] {
  const out: StagedRecord[][] = [];
  for (let i = 0; i < count; i++) {
    const key = `K${String(i).padStart(6, '0')}`;
    if (i % size === 0) {
      out.push([]);
    }
    out.at(-1)?.push({
      ...record(key, { name: name(i), city: 'Köln' }, i + 2),
      ...extra(i),
    });
  }
  return out;
}

async function applyAll(
  session: ImportSession,
  all: readonly (readonly StagedRecord[])[],
): Promise<BatchResult> {
  const total: BatchResult = {
    inserted: 0,
    updated: 0,
    unchanged: 0,
    changes: [],
  };
  for (const batch of [...all, null]) {
    const r =
      batch === null ? await session.flush() : await session.applyBatch(batch);
    total.inserted += r.inserted;
    total.updated += r.updated;
    total.unchanged += r.unchanged;
  }
  return total;
}

describe.skipIf(!RUN)('postgres: bulk mode over several chunks', () => {
  let db: TestSchema;
  let store: CustomerStore;

  beforeEach(async () => {
    db = createTestSchema(TEST_DATABASE_URL ?? '', 'bulk');
    store = await createStore(db.config, { logger: NULL_LOGGER });
  });
  afterEach(async () => {
    await store.close();
    await db.drop();
  });

  it('counts and writes 45 000 rows as a first import and a re-import with 10 % changed', async () => {
    const first = await store.beginImport(runMeta('first'), {
      dryRun: false,
      force: false,
      deferResults: true,
      collectChanges: false,
    });
    expect(
      await applyAll(
        first,
        batches(45_000, (i) => `Name ${i}`),
      ),
    ).toMatchObject({ inserted: 45_000, updated: 0, unchanged: 0 });
    await first.commit(summary());

    const second = await store.beginImport(runMeta('second'), {
      dryRun: false,
      force: false,
      deferResults: true,
      collectChanges: false,
    });
    expect(
      await applyAll(
        second,
        batches(
          45_000,
          (i) => (i % 10 === 3 ? `Renamed ${i}` : `Name ${i}`),
          () => ({}),
          250,
        ),
      ),
    ).toMatchObject({ inserted: 0, updated: 4_500, unchanged: 40_500 });
    await second.commit(summary());

    expect(await store.countCustomers()).toBe(45_000);
    const renamed = await store.getCustomer('K044993');
    expect(renamed?.customer.data).toEqual({
      name: 'Renamed 44993',
      city: 'Köln',
    });
    expect(
      renamed?.history.map((h) => [h.operation, h.line, h.changes]),
    ).toEqual([
      [
        'updated',
        44995,
        [{ field: 'name', old: 'Name 44993', new: 'Renamed 44993' }],
      ],
      [
        'inserted',
        44995,
        [
          { field: 'city', old: undefined, new: 'Köln' },
          { field: 'name', old: undefined, new: 'Name 44993' },
        ],
      ],
    ]);
  });

  it('fails the run on a later call when a chunk written in the background fails, and commits nothing', async () => {
    const session = await store.beginImport(runMeta('bad'), {
      dryRun: false,
      force: false,
      deferResults: true,
      collectChanges: false,
    });
    // A type the schema's CHECK refuses: only the server finds it, when the first chunk is
    // written. Small batches, as the pipeline's: several go into one COPY.
    const all = batches(
      25_000,
      (i) => `Name ${i}`,
      (i) => (i === 7 ? { type: 'B2X' as CustomerType } : {}),
      250,
    );
    let thrown: unknown = null;
    for (const batch of [...all, null]) {
      try {
        if (batch === null) {
          await session.flush();
        } else {
          await session.applyBatch(batch);
        }
      } catch (e) {
        thrown = e;
        break;
      }
    }
    expect(isAppError(thrown)).toBe(true);
    await session.fail(
      summary({}, [], { code: 'INTERNAL', message: 'chunk failed' }),
    );
    expect(await store.countCustomers()).toBe(0);
    const runs = await store.listRuns({ limit: 1 });
    expect(runs[0]?.status).toBe('failed');
    // The connection went back to the pool in a usable state.
    const next = await store.beginImport(runMeta('next'), {
      dryRun: false,
      force: false,
      deferResults: true,
    });
    expect(
      await applyAll(next, [[record('K1', { name: 'Alpha' })]]),
    ).toMatchObject({ inserted: 1 });
    await next.commit(summary());
    expect(await store.countCustomers()).toBe(1);
  });

  it('refuses a NUL character in a key, a field name or a value, naming the line; keeps the text \\u0000', async () => {
    for (const bad of [
      record('K\u00001', { name: 'A' }, 5),
      record('K1', { 'attributes.a\u0000b': 'A' }, 5),
      record('K1', { name: 'A\u0000B' }, 5),
    ]) {
      const session = await store.beginImport(runMeta('nul'), {
        dryRun: false,
        force: false,
        deferResults: true,
      });
      await expect(session.applyBatch([bad])).rejects.toMatchObject({
        code: 'PARSE_FAILED',
        message: expect.stringContaining('Line 5'),
      });
      await session.fail(summary());
    }
    const session = await store.beginImport(runMeta('text'), {
      dryRun: false,
      force: false,
      deferResults: true,
    });
    await applyAll(session, [[record('K1', { name: 'A\\u0000B' })]]);
    await session.commit(summary());
    expect((await store.getCustomer('K1'))?.customer.data).toEqual({
      name: 'A\\u0000B',
    });
  });
});
