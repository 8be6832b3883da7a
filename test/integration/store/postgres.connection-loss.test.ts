import { rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadFormats } from '../../../src/formats/load-formats.js';
import { NULL_LOGGER } from '../../../src/logging/logger.js';
import type { Parser, RawRow } from '../../../src/parse/parser.js';
import { parserFactory } from '../../../src/pipeline/parser-factory.js';
import { processFile } from '../../../src/pipeline/process-file.js';
import { createStore } from '../../../src/store/create-store.js';
import type { CustomerStore } from '../../../src/store/customer-store.js';
import {
  TEST_DATABASE_URL,
  createTestSchema,
  postgresAvailable,
  terminateRunSession,
} from '../../helpers/postgres-db.js';
import type { TestSchema } from '../../helpers/postgres-db.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import {
  importRun,
  record,
  runMeta,
  snapshotCustomers,
  summary,
} from './store-fixtures.js';

/**
 * A connection that drops in the middle of a run (failover, an admin's pg_terminate_backend, a
 * network cut): PostgreSQL rolls the transaction back, the session answers STORE_UNAVAILABLE,
 * and the pipeline defers the file instead of rejecting it. Nothing is half-written.
 */

const RUN = postgresAvailable('connection loss');

describe.skipIf(!RUN)('postgres: a connection lost mid-run', () => {
  let db: TestSchema;
  let store: CustomerStore;
  let dir: string | null = null;

  beforeEach(async () => {
    db = createTestSchema(TEST_DATABASE_URL ?? '', 'connloss');
    store = await createStore(db.config, { logger: NULL_LOGGER });
  });
  afterEach(async () => {
    await store.close();
    await db.drop();
    if (dir !== null) {
      await rm(dir, { recursive: true, force: true });
      dir = null;
    }
  });

  it('rolls the run back, answers STORE_UNAVAILABLE, records the run as failed and takes the next import', async () => {
    await importRun(store, [[record('K1', { name: 'Alpha', city: 'Berlin' })]]);
    const before = await snapshotCustomers(store);

    const session = await store.beginImport(runMeta('file-b'), {
      dryRun: false,
      force: false,
    });
    await session.applyBatch([
      record('K1', { name: 'Changed', city: null }),
      record('K2', { name: 'New' }),
    ]);
    expect(await terminateRunSession(db, session.runId ?? -1)).toBe(true);

    await expect(
      session.applyBatch([record('K3', { name: 'Later' })]),
    ).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
      retryable: true,
    });
    // The transaction is gone: nothing may be committed any more.
    await expect(session.commit(summary({ read: 3 }))).rejects.toMatchObject({
      code: 'INTERNAL',
    });
    await session.fail(
      summary({ read: 3 }, [], {
        code: 'STORE_UNAVAILABLE',
        message: 'connection lost',
      }),
    );

    expect(await snapshotCustomers(store)).toEqual(before);
    expect(await store.getCustomer('K2')).toBeNull();
    expect((await store.getCustomer('K1'))?.history).toHaveLength(1);
    expect(await store.getRun(session.runId ?? -1)).toMatchObject({
      status: 'failed',
      error: { code: 'STORE_UNAVAILABLE' },
    });
    expect(
      await store.findSucceededRunBySha(runMeta('file-b').sha256),
    ).toBeNull();

    // The pool replaced the dead connection; the same content imports fine now.
    const again = await importRun(
      store,
      [
        [
          record('K1', { name: 'Changed', city: null }),
          record('K2', { name: 'New' }),
        ],
      ],
      {
        content: 'file-b',
      },
    );
    expect(again.results[0]).toMatchObject({ inserted: 1, updated: 1 });
    expect((await store.getCustomer('K1'))?.customer.data).toEqual({
      name: 'Changed',
    });
  });

  it('defers the file in the pipeline when the connection drops between two batches, and imports it on the next try', async () => {
    dir = await makeTempDir('customer-import-connloss-');
    const formats = await loadFormats(resolve('formats'));
    const format = formats.require('plain-csv').definition;
    const path = join(dir, 'customers.csv');
    const rows = Array.from(
      { length: 10 },
      (_, n) => `C-${n},Customer ${n},,,,,Berlin,DE,,,`,
    );
    await writeFile(
      path,
      `customerNo,name,email,phone,street,postalCode,city,country,creditLimit,blocked,lastModified\n${rows.join('\n')}\n`,
    );

    const request = {
      path,
      displayName: 'customers.csv',
      format,
      mode: 'update' as const,
      job: 'erp',
    };
    const deps = {
      store,
      logger: NULL_LOGGER,
      parserFor: parserFactory({
        excel: {
          maxHeapMb: 512,
          timeoutSeconds: 120,
          maxFileBytes: 100 * 1024 ** 2,
        },
      }),
      instance: 'test-host',
      batchSize: 3,
      maxFileBytes: 1024 ** 3,
      defaultTimeZone: 'UTC',
    };
    // A parser that, before handing out the second batch (the first is in the store by then),
    // has the run's connection terminated, the way an admin or a failover would.
    let terminated = false;
    const cutting: Parser = {
      async open(input) {
        const parsed = await deps.parserFor(format).open(input);
        async function* rowsCuttingAfterFirst(): AsyncGenerator<RawRow[]> {
          let batches = 0;
          for await (const rows of parsed.rows) {
            if (batches === 1) {
              const [run] = await store.listRuns({ limit: 1 });
              terminated = await terminateRunSession(db, run?.id ?? -1);
            }
            batches += 1;
            yield rows;
          }
        }
        return {
          header: parsed.header,
          rows: rowsCuttingAfterFirst(),
          close: () => parsed.close(),
        };
      },
    };
    const outcome = await processFile(request, {
      ...deps,
      parserFor: () => cutting,
    });
    expect(terminated).toBe(true);
    expect(outcome).toMatchObject({
      status: 'deferred',
      error: { code: 'STORE_UNAVAILABLE' },
    });
    expect(await store.countCustomers()).toBe(0);

    const retried = await processFile(request, deps);
    expect(retried).toMatchObject({
      status: 'imported',
      counts: { read: 10, inserted: 10 },
    });
    expect(await store.countCustomers()).toBe(10);
    const runs = await store.listRuns({ limit: 10 });
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'failed']);
  });
});
