import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  FormatDefinitionSchema,
  type FormatDefinitionInput,
} from '../../../src/formats/format-definition.js';
import { ExcelParser } from '../../../src/parse/excel-parser.js';
import type { ParsedFile, RawRow } from '../../../src/parse/parser.js';
import { corpusPath } from '../../helpers/corpus.js';

// Real workbooks from Laravel-Excel and calamine (see ../shared/corpus/SOURCES.md).

const parser = new ExcelParser({
  maxHeapMb: 256,
  timeoutSeconds: 60,
  maxFileBytes: 10 * 1024 * 1024,
});

type XlsxInput = Extract<FormatDefinitionInput, { type: 'xlsx' }>;

function withHeader(overrides: Partial<XlsxInput> = {}) {
  return FormatDefinitionSchema.parse({
    type: 'xlsx',
    id: 'corpus',
    columns: [
      { field: 'email', source: 'email' },
      { field: 'customerNo', source: 'name', required: true },
    ],
    key: 'customerNo',
    ...overrides,
  });
}

function noHeader(overrides: Partial<XlsxInput> = {}) {
  return FormatDefinitionSchema.parse({
    type: 'xlsx',
    id: 'corpus',
    header: false,
    columns: [{ field: 'customerNo', source: 1, required: true }],
    ...overrides,
  });
}

async function open(
  path: string,
  format: ReturnType<typeof withHeader>,
): Promise<ParsedFile> {
  return parser.open({
    path,
    displayName: basename(path),
    sizeBytes: 0,
    format,
    batchSize: 100,
  });
}

async function readRows(parsed: ParsedFile): Promise<RawRow[]> {
  const rows: RawRow[] = [];
  try {
    for await (const batch of parsed.rows) {
      rows.push(...batch);
    }
  } finally {
    await parsed.close();
  }
  return rows;
}

const laravel = (name: string): string =>
  corpusPath('xlsx', 'laravel-excel', name);
const calamine = (name: string): string => corpusPath('xlsx', 'calamine', name);

describe('ExcelParser on laravel-excel workbooks', () => {
  it('reads a header row and its data rows (import-users-with-headings)', async () => {
    const parsed = await open(
      laravel('import-users-with-headings.xlsx'),
      withHeader(),
    );
    expect(parsed.header).toEqual(['name', 'email']);
    expect(await readRows(parsed)).toEqual([
      { line: 2, cells: ['Patrick Brouwers', 'patrick@maatwebsite.nl'] },
      { line: 3, cells: ['Taylor Otwell', 'taylor@laravel.com'] },
    ]);
  });

  it('reads a header on row 4 (import-users-with-different-heading-row)', async () => {
    const parsed = await open(
      laravel('import-users-with-different-heading-row.xlsx'),
      withHeader({ headerRow: 4 }),
    );
    expect(parsed.header).toEqual(['name', 'email']);
    const rows = await readRows(parsed);
    expect(rows.map((r) => [r.line, r.cells[0]])).toEqual([
      [5, 'Patrick Brouwers'],
      [6, 'Taylor Otwell'],
    ]);
  });

  it('skips blank rows and keeps sheet row numbers (import-empty-rows)', async () => {
    const rows = await readRows(
      await open(laravel('import-empty-rows.xlsx'), noHeader()),
    );
    expect(rows).toEqual([
      { line: 1, cells: ['Test1', 'Test2'] },
      { line: 3, cells: ['Test3', 'Test4'] },
      { line: 5, cells: ['Test5', 'Test6'] },
    ]);
  });

  it('reads the second sheet by name and by index (import-multiple-sheets)', async () => {
    const byName = await readRows(
      await open(
        laravel('import-multiple-sheets.xlsx'),
        noHeader({ sheet: 'Sheet2' }),
      ),
    );
    const byIndex = await readRows(
      await open(
        laravel('import-multiple-sheets.xlsx'),
        noHeader({ sheet: 2 }),
      ),
    );
    expect(byName).toEqual([
      { line: 1, cells: ['2.A1', '2.B1'] },
      { line: 2, cells: ['2.A2', '2.B2'] },
    ]);
    expect(byIndex).toEqual(byName);
  });

  it('gives date cells as Dates at UTC midnight (import-batches-with-date)', async () => {
    const rows = await readRows(
      await open(laravel('import-batches-with-date.xlsx'), noHeader()),
    );
    expect(rows.map((r) => r.cells[0])).toEqual([
      new Date('2022-12-01T00:00:00Z'),
      new Date('2023-02-20T00:00:00Z'),
    ]);
  });

  it('gives a formula by its cached value (import-formulas)', async () => {
    const rows = await readRows(
      await open(laravel('import-formulas.xlsx'), noHeader()),
    );
    expect(rows).toEqual([{ line: 1, cells: [2] }]);
  });
});

