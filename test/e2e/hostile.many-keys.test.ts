import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectFlatPeak,
  importInChild as runInChild,
  requireDist,
  type ChildImportResult,
} from '../helpers/child-import.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * Memory stays flat however many distinct keys a file has: the duplicate-key index keeps a
 * budget of keys in memory and moves the rest to a temporary file (src/pipeline/key-lines.ts).
 * The compiled library (dist/, built by `npm test`) imports two files in child processes
 * (helpers/child-import.ts), with the index budget set to 5 000 keys: N = 50 000 and
 * 4N = 200 000 rows whose keys are 400 characters long. Holding the 150 000 extra keys would take at least 60 MB (one byte a
 * character, before any overhead); the peak resident set of the 4N run must stay within 45 MB of
 * the N run, which leaves room for the run-to-run noise of the two threads' heaps and SQLite's
 * caches. (Measured on 2026-12-07, twelve pairs: +18 to +33 MB, the same at d8322e9, so not a
 * regression; a CI run under load saw +30.8 MB and failed the 30 MB margin this test had. With
 * the budget lifted, +70 to +77 MB. Both files are read in the parse thread,
 * pipeline/row-source.ts, with V8's heap growing as the CLI sets it; without that flag the
 * peaks swing by more than the keys do.) Takes 20-40 s.
 */

const N = 50_000;
const KEY_CHARS = 400;
const MAX_MEMORY_KEYS = 5_000;
const MAX_GROWTH_MB = 45;
const FORMAT = {
  id: 'many-keys',
  type: 'delimited',
  delimiter: ';',
  encoding: 'utf-8',
  columns: [
    { source: 'Nr', field: 'customerNo', required: true },
    { source: 'Name', field: 'name', required: true },
  ],
};

let dir = '';

/**
 * A file of `rows` rows with distinct keys of KEY_CHARS characters, in descending order: every
 * key is below the ones before it, so the index cannot tell new keys by order and works with
 * its filter (the costlier way; an ascending file needs no filter).
 */
async function writeExport(path: string, rows: number): Promise<void> {
  const pad = 'k'.repeat(KEY_CHARS - 12);
  const lines = ['Nr;Name'];
  for (let i = rows; i > 0; i--) {
    lines.push(`${pad}${String(i).padStart(12, '0')};Customer ${i}`);
  }
  await writeFile(path, `${lines.join('\n')}\n`);
}

function importInChild(csv: string): Promise<ChildImportResult> {
  return runInChild(dir, csv, {
    format: FORMAT,
    maxMemoryKeys: MAX_MEMORY_KEYS,
  });
}

beforeAll(async () => {
  requireDist();
  dir = await makeTempDir('many-keys-');
  await writeExport(join(dir, 'n.csv'), N);
  await writeExport(join(dir, '4n.csv'), 4 * N);
}, 60_000);

afterAll(async () => {
  if (dir !== '') {
    await rm(dir, { recursive: true, force: true });
  }
});

describe('a file with many distinct keys', () => {
  it(`keeps the peak RSS of 4N keys within ${MAX_GROWTH_MB} MB of N keys`, async () => {
    const small = await importInChild('n.csv');
    const large = await importInChild('4n.csv');
    expect(small).toMatchObject({ status: 'imported', read: N, inserted: N });
    expect(large).toMatchObject({
      status: 'imported',
      read: 4 * N,
      inserted: 4 * N,
    });
    expectFlatPeak(
      'many-keys test',
      {
        small: `${N} keys`,
        large: `${4 * N} keys of ${KEY_CHARS} characters`,
      },
      small,
      large,
      MAX_GROWTH_MB,
    );
  }, 120_000);
});
