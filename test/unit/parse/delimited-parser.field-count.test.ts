import { rm } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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

describe('DelimitedParser field counts', () => {
  it('reports the extra trailing comma of node-csv #411 row 2 as TOO_MANY_FIELDS on line 3', async () => {
    const result = await parseAll(
      corpusPath('csv-suites', 'node-csv', '411.csv'),
      delimitedFormat(),
    );
    expect(result.header).toEqual([
      'id',
      'first_name',
      'last_name',
      'email',
      'modified_at',
    ]);
    expect(result.rows.map((r) => r.line)).toEqual([2, 3, 4]);
    const flagged = result.rows.filter((r) => r.issue !== undefined);
    expect(flagged).toHaveLength(1);
    expect(flagged[0]?.cells).toEqual([
      '2',
      'Kylie',
      'Lauderdale',
      'klauderdale1@wsj.com',
      '2022-02-14',
      '',
    ]);
    expect(flagged[0]?.issue).toMatchInlineSnapshot(`
      {
        "code": "TOO_MANY_FIELDS",
        "column": null,
        "line": 3,
        "message": "Line 3 has 6 fields, expected 5 as in the header on line 1; a value may contain an unquoted ','",
        "severity": "error",
        "value": null,
      }
    `);
  });

  it('reports a short row as TOO_FEW_FIELDS and still gives its cells', async () => {
    const path = await writeExport(
      dir,
      'short.csv',
      'a;b;c\n1;2;3\n4;5\n6;7;8\n',
    );
    const result = await parseAll(path, delimitedFormat());
    expect(cellsOf(result.rows)).toEqual([
      ['1', '2', '3'],
      ['4', '5'],
      ['6', '7', '8'],
    ]);
    expect(result.rows.map((r) => r.issue?.code)).toEqual([
      undefined,
      'TOO_FEW_FIELDS',
      undefined,
    ]);
    expect(result.rows[1]?.issue?.message).toContain(
      'Line 3 has 2 fields, expected 3',
    );
  });

  it('accepts a delimiter at the end of every line, header included', async () => {
    const path = await writeExport(
      dir,
      'trailing.csv',
      'a;b;c;\r\n1;2;3;\r\n4;5;6;\r\n',
    );
    const result = await parseAll(path, delimitedFormat());
    expect(result.header).toEqual(['a', 'b', 'c', '']);
    expect(cellsOf(result.rows)).toEqual([
      ['1', '2', '3', ''],
      ['4', '5', '6', ''],
    ]);
    expect(result.rows.every((r) => r.issue === undefined)).toBe(true);
  });

  it('accepts a delimiter at the end of every data line when the header has none, dropping the empty cell', async () => {
    const path = await writeExport(
      dir,
      'trailing-data.csv',
      'a;b;c\n1;2;3;\n4;5;6;\n7;8;9\n',
    );
    const result = await parseAll(path, delimitedFormat());
    expect(cellsOf(result.rows)).toEqual([
      ['1', '2', '3'],
      ['4', '5', '6'],
      ['7', '8', '9'],
    ]);
    expect(result.rows.every((r) => r.issue === undefined)).toBe(true);
  });

  it('still flags an extra field that is not empty, even with trailing delimiters', async () => {
    const path = await writeExport(
      dir,
      'trailing-bad.csv',
      'a;b;c\n1;2;3;\n4;5;6;x\n',
    );
    const result = await parseAll(path, delimitedFormat());
    expect(result.rows.map((r) => r.issue?.code)).toEqual([
      undefined,
      'TOO_MANY_FIELDS',
    ]);
  });

  it('fills the unnamed last column when the header ends with a delimiter and the rows do not', async () => {
    const path = await writeExport(
      dir,
      'header-trailing.csv',
      'a;b;c;\n1;2;3\n',
    );
    const result = await parseAll(path, delimitedFormat());
    expect(cellsOf(result.rows)).toEqual([['1', '2', '3', '']]);
    expect(result.rows[0]?.issue).toBeUndefined();
  });

  it('compares rows of a file without header with its first row', async () => {
    const path = await writeExport(
      dir,
      'noheader.csv',
      '1;A;x\n2;B\n3;C;y;z\n',
    );
    const result = await parseAll(path, delimitedFormat({ header: false }));
    expect(result.rows.map((r) => r.issue?.code)).toEqual([
      undefined,
      'TOO_FEW_FIELDS',
      'TOO_MANY_FIELDS',
    ]);
    expect(result.rows[1]?.issue?.message).toContain(
      'expected 3 as in the first row (line 1)',
    );
  });

  it('keeps commas inside unquoted values of the semicolon PrestaShop sample', async () => {
    const path = corpusPath(
      'customer-samples',
      'prestashop',
      'customers_import.csv',
    );
    const result = await parseAll(path, delimitedFormat());
    expect(result.header).toHaveLength(13);
    expect(result.header?.[2]).toBe('Titles ID (Mr = 1, Ms = 2, else 0)');
    expect(
      result.rows.every((r) => r.cells.length === 13 && r.issue === undefined),
    ).toBe(true);
    expect(result.rows.find((r) => r.line === 5)?.cells[11]).toBe(
      'Customer, Carribean',
    );
  });
});
