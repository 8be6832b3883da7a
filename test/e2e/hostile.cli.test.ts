import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as XLSX from 'xlsx';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/temp-dir.js';
import {
  TEST_CONFIG_YAML,
  runCli,
  runCliJson,
  writeTree,
} from '../helpers/run-cli.js';
import { zipBomb } from '../helpers/zip-bomb.js';

/**
 * Files that try to break us, through `customer-import import`. Each hostile file must give a
 * clear message naming the file (and line, column or value where they apply), exit code 1, and
 * leave the customers exactly as they were: the only trace is one more run, recorded as failed.
 */

const CONFIG = `${TEST_CONFIG_YAML}
excel:
  maxHeapMb: 64
  timeoutSeconds: 30
`;

const CSV_FORMAT = `
id: csv
type: delimited
delimiter: ","
onInvalidRows:
  maxSkippedRows: 0
columns:
  - { source: customerNo, field: customerNo, required: true }
  - { source: name, field: name, required: true }
  - { source: city, field: city }
`;

const XLSX_FORMAT = `
id: xl
type: xlsx
columns:
  - { source: customerNo, field: customerNo, required: true }
  - { source: name, field: name, required: true }
`;

const GOOD_CSV =
  'customerNo,name,city\r\nK1,Alpha GmbH,Bonn\r\nK2,Beta AG,Köln\r\n';

interface ImportJson {
  runId: number | null;
  status: string;
  outcome: string;
  read: number;
  inserted: number;
  skipped: number;
  error: { code: string; message: string } | null;
  errors: {
    line: number;
    column: string | null;
    value: string | null;
    message: string;
    code: string;
  }[];
}

interface RunJson {
  id: number;
  status: string;
  file: string;
  counts?: { inserted: number; updated: number };
}

let dir: string;

