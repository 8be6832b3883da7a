import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as XLSX from 'xlsx';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { corpusPath } from '../helpers/corpus.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import {
  TEST_CONFIG_YAML,
  runCli,
  runCliJson,
  writeTree,
} from '../helpers/run-cli.js';

/**
 * Excel exports end to end through `customer-import import`: workbooks written with SheetJS in
 * the test (two sheets, a title block above the header, blank rows, typed cells, formulas, the
 * 1900 and 1904 date systems), then the stored customers read back through the CLI.
 */

type SheetCell = XLSX.CellObject | null;

const s = (v: string): XLSX.CellObject => ({ t: 's', v });
const n = (v: number, z?: string): XLSX.CellObject =>
  z === undefined ? { t: 'n', v } : { t: 'n', v, z };
/** A formula with its cached value: what Excel saves, and all we read. */
const f = (formula: string, v: number | string): XLSX.CellObject =>
  typeof v === 'number' ? { t: 'n', v, f: formula } : { t: 's', v, f: formula };

function sheetFromRows(rows: SheetCell[][]): XLSX.WorkSheet {
  const sheet: XLSX.WorkSheet = {};
  let maxCol = 0;
  rows.forEach((row, r) => {
    row.forEach((cell, c) => {
      if (cell !== null) {
        sheet[XLSX.utils.encode_cell({ r, c })] = cell;
        maxCol = Math.max(maxCol, c);
      }
    });
  });
  sheet['!ref'] = XLSX.utils.encode_range({
    s: { r: 0, c: 0 },
    e: { r: rows.length - 1, c: maxCol },
  });
  return sheet;
}

function workbook(
  sheets: Record<string, SheetCell[][]>,
  options: { date1904?: boolean } = {},
): Buffer {
  const book = XLSX.utils.book_new();
  for (const [name, rows] of Object.entries(sheets)) {
    XLSX.utils.book_append_sheet(book, sheetFromRows(rows), name);
  }
  if (options.date1904) {
    book.Workbook = {
      ...book.Workbook,
      WBProps: { ...book.Workbook?.WBProps, date1904: true },
    };
  }
  return XLSX.write(book, {
    type: 'buffer',
    bookType: 'xlsx',
    compression: true,
  }) as Buffer;
}

const HEADER_ROW: SheetCell[] = [
  s('Kundennr'),
  s('Name'),
  s('PLZ'),
  s('Kreditlimit'),
  s('Kunde seit'),
  s('Saldo'),
  s('Ort'),
];

// Serial 43831 is 2020-01-01 and 45351 is 2024-02-29 in the 1900 date system; the same days are
// 1462 lower in the 1904 system.
const ROWS_1900: SheetCell[][] = [
  [s('Kundenliste'), null, null],
  [s('Exportiert aus dem ERP, bitte nicht ändern')],
  [],
  HEADER_ROW,
  [
    s('00123'),
    s('Alpha GmbH'),
    s('01067'),
    n(0.1 + 0.2),
    n(43831, 'dd.mm.yyyy'),
    f('2*50', 100),
    f('UPPER("dresden")', 'DRESDEN'),
  ],
  [],
  [null, s('   '), null],
  [
    s('00456'),
    s('Beta AG'),
    s('08001'),
    n(1234.56),
    n(45351, 'yyyy-mm-dd'),
    n(-17.125),
    s('Zwickau'),
  ],
];

const XLSX_FORMAT = (id: string, sheet: string | number): string => `
id: ${id}
type: xlsx
sheet: ${typeof sheet === 'number' ? sheet : JSON.stringify(sheet)}
headerRow: 4
key: customerNo
onInvalidRows:
  maxSkippedRows: 5
columns:
  - { source: Kundennr, field: customerNo, required: true }
  - { source: Name, field: name, required: true }
  - { source: PLZ, field: postalCode }
  - { source: Kreditlimit, field: creditLimit, type: decimal }
  - { source: Kunde seit, field: customerSince, type: date }
  - { source: Saldo, field: balance, type: decimal }
  - { source: Ort, field: city }
`;

