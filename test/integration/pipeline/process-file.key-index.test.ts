import { readdirSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FileOutcome } from '../../../src/domain/file-outcome.js';
import {
  FormatDefinitionSchema,
  type FormatDefinition,
} from '../../../src/formats/format-definition.js';
import { NULL_LOGGER } from '../../../src/logging/logger.js';
import type { Parser, RawRow } from '../../../src/parse/parser.js';
import { parserFactory } from '../../../src/pipeline/parser-factory.js';
import {
  processFile,
  type ProcessFileDeps,
} from '../../../src/pipeline/process-file.js';
import { createStore } from '../../../src/store/create-store.js';
import type { CustomerStore } from '../../../src/store/customer-store.js';
import { openFilesUnder } from '../../helpers/open-files.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

/**
 * The duplicate-key rules with a key index that moves to its temporary file after 2 keys: a key
 * repeated from before the move and one from after it are judged as in memory, both lines are
 * reported, and the file is gone however the run ends (success, rejection, abort, a bug).
 */

const PARSERS = parserFactory({
  excel: { maxHeapMb: 256, timeoutSeconds: 60, maxFileBytes: 10 * 1024 ** 2 },
});

// Keys A, B fit the budget; C, D, E go to the file; A (line 7) and D (line 8) come again.
const ROWS = [
  'A;first A',
  'B;B',
  'C;C',
  'D;first D',
  'E;E',
  'A;second A',
  'D;second D',
  'F;F',
];

let dir = '';
let tempDir = '';
let store: CustomerStore;

