import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FieldValue } from '../../../src/domain/customer.js';
import type {
  BatchResult,
  CustomerStore,
  StagedRecord,
} from '../../../src/store/customer-store.js';
import { BACKENDS } from '../../helpers/backends.js';
import type { BackendDatabase } from '../../helpers/backends.js';
import { postgresAvailable } from '../../helpers/postgres-db.js';
import { importRun, record } from './store-fixtures.js';

/**
 * The PostgreSQL store computes merges, counts, changes and history in SQL; SQLite does it in
 * JavaScript (record-diff.ts). This feeds both the same seeded random runs (keys repeated inside
 * a batch, fields left out, cleared, retyped; values that COPY must escape) and demands the same
 * answers, run for run.
 */

const RUN =
  postgresAvailable('SQLite parity') &&
  BACKENDS.some((b) => b.name === 'postgres');

/** Values that COPY text format, JSON and jsonb must all carry through unchanged. */
const AWKWARD: readonly FieldValue[] = [
  'tab\there',
  'line\nbreak',
  'carriage\rreturn',
  'back\\slash',
  '\\.',
  '\\N',
  'quote " and \' ',
  'Müller & Söhne – Grüße',
  '😀 emoji',
  '',
  ' ',
  0,
  -1.5,
  1e21,
  123456789012,
  true,
  false,
];

const FIELDS = [
  'name',
  'city',
  'email',
  'phone',
  'attributes.tab\tkey',
  'attributes.note',
];

/** A small deterministic PRNG (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeRuns(seed: number): StagedRecord[][][] {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T =>
    items[Math.floor(next() * items.length)] as T;
  const keys = ['K1', 'K2', 'K3', 'K\t4', 'K\\5', 'K\n6', 'Kö7', 'K8'];
  const runs: StagedRecord[][][] = [];
  let line = 2;
  for (let r = 0; r < 6; r++) {
    const batches: StagedRecord[][] = [];
    for (let b = 0; b < 3; b++) {
      const batch: StagedRecord[] = [];
      for (let i = 0; i < 6; i++) {
        const fields: Record<string, FieldValue> = {};
        for (const field of FIELDS) {
          const roll = next();
          if (roll < 0.3) {
            continue; // left out: keep
          }
          fields[field] = roll < 0.4 ? null : pick(AWKWARD);
        }
        batch.push(record(pick(keys), fields, line++));
      }
      batches.push(batch);
    }
    runs.push(batches);
  }
  return runs;
}

describe.skipIf(!RUN)('postgres: same answers as sqlite', () => {
  const dbs: BackendDatabase[] = [];

  beforeEach(async () => {
    for (const backend of BACKENDS) {
      dbs.push(
        await backend.create({
          clock: { now: () => Date.parse('2026-11-20T10:00:00.000Z') },
        }),
      );
    }
  });
  afterEach(async () => {
    for (const db of dbs.splice(0)) {
      await db.cleanup();
    }
  });

  async function play(
    store: CustomerStore,
    runs: StagedRecord[][][],
    dryRunLast: boolean,
  ): Promise<unknown> {
    const results: BatchResult[][] = [];
    for (const [n, batches] of runs.entries()) {
      const dryRun = dryRunLast && n === runs.length - 1;
      results.push(
        (await importRun(store, batches, { content: `run-${n}`, dryRun }))
          .results,
      );
    }
    const customers = await store.listCustomers({ limit: 1000 });
    const details = await Promise.all(
      customers.map((c) => store.getCustomerById(c.id)),
    );
    return {
      results,
      customers: customers.map((c) => ({
        key: c.key,
        data: c.data,
        status: c.status,
        source: c.source,
      })),
      history: details.map((d) =>
        d?.history.map((h) => ({
          key: h.key,
          operation: h.operation,
          changes: h.changes,
          line: h.line,
        })),
      ),
      search: await Promise.all(
        ['müller', '\\', 'k\t4', '😀'].map(async (search) =>
          (await store.listCustomers({ limit: 100, search })).map((c) => c.key),
        ),
      ),
    };
  }

  for (const seed of [1, 2, 3, 4]) {
    it(`gives the same counts, changes, data, history and search results (seed ${seed})`, async () => {
      const runs = makeRuns(seed);
      const answers = [];
      for (const db of dbs) {
        answers.push(await play(db.store, runs, seed % 2 === 0));
      }
      expect(answers).toHaveLength(2);
      expect(answers[1]).toEqual(answers[0]);
    });
  }

  it('keeps a key that comes three times in one batch in order: insert, then two updates', async () => {
    const batch = [
      record('K1', { name: 'One', city: 'Berlin' }, 2),
      record('K2', { name: 'Other' }, 3),
      record('K1', { name: 'Two' }, 4),
      record('K1', { city: null }, 5),
    ];
    for (const db of dbs) {
      const { results } = await importRun(db.store, [batch]);
      expect(results[0]).toMatchObject({
        inserted: 2,
        updated: 2,
        unchanged: 0,
      });
      expect(
        results[0]?.changes.map((c) => [c.key, c.line, c.operation]),
      ).toEqual([
        ['K1', 2, 'inserted'],
        ['K2', 3, 'inserted'],
        ['K1', 4, 'updated'],
        ['K1', 5, 'updated'],
      ]);
      expect((await db.store.getCustomer('K1'))?.customer.data).toEqual({
        name: 'Two',
      });
      expect(
        (await db.store.getCustomer('K1'))?.history.map((h) => h.line),
      ).toEqual([5, 4, 2]);
    }
  });
});