interface ImportJson {
  runId: number | null;
  status: string;
  outcome: string;
  read: number;
  inserted: number;
  skipped: number;
  error: { code: string; message: string } | null;
  updated?: number;
  unchanged?: number;
  errors: {
    line: number;
    column: string | null;
    cell?: string;
    value: string | null;
    message: string;
    code: string;
  }[];
  reportFile: string | null;
}

let dir: string;

beforeEach(async () => {
  dir = await makeTempDir('file-types-xlsx-');
  await writeTree(dir, {
    'customer-import.config.yaml': TEST_CONFIG_YAML,
    'formats/by-name.yaml': XLSX_FORMAT('by-name', 'Kunden'),
    'formats/by-index.yaml': XLSX_FORMAT('by-index', 2),
  });
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function importJson(file: string, format: string) {
  return runCliJson<ImportJson>(['import', file, '--format', format], {
    cwd: dir,
  });
}

async function stored(key: string): Promise<Record<string, unknown>> {
  const result = await runCliJson<{
    customer: { data: Record<string, unknown> };
  }>(['customers', 'show', key], { cwd: dir });
  expect(result.code).toBe(0);
  return result.json.customer.data;
}

describe('import: an Excel export (type: xlsx)', () => {
  it('reads the sheet by name, header on row 4, skipping blank rows, with typed values stored exactly', async () => {
    await writeFile(
      join(dir, 'kunden.xlsx'),
      workbook({ Hinweise: [[s('Kundennr')], [s('X-1')]], Kunden: ROWS_1900 }),
    );
    const { code, json } = await importJson('kunden.xlsx', 'by-name');
    expect(json.error).toBeNull();
    expect(code).toBe(0);
    expect(json).toMatchObject({
      outcome: 'imported',
      read: 2,
      inserted: 2,
      skipped: 0,
    });

    expect(await stored('00123')).toMatchObject({
      customerNo: '00123',
      name: 'Alpha GmbH',
      postalCode: '01067',
      creditLimit: 0.3,
      customerSince: '2020-01-01',
      balance: 100,
      city: 'DRESDEN',
    });
    expect(await stored('00456')).toMatchObject({
      postalCode: '08001',
      creditLimit: 1234.56,
      customerSince: '2024-02-29',
      balance: -17.125,
    });
    // No float noise anywhere in what the CLI prints from the store.
    const list = await runCli(['customers', 'list', '--json'], { cwd: dir });
    expect(list.stdout).not.toMatch(/0\.30000000000000004|\d\.\d{15,}/);
  });

  it('reads the same sheet by its 1-based index', async () => {
    await writeFile(
      join(dir, 'kunden.xlsx'),
      workbook({ Hinweise: [[s('Kundennr')], [s('X-1')]], Kunden: ROWS_1900 }),
    );
    const { code, json } = await importJson('kunden.xlsx', 'by-index');
    expect(code).toBe(0);
    expect(json).toMatchObject({ read: 2, inserted: 2 });
    expect(await stored('00123')).toMatchObject({ postalCode: '01067' });
  });

  it('stores the right calendar dates from a workbook in the 1904 date system', async () => {
    const rows1904 = ROWS_1900.map((row) =>
      row.map((cell) =>
        cell?.t === 'n' &&
        typeof cell.z === 'string' &&
        typeof cell.v === 'number'
          ? n(cell.v - 1462, cell.z)
          : cell,
      ),
    );
    await writeFile(
      join(dir, 'mac.xlsx'),
      workbook({ Deckblatt: [[s('x')]], Kunden: rows1904 }, { date1904: true }),
    );
    const { code, json } = await importJson('mac.xlsx', 'by-name');
    expect(code).toBe(0);
    expect(json.read).toBe(2);
    expect((await stored('00123'))['customerSince']).toBe('2020-01-01');
    expect((await stored('00456'))['customerSince']).toBe('2024-02-29');
  });

  it('names the sheet, the cell address and the value of a bad cell, in --json, the text summary and the report', async () => {
    const rows: SheetCell[][] = [...ROWS_1900];
    // Rows 9..16 are good, row 17 holds text where the credit limit should be.
    for (let r = 9; r <= 16; r++) {
      rows.push([s(`K${r}`), s(`Kunde ${r}`), null, n(r)]);
    }
    rows.push([s('K17'), s('Kunde 17'), null, s('zwölf')]);
    await writeFile(
      join(dir, 'bad.xlsx'),
      workbook({ Hinweise: [[s('-')]], Kunden: rows }),
    );
    const { code, json } = await importJson('bad.xlsx', 'by-name');
    expect(code).toBe(0);
    expect(json).toMatchObject({ outcome: 'partial', skipped: 1 });
    const issue = json.errors.find((e) => e.line === 17);
    expect(issue).toMatchObject({
      column: 'Kreditlimit',
      cell: 'D17',
      value: 'zwölf',
      code: 'INVALID_NUMBER',
    });
    expect(issue?.message).toContain("sheet 'Kunden'");

    const text = await runCli(
      ['import', 'bad.xlsx', '--format', 'by-name', '--force'],
      { cwd: dir },
    );
    expect(text.stdout).toContain('line 17, cell D17, column Kreditlimit');
    expect(text.stdout).toContain("sheet 'Kunden'");
    const report = await readFile(join(dir, 'bad.xlsx.errors.csv'), 'utf8');
    expect(report).toMatch(
      /^\uFEFFline,column,cell,value,code,severity,message\r\n/,
    );
    expect(report).toContain('17,Kreditlimit,D17,zwölf,INVALID_NUMBER,error,');
    expect(report).toContain("sheet 'Kunden'");
  });

  it('reports an Excel error cell (#N/A) with sheet and address and skips only that row', async () => {
    const rows: SheetCell[][] = [
      ...ROWS_1900,
      [
        s('00789'),
        s('Gamma KG'),
        null,
        { t: 'e', v: 0x2a, f: 'VLOOKUP(A9,X:Y,2,0)' },
      ],
    ];
    await writeFile(
      join(dir, 'na.xlsx'),
      workbook({ Hinweise: [[s('-')]], Kunden: rows }),
    );
    const { code, json } = await importJson('na.xlsx', 'by-name');
    expect(code).toBe(0);
    expect(json).toMatchObject({ read: 3, inserted: 2, skipped: 1 });
    expect(json.errors).toEqual([
      expect.objectContaining({
        line: 9,
        cell: 'D9',
        value: '#N/A',
        column: 'Kreditlimit',
        message: expect.stringContaining("sheet 'Kunden'") as unknown,
      }),
    ]);
  });

  it('fails the file, naming the sheets it has, when the configured sheet is missing', async () => {
    await writeFile(join(dir, 'one.xlsx'), workbook({ Tabelle1: ROWS_1900 }));
    const { code, json } = await importJson('one.xlsx', 'by-name');
    expect(code).toBe(1);
    expect(json.error).toMatchObject({ code: 'PARSE_FAILED' });
    expect(json.error?.message).toBe(
      "'one.xlsx' has no sheet 'Kunden'; its sheets are: 'Tabelle1'",
    );
  });
});

describe('import: the shared corpus workbooks', () => {
  const USERS = `
id: users
type: xlsx
key: email
columns:
  - { source: email, field: email, type: email, required: true }
  - { source: name, field: name, required: true }
`;

  it('imports laravel-excel users with a header on row 1 and on row 4', async () => {
    await writeTree(dir, {
      'formats/users.yaml': USERS,
      'formats/users-row4.yaml': `${USERS.replace('id: users', 'id: users-row4')}headerRow: 4\n`,
    });
    const a = await importJson(
      corpusPath('xlsx', 'laravel-excel', 'import-users-with-headings.xlsx'),
      'users',
    );
    expect(a.code).toBe(0);
    expect(a.json).toMatchObject({ read: 2, inserted: 2 });
    const b = await importJson(
      corpusPath(
        'xlsx',
        'laravel-excel',
        'import-users-with-different-heading-row.xlsx',
      ),
      'users-row4',
    );
    expect(b.code).toBe(0);
    expect(b.json).toMatchObject({ read: 2, inserted: 0, unchanged: 2 });
    expect(await stored('taylor@laravel.com')).toMatchObject({
      email: 'taylor@laravel.com',
      name: 'Taylor Otwell',
    });
  });

  it('reports the same e-mail twice in import-users-with-duplicates (no header row) as warnings, last row winning', async () => {
    await writeTree(dir, {
      'formats/users-plain.yaml': `
id: users-plain
type: xlsx
header: false
key: email
columns:
  - { source: 2, field: email, type: email, required: true }
  - { source: 1, field: name, required: true }
`,
    });
    const { code, json } = await importJson(
      corpusPath('xlsx', 'laravel-excel', 'import-users-with-duplicates.xlsx'),
      'users-plain',
    );
    expect(code).toBe(0);
    expect(
      json.errors.filter((e) => e.code === 'DUPLICATE_KEY').map((e) => e.line),
    ).toEqual([1, 2]);
    expect(await stored('patrick@maatwebsite.nl')).toMatchObject({
      name: 'Patrick Brouwers 2',
    });
  });

  it('picks the second sheet by index (import-multiple-sheets.xlsx)', async () => {
    await writeTree(dir, {
      'formats/second.yaml': `
id: second
type: xlsx
sheet: 2
header: false
key: customerNo
columns:
  - { source: 1, field: customerNo, required: true }
  - { source: 2, field: name }
`,
    });
    const { code, json } = await importJson(
      corpusPath('xlsx', 'laravel-excel', 'import-multiple-sheets.xlsx'),
      'second',
    );
    expect(code).toBe(0);
    expect(json.inserted).toBe(2);
    expect(await stored('2.A1')).toMatchObject({
      customerNo: '2.A1',
      name: '2.B1',
    });
  });

  it('reads dates in the 1900 and the 1904 system (calamine date.xlsx, date_1904.xlsx) as the same days', async () => {
    await writeTree(dir, {
      'formats/dates.yaml': `
id: dates
type: xlsx
header: false
key: customerNo
columns:
  - { source: 2, field: customerNo, required: true }
  - { source: 1, field: customerSince, type: date }
`,
    });
    const a = await importJson(
      corpusPath('xlsx', 'calamine', 'date.xlsx'),
      'dates',
    );
    expect(a.code).toBe(0);
    expect(await stored('15')).toMatchObject({ customerSince: '2021-01-01' });
    expect(await stored('16')).toMatchObject({ customerSince: '2021-01-02' });
    // The 1904 file stores 1462 less for the same days: nothing changes for rows 15 and 16.
    // Row 17 is a duration (10.6 days), which lands 4 years apart in the two systems.
    const b = await importJson(
      corpusPath('xlsx', 'calamine', 'date_1904.xlsx'),
      'dates',
    );
    expect(b.code).toBe(0);
    expect(b.json).toMatchObject({
      read: 3,
      inserted: 0,
      updated: 1,
      unchanged: 2,
    });
    expect(await stored('15')).toMatchObject({ customerSince: '2021-01-01' });
  });

  it('takes a formula by its cached value (import-formulas.xlsx: =1+1 stored as 2)', async () => {
    await writeTree(dir, {
      'formats/formulas.yaml': `
id: formulas
type: xlsx
header: false
key: customerNo
columns:
  - { source: 1, field: customerNo, required: true }
`,
    });
    const { code, json } = await importJson(
      corpusPath('xlsx', 'laravel-excel', 'import-formulas.xlsx'),
      'formulas',
    );
    expect(json.error).toBeNull();
    expect(code).toBe(0);
    expect(await stored('2')).toMatchObject({ customerNo: '2' });
  });

  it('rejects the password-protected workbook with a clear message and exit code 1', async () => {
    await writeTree(dir, { 'formats/users.yaml': USERS });
    const { code, json } = await importJson(
      corpusPath('xlsx', 'calamine', 'pass_protected.xlsx'),
      'users',
    );
    expect(code).toBe(1);
    expect(json.error?.code).toBe('PARSE_FAILED');
    expect(json.error?.message).toContain('password-protected');
  });
});