beforeEach(async () => {
  dir = await makeTempDir('key-index-run-');
  tempDir = join(dir, 'tmp');
  await writeFile(join(dir, 'customers.csv'), `Nr;Name\n${ROWS.join('\n')}\n`);
  await mkdir(tempDir);
  store = await createStore(
    { type: 'sqlite', path: join(dir, 'customers.db'), busyTimeoutMs: 2000 },
    { logger: NULL_LOGGER },
  );
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

function format(
  duplicateKeys: FormatDefinition['duplicateKeys'],
  maxSkippedRows = 10,
): FormatDefinition {
  return FormatDefinitionSchema.parse({
    id: 'small',
    type: 'delimited',
    delimiter: ';',
    duplicateKeys,
    onInvalidRows: { maxSkippedRows },
    columns: [
      { source: 'Nr', field: 'customerNo', required: true },
      { source: 'Name', field: 'name', required: true },
    ],
  });
}

/**
 * Runs the file with a 2-key budget. `duringLastBatches` runs before each batch from the 3rd on
 * (the index is on disk by then) and sees which key files are open.
 */
async function run(
  fmt: FormatDefinition,
  options: {
    duringLastBatches?: (batch: number) => void;
    signal?: AbortSignal;
  } = {},
): Promise<{ outcome: FileOutcome; openDuringRun: string[] | null }> {
  let openDuringRun: string[] | null = null;
  const watching: Parser = {
    async open(input) {
      const parsed = await PARSERS(fmt).open(input);
      async function* rows(): AsyncGenerator<RawRow[]> {
        let batch = 0;
        for await (const rows of parsed.rows) {
          batch++;
          if (batch >= 3) {
            openDuringRun ??= openFilesUnder(tempDir);
            options.duringLastBatches?.(batch);
          }
          yield rows;
        }
      }
      return {
        header: parsed.header,
        rows: rows(),
        close: () => parsed.close(),
      };
    },
  };
  const deps: ProcessFileDeps = {
    store,
    logger: NULL_LOGGER,
    parserFor: () => watching,
    instance: 'test',
    batchSize: 2,
    maxFileBytes: 1024 ** 2,
    defaultTimeZone: 'UTC',
    keyIndex: { maxMemoryKeys: 2, tempDir },
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const outcome = await processFile(
    {
      path: join(dir, 'customers.csv'),
      displayName: 'customers.csv',
      format: fmt,
      mode: 'update',
      job: null,
    },
    deps,
  );
  return { outcome, openDuringRun };
}

/** The index had its file while the run read (Linux can tell), and nothing is left now. */
function expectKeyFileUsedAndGone(openDuringRun: string[] | null): void {
  if (openDuringRun !== null) {
    expect(openDuringRun).toEqual([
      expect.stringMatching(/^customer-import-keys-\d+-[0-9a-f]+\.sqlite/),
    ]);
    expect(openFilesUnder(tempDir)).toEqual([]);
  }
  expect(readdirSync(tempDir)).toEqual([]);
}

function duplicates(outcome: FileOutcome) {
  return [...outcome.issues]
    .filter((i) => i.code === 'DUPLICATE_KEY')
    .map((i) => ({ line: i.line, severity: i.severity, message: i.message }));
}

async function names(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const key of ['A', 'D']) {
    out[key] = (await store.getCustomer(key))?.customer.data['name'];
  }
  return out;
}

describe('duplicate keys with the key index on disk', () => {
  it('last-wins: reports both lines of a key from before and after the move; the later row is stored', async () => {
    const { outcome, openDuringRun } = await run(format('last-wins'));
    expect(outcome.status).toBe('imported');
    expect(outcome.counts).toMatchObject({
      read: 8,
      inserted: 6,
      skipped: 0,
      warnings: 2,
    });
    const a = "customerNo 'A' appears on lines 2 and 7; line 7 wins";
    const d = "customerNo 'D' appears on lines 5 and 8; line 8 wins";
    expect(duplicates(outcome)).toEqual([
      { line: 2, severity: 'warning', message: a },
      { line: 7, severity: 'warning', message: a },
      { line: 5, severity: 'warning', message: d },
      { line: 8, severity: 'warning', message: d },
    ]);
    expect(await names()).toEqual({ A: 'second A', D: 'second D' });
    expectKeyFileUsedAndGone(openDuringRun);
  });

  it('first-wins: the same reports, the first row is kept', async () => {
    const { outcome, openDuringRun } = await run(format('first-wins'));
    expect(outcome.counts).toMatchObject({ read: 8, skipped: 0, warnings: 2 });
    expect(duplicates(outcome).map((d) => [d.line, d.message])).toEqual([
      [2, "customerNo 'A' appears on lines 2 and 7; line 2 wins"],
      [7, "customerNo 'A' appears on lines 2 and 7; line 2 wins"],
      [5, "customerNo 'D' appears on lines 5 and 8; line 5 wins"],
      [8, "customerNo 'D' appears on lines 5 and 8; line 5 wins"],
    ]);
    expect(await names()).toEqual({ A: 'first A', D: 'first D' });
    expectKeyFileUsedAndGone(openDuringRun);
  });

  it('error: the later rows are row errors naming the first line', async () => {
    const { outcome, openDuringRun } = await run(format('error'));
    expect(outcome.status).toBe('partial');
    expect(outcome.counts).toMatchObject({ read: 8, inserted: 6, skipped: 2 });
    expect(duplicates(outcome)).toEqual([
      {
        line: 7,
        severity: 'error',
        message:
          "customerNo 'A' already appeared on line 2; this row is skipped",
      },
      {
        line: 8,
        severity: 'error',
        message:
          "customerNo 'D' already appeared on line 5; this row is skipped",
      },
    ]);
    expect(await names()).toEqual({ A: 'first A', D: 'first D' });
    expectKeyFileUsedAndGone(openDuringRun);
  });

  it('removes the file when the run is rejected (error budget spent)', async () => {
    const { outcome, openDuringRun } = await run(format('error', 0));
    expect(outcome.status).toBe('rejected');
    expect(outcome.error?.code).toBe('TOO_MANY_INVALID_ROWS');
    expectKeyFileUsedAndGone(openDuringRun);
  });

  it('removes the file when the run is aborted', async () => {
    const controller = new AbortController();
    const { outcome, openDuringRun } = await run(format('last-wins'), {
      signal: controller.signal,
      duringLastBatches: () => controller.abort(),
    });
    expect(outcome.status).toBe('deferred');
    expect(outcome.error?.message).toContain('interrupted');
    expectKeyFileUsedAndGone(openDuringRun);
  });

  it('removes the file when the run ends in a bug (an unexpected error escapes)', async () => {
    let openDuringRun: string[] | null = null;
    await expect(
      run(format('last-wins'), {
        duringLastBatches: (batch) => {
          if (batch === 4) {
            openDuringRun = openFilesUnder(tempDir);
            throw new Error('boom');
          }
        },
      }),
    ).rejects.toThrow('boom');
    expectKeyFileUsedAndGone(openDuringRun);
  });
});
