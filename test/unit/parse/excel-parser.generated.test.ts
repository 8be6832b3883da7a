import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as XLSX from 'xlsx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors.js';
import {
  FormatDefinitionSchema,
  type FormatDefinitionInput,
} from '../../../src/formats/format-definition.js';
import { ExcelParser, cellRef } from '../../../src/parse/excel-parser.js';
import type { ParsedFile, RawRow } from '../../../src/parse/parser.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { rm } from 'node:fs/promises';

// Workbooks are written with SheetJS here, cell by cell, so each test states exactly what the
// file holds: typed cells, a date format on serials (as Excel stores dates), formulas with
// cached values and error cells.

type SheetCell = XLSX.CellObject | null;

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
    e: { r: Math.max(0, rows.length - 1), c: maxCol },
  });
  return sheet;
}

const s = (v: string): XLSX.CellObject => ({ t: 's', v });
const n = (v: number, z?: string): XLSX.CellObject =>
  z === undefined ? { t: 'n', v } : { t: 'n', v, z };
const b = (v: boolean): XLSX.CellObject => ({ t: 'b', v });

async function writeWorkbook(
  path: string,
  sheets: Record<string, SheetCell[][]>,
): Promise<void> {
  const book = XLSX.utils.book_new();
  for (const [name, rows] of Object.entries(sheets)) {
    XLSX.utils.book_append_sheet(book, sheetFromRows(rows), name);
  }
  await writeFile(
    path,
    XLSX.write(book, {
      type: 'buffer',
      bookType: 'xlsx',
      compression: true,
    }) as Buffer,
  );
}

function xlsxFormat(
  overrides: Partial<Extract<FormatDefinitionInput, { type: 'xlsx' }>> = {},
) {
  return FormatDefinitionSchema.parse({
    type: 'xlsx',
    id: 'test-xlsx',
    columns: [{ field: 'customerNo', source: 'KdNr', required: true }],
    ...overrides,
  });
}

const parser = new ExcelParser({
  maxHeapMb: 256,
  timeoutSeconds: 60,
  maxFileBytes: 50 * 1024 * 1024,
});

async function readAll(
  parsed: ParsedFile,
): Promise<{ batches: RawRow[][]; rows: RawRow[] }> {
  const batches: RawRow[][] = [];
  try {
    for await (const batch of parsed.rows) {
      batches.push(batch);
    }
  } finally {
    await parsed.close();
  }
  return { batches, rows: batches.flat() };
}

let dir: string;
let customersPath: string;

// Serial 44197 is 2021-01-01 in the 1900 date system; .5 is noon.
const customerSheet: SheetCell[][] = [
  [s('Kundenexport'), null, null],
  [s('erstellt von ERP'), null, null],
  [],
  [
    s('KdNr'),
    s('Name'),
    s('PLZ'),
    s('Seit'),
    s('Geändert'),
    s('Saldo'),
    s('Gesperrt'),
    s('Doppelt'),
  ],
  [
    s('00123'),
    s('Müller GmbH'),
    s('01067'),
    n(44197, 'yyyy-mm-dd'),
    n(44197.5, 'yyyy-mm-dd hh:mm'),
    n(0.1 + 0.2),
    b(false),
    { t: 'n', v: 0.6, f: 'F5*2' },
  ],
  [],
  [
    s('00124'),
    s('Schmidt & Söhne'),
    null,
    n(36526, 'dd.mm.yyyy'),
    null,
    n(1234.5),
    b(true),
    { t: 'n', v: 2469, f: 'F7*2' },
  ],
  [null, s(''), null],
  [
    s('00125'),
    s('Dritte AG'),
    s('80331'),
    null,
    null,
    n(-17.125),
    null,
    { t: 'e', v: 0x2a, f: 'VLOOKUP(A9,X:Y,2,0)' },
  ],
];