beforeEach(async () => {
  dir = await makeTempDir('hostile-cli-');
  await writeTree(dir, {
    'customer-import.config.yaml': CONFIG,
    'formats/csv.yaml': CSV_FORMAT,
    'formats/xl.yaml': XLSX_FORMAT,
    'good.csv': GOOD_CSV,
  });
  const first = await runCliJson<ImportJson>(
    ['import', 'good.csv', '--format', 'csv'],
    { cwd: dir },
  );
  expect(first.json).toMatchObject({ outcome: 'imported', inserted: 2 });
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function snapshot(): Promise<{ customers: string; runs: RunJson[] }> {
  const customers = await runCli(['customers', 'list', '--json'], { cwd: dir });
  const runs = await runCliJson<RunJson[]>(['runs', 'list'], { cwd: dir });
  return { customers: customers.stdout, runs: runs.json };
}

/**
 * Imports `name` and checks the hostile-file contract: exit 1, the error, customers unchanged,
 * earlier runs unchanged and one failed run more. Returns the error for further checks.
 */
async function expectRejected(
  name: string,
  format: string,
  code: string,
): Promise<ImportJson> {
  const before = await snapshot();
  const {
    code: exitCode,
    json,
    stderr,
  } = await runCliJson<ImportJson>(['import', name, '--format', format], {
    cwd: dir,
  });
  expect(json.error, stderr).not.toBeNull();
  expect(json.error?.code).toBe(code);
  expect(json.error?.message).toContain(name);
  expect(exitCode).toBe(1);
  expect(json).toMatchObject({
    status: 'failed',
    outcome: 'rejected',
    inserted: 0,
  });

  const after = await snapshot();
  expect(after.customers).toBe(before.customers);
  const newRuns = after.runs.filter(
    (r) => !before.runs.some((b) => b.id === r.id),
  );
  expect(newRuns).toHaveLength(1);
  expect(newRuns[0]).toMatchObject({ status: 'failed' });
  expect(after.runs.filter((r) => r.id !== newRuns[0]?.id)).toEqual(
    before.runs,
  );

  // The text summary says the same, for people.
  const text = await runCli(['import', name, '--format', format], { cwd: dir });
  expect(text.code).toBe(1);
  expect(text.stdout).toContain(`FAILED: ${name} was not imported`);
  expect(text.stdout).toContain('nothing was written');
  return json;
}

function realWorkbook(): Buffer {
  const book = XLSX.utils.book_new();
  XLSX.utils.book_append_sheet(
    book,
    XLSX.utils.aoa_to_sheet([
      ['customerNo', 'name'],
      ['K9', 'Gamma'],
    ]),
    'Kunden',
  );
  return XLSX.write(book, {
    type: 'buffer',
    bookType: 'xlsx',
    compression: true,
  }) as Buffer;
}

// -------------------------------------------------------------------------------------------

describe('import: hostile and broken files leave the database as it was', () => {
  it('a zip bomb disguised as .xlsx hits the worker heap limit', async () => {
    const bomb = zipBomb(64);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    await writeFile(join(dir, 'kunden.xlsx'), bomb);
    const json = await expectRejected('kunden.xlsx', 'xl', 'RESOURCE_LIMIT');
    expect(json.error?.message).toBe(
      "Workbook 'kunden.xlsx' needs more than 64 MB to read; raise excel.maxHeapMb or split the workbook",
    );
    // The process survived the worker's death: a real workbook still imports.
    await writeFile(join(dir, 'real.xlsx'), realWorkbook());
    const ok = await runCliJson<ImportJson>(
      ['import', 'real.xlsx', '--format', 'xl'],
      { cwd: dir },
    );
    expect(ok).toMatchObject({ code: 0, json: { inserted: 1 } });
  });

  it('an .xlsx that is really a text file', async () => {
    await writeFile(join(dir, 'export.xlsx'), 'customerNo;name\r\nK1;Evil\r\n');
    const json = await expectRejected('export.xlsx', 'xl', 'PARSE_FAILED');
    expect(json.error?.message).toBe(
      "'export.xlsx' is not an Excel workbook (xlsx or xls)",
    );
  });

  it('a .txt that is really a zip (a workbook renamed)', async () => {
    await writeFile(join(dir, 'customers.txt'), realWorkbook());
    const json = await expectRejected('customers.txt', 'csv', 'PARSE_FAILED');
    expect(json.error?.message).toContain(
      "'customers.txt' is a binary file, not text",
    );
    expect(json.error?.message).toContain(
      'it looks like a ZIP archive (an .xlsx workbook?)',
    );
  });

  it('a .txt that is really binary data', async () => {
    const bytes = Buffer.alloc(4096);
    for (let i = 0; i < bytes.length; i++) {
      bytes[i] = (i * 7919 + 13) % 256;
    }
    await writeFile(join(dir, 'binary.txt'), bytes);
    const json = await expectRejected('binary.txt', 'csv', 'PARSE_FAILED');
    expect(json.error?.message).toContain(
      "'binary.txt' is a binary file, not text",
    );
  });

  it('NUL bytes in the middle of a text file, naming the line', async () => {
    const text = `${GOOD_CSV}K3,Gam\u0000ma,Bonn\r\nK4,Delta,Bonn\r\n`;
    await writeFile(join(dir, 'nul.csv'), text);
    const json = await expectRejected('nul.csv', 'csv', 'PARSE_FAILED');
    expect(json.error?.message).toMatch(
      /^'nul\.csv' is a binary file, not text: it contains a NUL byte at byte offset \d+ \(line 4\)/,
    );
  });

  it('an unterminated quote in the first row that would swallow the rest of the file', async () => {
    const rows = Array.from(
      { length: 500 },
      (_, i) => `K${i + 10},Kunde ${i},Bonn`,
    );
    await writeFile(
      join(dir, 'quote.csv'),
      `customerNo,name,city\r\nK3,"Gamma, unterminated,Bonn\r\n${rows.join('\r\n')}\r\n`,
    );
    const json = await expectRejected('quote.csv', 'csv', 'PARSE_FAILED');
    expect(json.error?.message).toBe(
      "'quote.csv': the quote opened on line 2 is never closed, so the rest of the file would be read as one value. " +
        'Fix the quoting in the export (a quote inside a quoted value must be doubled)',
    );
  });

  it('an unterminated quote in a file larger than the record limit stops at the limit', async () => {
    const rows = Array.from(
      { length: 40_000 },
      (_, i) => `K${i + 10},Kunde ${i} mit einem längeren Namen,Bonn`,
    );
    await writeFile(
      join(dir, 'big-quote.csv'),
      `customerNo,name,city\r\nK3,"Gamma,Bonn\r\n${rows.join('\r\n')}\r\n`,
    );
    const json = await expectRejected('big-quote.csv', 'csv', 'PARSE_FAILED');
    expect(json.error?.message).toContain(
      'the quote opened on line 2 is never closed (not within 1,000,000 characters)',
    );
  });
});

describe('import: hostile values are stored as plain data', () => {
  it('stores prototype-pollution header names and cell values as plain attributes; Object.prototype stays clean', async () => {
    await writeTree(dir, {
      'formats/proto.yaml': `
id: proto
type: delimited
delimiter: ","
unmappedColumns: attributes
columns:
  - { source: customerNo, field: customerNo, required: true }
  - { source: name, field: name, required: true }
`,
    });
    await writeFile(
      join(dir, 'proto.csv'),
      [
        'customerNo,name,__proto__,constructor,prototype,hasOwnProperty',
        '__proto__,constructor,{"polluted":1},prototype,__proto__,toString',
        'constructor,__proto__,x,y,z,w',
      ].join('\r\n'),
    );
    const { code, json, stderr } = await runCliJson<ImportJson>(
      ['import', 'proto.csv', '--format', 'proto'],
      { cwd: dir },
    );
    expect(json.error, stderr).toBeNull();
    expect(code).toBe(0);
    expect(json).toMatchObject({ read: 2, inserted: 2 });

    const show = await runCliJson<{
      customer: { key: string; data: Record<string, unknown> };
    }>(['customers', 'show', '__proto__'], {
      cwd: dir,
    });
    expect(show.code).toBe(0);
    expect(show.json.customer.key).toBe('__proto__');
    expect(Object.entries(show.json.customer.data)).toEqual(
      expect.arrayContaining([
        ['customerNo', '__proto__'],
        ['name', 'constructor'],
        ['attributes.__proto__', '{"polluted":1}'],
        ['attributes.constructor', 'prototype'],
        ['attributes.prototype', '__proto__'],
        ['attributes.hasOwnProperty', 'toString'],
      ]),
    );
    const other = await runCliJson<{
      customer: { data: Record<string, unknown> };
    }>(['customers', 'show', 'constructor'], { cwd: dir });
    expect(other.json.customer.data['name']).toBe('__proto__');
    const probe: Record<string, unknown> = {};
    expect(probe['polluted']).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain(
      'polluted',
    );
    expect(typeof ({} as { constructor: unknown }).constructor).toBe(
      'function',
    );
  });

  it('does the same for a workbook whose header cells are __proto__, constructor and prototype', async () => {
    await writeTree(dir, {
      'formats/proto-xl.yaml': `
id: proto-xl
type: xlsx
unmappedColumns: attributes
columns:
  - { source: customerNo, field: customerNo, required: true }
  - { source: name, field: name, required: true }
`,
    });
    const book = XLSX.utils.book_new();
    XLSX.utils.book_append_sheet(
      book,
      XLSX.utils.aoa_to_sheet([
        ['customerNo', 'name', '__proto__', 'constructor', 'prototype'],
        ['prototype', '__proto__', '{"polluted":1}', 'toString', 'valueOf'],
      ]),
      'Kunden',
    );
    await writeFile(
      join(dir, 'proto.xlsx'),
      XLSX.write(book, { type: 'buffer', bookType: 'xlsx' }) as Buffer,
    );
    const { code, json } = await runCliJson<ImportJson>(
      ['import', 'proto.xlsx', '--format', 'proto-xl'],
      { cwd: dir },
    );
    expect(code).toBe(0);
    expect(json.inserted).toBe(1);
    const show = await runCliJson<{
      customer: { data: Record<string, unknown> };
    }>(['customers', 'show', 'prototype'], { cwd: dir });
    expect(Object.entries(show.json.customer.data)).toEqual(
      expect.arrayContaining([
        ['name', '__proto__'],
        ['attributes.__proto__', '{"polluted":1}'],
        ['attributes.constructor', 'toString'],
        ['attributes.prototype', 'valueOf'],
      ]),
    );
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('stores CSV-injection values as text and neutralises them in the errors report, byte for byte', async () => {
    await writeTree(dir, {
      'formats/inject.yaml': `
id: inject
type: delimited
delimiter: ";"
columns:
  - { source: customerNo, field: customerNo, required: true }
  - { source: name, field: name, required: true }
  - { source: city, field: city }
  - { source: email, field: email, type: email }
  - { source: limit, field: creditLimit, type: decimal }
`,
    });
    await writeFile(
      join(dir, 'inject.csv'),
      [
        'customerNo;name;city;email;limit',
        'K5;=HYPERLINK("http://x");+1;;1',
        'K6;-1+1;@SUM(A1);;2',
        'K7;Ok;Bonn;=HYPERLINK("http://x");-1+1',
        'K8;Ok;Bonn;@SUM(A1);3',
        '=1+1;+1;Bonn;;4',
      ].join('\n'),
    );
    const { code, json } = await runCliJson<ImportJson>(
      ['import', 'inject.csv', '--format', 'inject'],
      { cwd: dir },
    );
    expect(code).toBe(0);
    expect(json).toMatchObject({ read: 5, inserted: 3, skipped: 2 });
    const data = async (key: string) =>
      (
        await runCliJson<{ customer: { data: Record<string, unknown> } }>(
          ['customers', 'show', key],
          { cwd: dir },
        )
      ).json.customer.data;
    expect(await data('K5')).toMatchObject({
      name: '=HYPERLINK("http://x")',
      city: '+1',
    });
    expect(await data('K6')).toMatchObject({ name: '-1+1', city: '@SUM(A1)' });
    expect(await data('=1+1')).toMatchObject({ name: '+1', creditLimit: 4 });
    expect(json.errors.map((e) => [e.line, e.column, e.value])).toEqual([
      [4, 'email', '=HYPERLINK("http://x")'],
      [4, 'limit', '-1+1'],
      [5, 'email', '@SUM(A1)'],
    ]);

    const bytes = await readFile(join(dir, 'inject.csv.errors.csv'));
    const text = bytes.toString('utf8');
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    // Every field of every line: none starts with a formula character, quoted or not.
    const fields = text
      .slice(1)
      .split('\r\n')
      .filter((l) => l !== '')
      .flatMap((line) => line.match(/("([^"]|"")*"|[^,]*)(,|$)/g) ?? [])
      .map((f) => f.replace(/,$/, '').replace(/^"/, ''));
    expect(fields.filter((f) => /^[=+\-@\t\r]/.test(f))).toEqual([]);
    expect(text).toContain(`"'=HYPERLINK(""http://x"")"`);
    expect(text).toContain("'@SUM(A1)");
  });
});