describe('ExcelParser on calamine workbooks', () => {
  it('gives the same dates for the 1900 and the 1904 date system', async () => {
    const dates1900 = await readRows(
      await open(calamine('date.xlsx'), noHeader()),
    );
    const dates1904 = await readRows(
      await open(calamine('date_1904.xlsx'), noHeader()),
    );
    const expected = [
      [new Date('2021-01-01T00:00:00Z'), 15],
      [new Date('2021-01-02T00:00:00Z'), 16],
    ];
    expect(dates1900.slice(0, 2).map((r) => r.cells)).toEqual(expected);
    expect(dates1904.slice(0, 2).map((r) => r.cells)).toEqual(expected);
  });

  it('reports each error cell as INVALID_VALUE with its address and error text (errors)', async () => {
    const rows = await readRows(
      await open(calamine('errors.xlsx'), noHeader()),
    );
    expect(
      rows.map((r) => [
        r.line,
        r.cells,
        r.issue?.cell,
        r.issue?.value,
        r.issue?.code,
        r.issue?.severity,
      ]),
    ).toEqual([
      [1, [null], 'A1', '#DIV/0!', 'INVALID_VALUE', 'error'],
      [2, [null], 'A2', '#NAME?', 'INVALID_VALUE', 'error'],
      [3, [null], 'A3', '#VALUE!', 'INVALID_VALUE', 'error'],
      [4, [null], 'A4', '#NULL!', 'INVALID_VALUE', 'error'],
      [5, [null], 'A5', '#REF!', 'INVALID_VALUE', 'error'],
      [6, [null], 'A6', '#NUM!', 'INVALID_VALUE', 'error'],
      [7, [null], 'A7', '#N/A', 'INVALID_VALUE', 'error'],
    ]);
  });

  it('fails with a clear PARSE_FAILED for a password-protected workbook', async () => {
    await expect(
      open(calamine('pass_protected.xlsx'), noHeader()),
    ).rejects.toMatchObject({
      code: 'PARSE_FAILED',
      message: expect.stringContaining(
        "'pass_protected.xlsx' is password-protected",
      ) as unknown,
    });
  });

  it('fails with FILE_EMPTY for an empty sheet', async () => {
    await expect(
      open(calamine('empty_sheet.xlsx'), noHeader()),
    ).rejects.toMatchObject({
      code: 'FILE_EMPTY',
      message: "Sheet 'Sheet1' of 'empty_sheet.xlsx' is empty",
    });
  });

  it('decodes the _x000D_ escape (has_x000D_)', async () => {
    const rows = await readRows(
      await open(calamine('has_x000D_.xlsx'), noHeader()),
    );
    expect(rows).toEqual([{ line: 1, cells: ['ABC\r\nDEF'] }]);
  });

  it('drops phonetic runs (rph)', async () => {
    const rows = await readRows(await open(calamine('rph.xlsx'), noHeader()));
    expect(rows).toEqual([{ line: 1, cells: ['課きく　毛こ'] }]);
  });
});