beforeAll(async () => {
  dir = await makeTempDir('excel-generated-');
  customersPath = join(dir, 'kunden.xlsx');
  await writeWorkbook(customersPath, {
    Hinweise: [[s('Bitte nicht ändern')], [s('KdNr')], [s('X-1')]],
    Kunden: customerSheet,
  });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function open(
  path: string,
  format = xlsxFormat({ sheet: 'Kunden', headerRow: 4 }),
  batchSize = 100,
) {
  return parser.open({
    path,
    displayName: 'kunden.xlsx',
    sizeBytes: 0,
    format,
    batchSize,
  });
}

describe('ExcelParser on a generated workbook', () => {
  it('reads the header on row 4 and skips the rows above it and blank rows', async () => {
    const parsed = await open(customersPath);
    expect(parsed.header).toEqual([
      'KdNr',
      'Name',
      'PLZ',
      'Seit',
      'Geändert',
      'Saldo',
      'Gesperrt',
      'Doppelt',
    ]);
    const { rows } = await readAll(parsed);
    expect(rows.map((r) => r.line)).toEqual([5, 7, 9]);
  });

  it('types cells: text with leading zeros, dates at UTC midnight, rounded numbers, booleans, cached formula values', async () => {
    const { rows } = await readAll(await open(customersPath));
    const [first, second] = rows;
    expect(first?.cells).toEqual([
      '00123',
      'Müller GmbH',
      '01067',
      new Date('2021-01-01T00:00:00.000Z'),
      new Date('2021-01-01T12:00:00.000Z'),
      0.3,
      false,
      0.6,
    ]);
    expect(first?.issue).toBeUndefined();
    expect(second?.cells).toEqual([
      '00124',
      'Schmidt & Söhne',
      null,
      new Date('2000-01-01T00:00:00.000Z'),
      null,
      1234.5,
      true,
      2469,
    ]);
    // The validator reads the calendar date from the UTC components.
    const since = second?.cells[3];
    expect(
      since instanceof Date && [
        since.getUTCFullYear(),
        since.getUTCMonth(),
        since.getUTCDate(),
      ],
    ).toEqual([2000, 0, 1]);
  });

  it('turns an error cell into null with an INVALID_VALUE issue naming the cell and the error', async () => {
    const { rows } = await readAll(await open(customersPath));
    const third = rows[2];
    expect(third?.cells[7]).toBeNull();
    expect(third?.cells[0]).toBe('00125');
    expect(third?.cells[5]).toBe(-17.125);
    expect(third?.issue).toMatchObject({
      line: 9,
      column: 'Doppelt',
      cell: 'H9',
      value: '#N/A',
      code: 'INVALID_VALUE',
      severity: 'error',
    });
    expect(third?.issue?.message).toContain('H9');
    expect(third?.issue?.message).toContain('#N/A');
  });

  it('picks the sheet by 1-based index and by name regardless of case', async () => {
    const byIndex = await open(
      customersPath,
      xlsxFormat({ sheet: 2, headerRow: 4 }),
    );
    expect(byIndex.header?.[0]).toBe('KdNr');
    await byIndex.close();
    const byName = await open(
      customersPath,
      xlsxFormat({ sheet: 'kunden', headerRow: 4 }),
    );
    expect(byName.header?.[1]).toBe('Name');
    await byName.close();
    const first = await open(customersPath, xlsxFormat({ headerRow: 2 }));
    const { rows } = await readAll(first);
    expect(first.header).toEqual(['KdNr']);
    expect(rows).toEqual([{ line: 3, cells: ['X-1'] }]);
  });

  it('fails with PARSE_FAILED listing the sheets when the sheet does not exist', async () => {
    const byName = open(customersPath, xlsxFormat({ sheet: 'Debitoren' }));
    await expect(byName).rejects.toBeInstanceOf(AppError);
    await expect(byName).rejects.toMatchObject({ code: 'PARSE_FAILED' });
    await expect(byName).rejects.toThrow(
      "'kunden.xlsx' has no sheet 'Debitoren'; its sheets are: 'Hinweise', 'Kunden'",
    );
    await expect(open(customersPath, xlsxFormat({ sheet: 3 }))).rejects.toThrow(
      "'kunden.xlsx' has no sheet 3; it has 2 sheet(s): 'Hinweise', 'Kunden'",
    );
  });

  it('fails with PARSE_FAILED when the header row is empty', async () => {
    await expect(
      open(customersPath, xlsxFormat({ sheet: 'Kunden', headerRow: 3 })),
    ).rejects.toMatchObject({
      code: 'PARSE_FAILED',
      message: expect.stringContaining('Header row 3') as unknown,
    });
  });

  it('returns rows without a header when the format has none, starting at headerRow', async () => {
    const format = xlsxFormat({
      sheet: 'Kunden',
      header: false,
      headerRow: 5,
      columns: [{ field: 'customerNo', source: 1, required: true }],
    });
    const parsed = await open(customersPath, format);
    expect(parsed.header).toBeNull();
    const { rows } = await readAll(parsed);
    expect(rows.map((r) => r.cells[0])).toEqual(['00123', '00124', '00125']);
  });

  it('delivers rows in batches of the requested size and gives cell references', async () => {
    const path = join(dir, 'many.xlsx');
    const rows: SheetCell[][] = [[s('KdNr'), s('Name')]];
    for (let i = 1; i <= 25; i++) {
      rows.push([s(`K${i}`), s(`Name ${i}`)]);
    }
    await writeWorkbook(path, { Daten: rows });
    const parsed = await open(path, xlsxFormat(), 10);
    expect(parsed.cellRef?.(1, 17)).toBe('B17');
    const { batches } = await readAll(parsed);
    expect(batches.map((batch) => batch.length)).toEqual([10, 10, 5]);
    expect(batches[2]?.at(-1)).toEqual({ line: 26, cells: ['K25', 'Name 25'] });
  });

  it('treats __proto__ and constructor headers and cells as plain data', async () => {
    const path = join(dir, 'proto.xlsx');
    await writeWorkbook(path, {
      Sheet1: [
        [s('KdNr'), s('__proto__'), s('constructor'), s('prototype')],
        [
          s('__proto__'),
          s('{"polluted":true}'),
          s('constructor'),
          s('toString'),
        ],
      ],
    });
    const parsed = await open(path, xlsxFormat());
    expect(parsed.header).toEqual([
      'KdNr',
      '__proto__',
      'constructor',
      'prototype',
    ]);
    const { rows } = await readAll(parsed);
    expect(rows[0]?.cells).toEqual([
      '__proto__',
      '{"polluted":true}',
      'constructor',
      'toString',
    ]);
    expect(Object.keys(Object.prototype)).toEqual([]);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('stops the worker when the consumer stops early, and close() is safe to repeat', async () => {
    const parsed = await open(
      customersPath,
      xlsxFormat({ sheet: 'Kunden', headerRow: 4 }),
      1,
    );
    const seen: number[] = [];
    for await (const batch of parsed.rows) {
      seen.push(...batch.map((r) => r.line));
      break;
    }
    expect(seen).toEqual([5]);
    await parsed.close();
    await parsed.close();
  });
});

describe('cellRef', () => {
  it('names columns like Excel', () => {
    expect([
      cellRef(0, 1),
      cellRef(25, 2),
      cellRef(26, 3),
      cellRef(701, 4),
      cellRef(702, 5),
    ]).toEqual(['A1', 'Z2', 'AA3', 'ZZ4', 'AAA5']);
  });
});

describe('ExcelParser and an AbortSignal', () => {
  it('stops reading and rejects with the abort reason', async () => {
    const controller = new AbortController();
    const opening = parser.open({
      path: customersPath,
      displayName: 'kunden.xlsx',
      sizeBytes: 0,
      format: xlsxFormat({ sheet: 'Kunden', headerRow: 4 }),
      batchSize: 10,
      signal: controller.signal,
    });
    controller.abort(new Error('service stopping'));
    await expect(opening).rejects.toThrow('service stopping');
  });
});
