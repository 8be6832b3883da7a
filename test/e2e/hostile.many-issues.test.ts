import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectFlatPeak,
  importInChild,
  requireDist,
  type ChildImportResult,
} from '../helpers/child-import.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * Memory stays flat however many row issues a file has: a run keeps a budget of issues in
 * memory and writes the rest to a temporary file (src/pipeline/row-issue-log.ts). An export that
 * repeats every customer (one line per contact, say) with `duplicateKeys: last-wins` has a
 * warning for both lines of every repeat, so as many issues as rows. The compiled library
 * imports N = 50 000 and 4N = 200 000 such rows in child processes (helpers/child-import.ts)
 * with a budget of 5 000 issues; the peak resident set of the 4N run must stay within MAX_GROWTH_MB
 * of the N run. (Measured on 2026-12-07: +8 to +11 MB in three pairs; with the budget lifted,
 * +78 to +82 MB. A 1 000 000-row export with 1 000 000 issues peaked at 822 MB before the
 * issues could leave memory, 238 MB since.) Takes 15-30 s.
 */

const N = 50_000;
const MAX_MEMORY_ISSUES = 5_000;
const MAX_GROWTH_MB = 45;
const FORMAT = {
  id: 'many-issues',
  type: 'delimited',
  delimiter: ';',
  encoding: 'utf-8',
  duplicateKeys: 'last-wins',
  columns: [
    { source: 'Nr', field: 'customerNo', required: true },
    { source: 'Name', field: 'name', required: true },
  ],
};

let dir = '';

/**
 * `rows` rows: customers 1 … rows/2, then each of them again with another name. Names are long
 * enough that both files are over 4 MiB and so both read in the parse thread (a second V8 heap):
 * otherwise only the larger one would be, and that alone grows the peak by about 50 MB.
 */
async function writeExport(path: string, rows: number): Promise<void> {
  const lines = ['Nr;Name'];
  const pad = 'n'.repeat(80);
  for (let i = 0; i < rows; i++) {
    const customer = (i % (rows / 2)) + 1;
    lines.push(
      `K${String(customer).padStart(9, '0')};Customer ${customer} ${pad} (${i})`,
    );
  }
  await writeFile(path, `${lines.join('\n')}\n`);
}

function run(csv: string): Promise<ChildImportResult> {
  return importInChild(dir, csv, {
    format: FORMAT,
    maxMemoryIssues: MAX_MEMORY_ISSUES,
  });
}

beforeAll(async () => {
  requireDist();
  dir = await makeTempDir('many-issues-');
  await writeExport(join(dir, 'n.csv'), N);
  await writeExport(join(dir, '4n.csv'), 4 * N);
}, 60_000);

afterAll(async () => {
  if (dir !== '') {
    await rm(dir, { recursive: true, force: true });
  }
});

describe('a file with a row issue on every row', () => {
  it(`keeps the peak RSS of 4N issues within ${MAX_GROWTH_MB} MB of N issues`, async () => {
    const small = await run('n.csv');
    const large = await run('4n.csv');
    expect(small).toMatchObject({
      status: 'imported',
      read: N,
      inserted: N / 2,
      warnings: N / 2,
      issues: N,
    });
    expect(large).toMatchObject({
      status: 'imported',
      read: 4 * N,
      inserted: 2 * N,
      warnings: 2 * N,
      issues: 4 * N,
    });
    expectFlatPeak(
      'many-issues test',
      { small: `${N} issues`, large: `${4 * N}` },
      small,
      large,
      MAX_GROWTH_MB,
    );
  }, 120_000);
});
