import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FileOutcome } from '../../../src/domain/file-outcome.js';
import { FormatDefinitionSchema } from '../../../src/formats/format-definition.js';
import { NULL_LOGGER } from '../../../src/logging/logger.js';
import { parserFactory } from '../../../src/pipeline/parser-factory.js';
import { processFile } from '../../../src/pipeline/process-file.js';
import { BACKENDS, type BackendDatabase } from '../../helpers/backends.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

/**
 * A dry run lists the changes of its first `dryRunChangesKept` changed records, in file order,
 * and counts the rest (FileOutcome.changesOmitted): with 4 kept of 30 rows of which 12 change
 * an existing customer, 10 are new and 8 are unchanged, on both back-ends (PostgreSQL in bulk
 * mode, where the session stops building changes once the dry run has its 4).
 */

const PARSERS = parserFactory({
  excel: { maxHeapMb: 256, timeoutSeconds: 60, maxFileBytes: 10 * 1024 ** 2 },
});

const FORMAT = FormatDefinitionSchema.parse({
  id: 'dry',
  type: 'delimited',
  delimiter: ';',
  columns: [
    { source: 'Nr', field: 'customerNo', required: true },
    { source: 'Name', field: 'name', required: true },
  ],
});

for (const backend of BACKENDS) {
  describe(`${backend.name}: a dry run with more changes than it lists`, () => {
    let db: BackendDatabase;
    let dir = '';

    beforeEach(async () => {
      db = await backend.create();
      dir = await makeTempDir('dry-run-changes-');
    });
    afterEach(async () => {
      await db.cleanup();
      await rm(dir, { recursive: true, force: true });
    });

    async function run(
      name: string,
      rows: string[],
      dryRun: boolean,
    ): Promise<FileOutcome> {
      await writeFile(join(dir, name), `Nr;Name\n${rows.join('\n')}\n`);
      return processFile(
        {
          path: join(dir, name),
          displayName: name,
          format: FORMAT,
          mode: 'update',
          job: null,
          dryRun,
        },
        {
          store: db.store,
          logger: NULL_LOGGER,
          parserFor: () => PARSERS(FORMAT),
          instance: 'test',
          batchSize: 3,
          maxFileBytes: 1024 ** 2,
          defaultTimeZone: 'UTC',
          dryRunChangesKept: 4,
        },
      );
    }

    it('keeps the first changes in file order and counts the others', async () => {
      // K1 … K20 stored; the dry run renames K1 … K12, keeps K13 … K20, adds K21 … K30.
      const stored = Array.from(
        { length: 20 },
        (_, i) => `K${i + 1};Name ${i + 1}`,
      );
      expect((await run('stored.csv', stored, false)).counts.inserted).toBe(20);
      const rows = Array.from({ length: 30 }, (_, i) =>
        i < 12 ? `K${i + 1};Renamed ${i + 1}` : `K${i + 1};Name ${i + 1}`,
      );
      const dry = await run('dry.csv', rows, true);
      expect(dry.counts).toMatchObject({
        read: 30,
        inserted: 10,
        updated: 12,
        unchanged: 8,
      });
      expect(dry.changes).toEqual([
        {
          key: 'K1',
          line: 2,
          operation: 'updated',
          changes: [{ field: 'name', old: 'Name 1', new: 'Renamed 1' }],
        },
        expect.objectContaining({ key: 'K2', line: 3, operation: 'updated' }),
        expect.objectContaining({ key: 'K3', line: 4, operation: 'updated' }),
        expect.objectContaining({ key: 'K4', line: 5, operation: 'updated' }),
      ]);
      expect(dry.changesOmitted).toBe(18);
      // Nothing was written.
      expect((await db.store.getCustomer('K1'))?.customer.data['name']).toBe(
        'Name 1',
      );
      expect(await db.store.getCustomer('K21')).toBeNull();
    });
  });
}
