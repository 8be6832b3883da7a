import { readdirSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  releaseOutcome,
  type FileOutcome,
} from '../../../src/domain/file-outcome.js';
import { FormatDefinitionSchema } from '../../../src/formats/format-definition.js';
import { NULL_LOGGER } from '../../../src/logging/logger.js';
import { writeErrorsCsv } from '../../../src/pipeline/error-report.js';
import { parserFactory } from '../../../src/pipeline/parser-factory.js';
import { processFile } from '../../../src/pipeline/process-file.js';
import { BACKENDS, type BackendDatabase } from '../../helpers/backends.js';
import { openFilesUnder } from '../../helpers/open-files.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

/**
 * A run with more row issues than it keeps in memory (pipeline/row-issue-log.ts): with a budget
 * of 5 issues, the outcome, the store's run and the errors report hold exactly what a run with
 * every issue in memory holds, in the same order; the temporary file is gone once the outcome
 * is released.
 */

const PARSERS = parserFactory({
  excel: { maxHeapMb: 256, timeoutSeconds: 60, maxFileBytes: 10 * 1024 ** 2 },
});

const FORMAT = FormatDefinitionSchema.parse({
  id: 'issues',
  type: 'delimited',
  delimiter: ';',
  duplicateKeys: 'last-wins',
  onInvalidRows: { maxSkippedRows: 1000 },
  columns: [
    { source: 'Nr', field: 'customerNo', required: true },
    { source: 'Name', field: 'name', required: true },
    { source: 'E-Mail', field: 'email', type: 'email' },
  ],
});

/**
 * 60 rows: keys K0..K19 three times each (two duplicate warnings per repeat, for both lines),
 * every 7th row without its name (an error) and every 5th with a bad e-mail address.
 */
const ROWS = Array.from({ length: 60 }, (_, i) => {
  const name = i % 7 === 3 ? '' : `Kunde ${i} Müller`;
  const email = i % 5 === 1 ? `bad@@${i}.example` : '';
  return `K${i % 20};${name};${email}`;
});

for (const backend of BACKENDS) {
  describe(`${backend.name}: a run with more row issues than it keeps in memory`, () => {
    /** The run with every issue in memory, and the one with a budget of 5: same empty stores. */
    let db: BackendDatabase;
    let db2: BackendDatabase;
    let dir = '';
    let tempDir = '';

    beforeEach(async () => {
      db = await backend.create();
      db2 = await backend.create();
      dir = await makeTempDir('issue-log-run-');
      tempDir = join(dir, 'tmp');
      await mkdir(tempDir);
      await writeFile(
        join(dir, 'customers.csv'),
        `Nr;Name;E-Mail\n${ROWS.join('\n')}\n`,
      );
    });
    afterEach(async () => {
      await db.cleanup();
      await db2.cleanup();
      await rm(dir, { recursive: true, force: true });
    });

    async function run(
      target: BackendDatabase,
      maxMemoryIssues?: number,
    ): Promise<FileOutcome> {
      return processFile(
        {
          path: join(dir, 'customers.csv'),
          displayName: 'customers.csv',
          format: FORMAT,
          mode: 'update',
          job: null,
        },
        {
          store: target.store,
          logger: NULL_LOGGER,
          parserFor: () => PARSERS(FORMAT),
          instance: 'test',
          batchSize: 4,
          maxFileBytes: 1024 ** 2,
          defaultTimeZone: 'UTC',
          issueLog: {
            tempDir,
            ...(maxMemoryIssues === undefined ? {} : { maxMemoryIssues }),
          },
        },
      );
    }

    it('records, reports and returns every issue, in order, as with all of them in memory', async () => {
      const inMemory = await run(db);
      const spilled = await run(db2, 5);
      expect(inMemory.status).toBe('partial');
      expect(spilled.status).toBe('partial');
      expect(spilled.counts).toEqual(inMemory.counts);

      const all = [...inMemory.issues];
      // Both lines of each repeat of a valid row (24 repeats), 9 rows without a name, 12 bad
      // e-mail addresses (one of them on a row without a name too).
      const codes = all.map((i) => i.code);
      expect(codes.filter((c) => c === 'DUPLICATE_KEY')).toHaveLength(48);
      expect(codes.filter((c) => c === 'REQUIRED_MISSING')).toHaveLength(9);
      expect(codes.filter((c) => c === 'INVALID_EMAIL')).toHaveLength(12);
      expect(all).toHaveLength(69);
      expect(spilled.issues.length).toBe(all.length);
      expect([...spilled.issues]).toEqual(all);
      expect(spilled.issues.slice(3, 12)).toEqual(all.slice(3, 12));

      // The store's run holds every issue, in the run's order.
      const storedSpilled = await db2.store.getRun(spilled.runId ?? -1);
      const storedInMemory = await db.store.getRun(inMemory.runId ?? -1);
      expect(storedSpilled?.issues).toEqual(storedInMemory?.issues);
      expect(storedSpilled?.issues).toHaveLength(all.length);

      // So does the errors report.
      await writeErrorsCsv(join(dir, 'in-memory.csv'), inMemory.issues);
      await writeErrorsCsv(join(dir, 'spilled.csv'), spilled.issues);
      const report = await readFile(join(dir, 'spilled.csv'), 'utf8');
      expect(report).toBe(await readFile(join(dir, 'in-memory.csv'), 'utf8'));
      expect(report.trimEnd().split('\r\n')).toHaveLength(all.length + 1);

      // The spilled run kept its file, unnamed, until released.
      expect(readdirSync(tempDir)).toEqual([]);
      const open = openFilesUnder(tempDir);
      if (open !== null) {
        expect(open).toEqual([
          expect.stringMatching(
            /^customer-import-issues-\d+-[0-9a-f]+\.jsonl \(deleted\)$/,
          ),
        ]);
      }
      releaseOutcome(spilled);
      releaseOutcome(inMemory);
      expect(openFilesUnder(tempDir) ?? []).toEqual([]);
      expect(() => [...spilled.issues]).toThrow(/after release/);
    });
  });
}
