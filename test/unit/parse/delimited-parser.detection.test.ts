import { rm } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors.js';
import { corpusPath } from '../../helpers/corpus.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import {
  cellsOf,
  delimitedFormat,
  parseAll,
  writeExport,
} from './delimited-helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function parseError(
  ...args: Parameters<typeof parseAll>
): Promise<AppError> {
  const error = await parseAll(...args).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('DelimitedParser delimiter and line ending detection', () => {
  it("detects ',' and ';' in the laravel-excel samples (with UTF-8 BOM)", async () => {
    for (const file of ['csv-with-comma.csv', 'csv-with-other-delimiter.csv']) {
      const result = await parseAll(
        corpusPath('csv-suites', 'laravel-excel', file),
        delimitedFormat(),
      );
      expect(result.header, file).toEqual(['A1', 'B1']);
      expect(cellsOf(result.rows), file).toEqual([['A2', 'B2']]);
    }
  });

  it("detects ';' in the PrestaShop sample although its header holds commas", async () => {
    const result = await parseAll(
      corpusPath('customer-samples', 'prestashop', 'customers_import.csv'),
      delimitedFormat(),
    );
    expect(result.header?.[0]).toBe('Customer ID');
    expect(result.header).toHaveLength(13);
  });

  it("detects ';' in the padded frappe sample and keeps the padding and quoted commas", async () => {
    const path = corpusPath(
      'customer-samples',
      'frappe',
      'sample_import_file_semicolon.csv',
    );
    const result = await parseAll(path, delimitedFormat());
    expect(result.header).toHaveLength(14);
    expect(result.header?.[0]).toBe('Title  ');
    expect(result.rows.map((r) => r.line)).toEqual([2, 3, 4, 5]);
    expect(result.rows[0]?.cells[6]).toBe('child description with ,comma and');
    expect(result.rows[0]?.cells[13]).toBe(' 7');
    expect(result.rows.every((r) => r.issue === undefined)).toBe(true);
  });

  it("detects ';' when commas only appear inside quotes, and honours a backslash escape", async () => {
    const path = corpusPath(
      'csv-suites',
      'univocity-parsers',
      'examples',
      'european.csv',
    );
    const result = await parseAll(path, delimitedFormat({ escape: '\\' }));
    expect(result.header).toEqual([
      'Year',
      'Make',
      'Model',
      'Description',
      'Price',
    ]);
    expect(result.rows[1]?.cells[2]).toBe('Venture "Extended Edition"');
    expect(result.rows[2]?.cells[3]).toBe('MUST SELL!\nair; moon roof; loaded');
  });

  it('detects TAB, and accepts "\\t" and "tab" written in the format', async () => {
    const path = await writeExport(
      dir,
      'tabs.txt',
      'Nr\tName\tOrt\n1\tA, B\tX\n2\tC\tY\n',
    );
    for (const delimiter of ['auto', '\t', '\\t', 'tab']) {
      const result = await parseAll(path, delimitedFormat({ delimiter }));
      expect(cellsOf(result.rows), delimiter).toEqual([
        ['1', 'A, B', 'X'],
        ['2', 'C', 'Y'],
      ]);
    }
  });

  it("detects '|' and prefers the delimiter that gives every line the same field count", async () => {
    const path = await writeExport(
      dir,
      'pipes.txt',
      'Nr|Name, Vorname|Ort\n1|Doe, John|X\n2|Roe|Y\n',
    );
    const result = await parseAll(path, delimitedFormat());
    expect(cellsOf(result.rows)).toEqual([
      ['1', 'Doe, John', 'X'],
      ['2', 'Roe', 'Y'],
    ]);
  });

  it('reads CR-only files with lineEnding auto and cr', async () => {
    const path = await writeExport(dir, 'mac.csv', 'a;b\r1;"x\ry"\r2;z\r');
    for (const lineEnding of ['auto', 'cr'] as const) {
      const result = await parseAll(path, delimitedFormat({ lineEnding }));
      expect(result.rows.map((r) => [r.line, ...r.cells])).toEqual([
        [2, '1', 'x\ry'],
        [4, '2', 'z'],
      ]);
    }
  });

  it('fails clearly when the format says crlf but the file has LF line endings', async () => {
    const path = await writeExport(dir, 'lf.csv', 'a;b\n1;2\n');
    const error = await parseError(
      path,
      delimitedFormat({ lineEnding: 'crlf' }),
      { displayName: 'lf.csv' },
    );
    expect(error.code).toBe('PARSE_FAILED');
    expect(error.message).toContain(
      "'lf.csv' has LF line endings, but format 'test-format' says lineEnding: crlf",
    );
  });

  it('fails when every row has one column because the format names the wrong delimiter', async () => {
    const path = corpusPath(
      'csv-suites',
      'laravel-excel',
      'csv-with-other-delimiter.csv',
    );
    const error = await parseError(path, delimitedFormat({ delimiter: ',' }), {
      displayName: 'csv-with-other-delimiter.csv',
    });
    expect(error.code).toBe('PARSE_FAILED');
    expect(error.message).toMatchInlineSnapshot(
      `"'csv-with-other-delimiter.csv': every row has one column: the file looks ';'-delimited but format 'test-format' says ','. Set delimiter: ";" in the format definition"`,
    );
  });

  it('finds the wrong delimiter in files without header too, and names TAB', async () => {
    const path = await writeExport(dir, 'tabs.txt', '1\tA\n2\tB\n');
    const error = await parseError(
      path,
      delimitedFormat({ header: false, delimiter: ';' }),
    );
    expect(error.message).toContain(
      "the file looks TAB-delimited but format 'test-format' says ';'",
    );
  });

  it('does not complain about one column when the format only needs one', async () => {
    const path = corpusPath('csv-suites', 'node-csv', '399.csv');
    const format = delimitedFormat({
      columns: [{ source: 1, field: 'customerNo', required: true }],
    });
    const result = await parseAll(path, format);
    expect(result.header).toEqual(['']);
    expect(cellsOf(result.rows)).toEqual([['value']]);
  });
});
