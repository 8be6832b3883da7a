import { describe, expect, it } from 'vitest';
import type { RawRow } from '../../../src/parse/parser.js';
import {
  packRows,
  packStrings,
  unpackRows,
  unpackStrings,
} from '../../../src/pipeline/packed-rows.js';

/** Rows cross from the parse thread packed (pipeline/packed-rows.ts): they must come out equal. */
describe('packRows / unpackRows, packStrings / unpackStrings', () => {
  it('gives back every row equal to what was packed: lines, cells, empty and null cells, issues', () => {
    const rows: RawRow[] = [
      { line: 2, cells: ['K1', 'Müller ŁÓDŹ', '', '  padded  '] },
      { line: 3, cells: [] },
      { line: 5, cells: ['multi\nline', 'a;b', '"quoted"', null] },
      {
        line: 7,
        cells: ['K3', 'x\u0000y', '😀 emoji'],
        issue: {
          line: 7,
          column: null,
          value: null,
          code: 'TOO_MANY_FIELDS',
          message: 'row has 3 fields, the header 2',
          severity: 'error',
        },
      },
      { line: 4_294_967_296, cells: ['beyond 32 bits'] },
    ];
    const packed = packRows(rows);
    expect(packed).toBeDefined();
    const back = unpackRows(structuredClone(packed!));
    expect(back).toEqual(rows);
    // Rows without an issue have no `issue` key at all, as the parsers give them.
    expect(Object.keys(back[0]!)).toEqual(['line', 'cells']);
  });

  it('gives back a list of strings and nulls, and refuses anything else', () => {
    const values = ['a', null, '', 'Grüße\u0000😀', null];
    expect(unpackStrings(structuredClone(packStrings(values)!))).toEqual(
      values,
    );
    expect(unpackStrings(packStrings([])!)).toEqual([]);
    expect(packStrings(['a', 1])).toBeUndefined();
    expect(packStrings([undefined])).toBeUndefined();
  });

  it('packs an empty batch', () => {
    expect(unpackRows(packRows([])!)).toEqual([]);
  });

  it('refuses cells that are not text (spreadsheet values), so those rows cross as they are', () => {
    expect(packRows([{ line: 1, cells: ['a', 12] }])).toBeUndefined();
    expect(packRows([{ line: 1, cells: [true] }])).toBeUndefined();
    expect(packRows([{ line: 1, cells: [new Date(0)] }])).toBeUndefined();
  });
});
