import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  FormatDefinitionSchema,
  type FormatDefinitionInput,
} from '../../../src/formats/format-definition.js';
import { FixedWidthParser } from '../../../src/parse/fixed-width-parser.js';
import type { RawRow } from '../../../src/parse/parser.js';
import { corpusPath } from '../../helpers/corpus.js';

// univocity-parsers' fixed-width test files (see ../shared/corpus/SOURCES.md). The field
// lengths 11, 38, 20, 8 and the expected values come from its FixedWidthParserTest.java.

type FixedInput = Extract<FormatDefinitionInput, { type: 'fixed-width' }>;

function fixedFormat(overrides: Partial<FixedInput> = {}) {
  return FormatDefinitionSchema.parse({
    type: 'fixed-width',
    id: 'univocity-essential',
    skipLines: 3,
    comment: '#',
    columns: [
      { field: 'customerNo', start: 1, length: 11, required: true },
      { field: 'name', start: 12, length: 38 },
      { field: 'attributes.owed', start: 50, length: 20 },
      { field: 'attributes.interest', start: 70, end: 77 },
    ],
    ...overrides,
  });
}

const parser = new FixedWidthParser();

async function readRows(
  path: string,
  format: ReturnType<typeof fixedFormat>,
  batchSize = 100,
): Promise<RawRow[]> {
  const parsed = await parser.open({
    path,
    displayName: basename(path),
    sizeBytes: 0,
    format,
    batchSize,
  });
  expect(parsed.header).toBeNull();
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

const fixed = (name: string): string =>
  corpusPath('csv-suites', 'univocity-parsers', 'fixed', name);

/** [line, trimmed cells...], the way the validator's default trim transform will see them. */
const trimmed = (rows: RawRow[]): unknown[][] =>
  rows.map((r) => [
    r.line,
    ...r.cells.map((c) => (typeof c === 'string' ? c.trim() : c)),
  ]);

const ESSENTIAL = [
  [4, '2013-FEB-28', 'Harry Dong', '15000.99', '8.786'],
  [5, '2013-JAN-1', 'Billy Rubin', '15100.99', '5'], // univocity expects the overflow too
  [9, '2012-SEP-1', 'Willie Stroker', '15000.00', '6'],
  [10, '2012-JAN-11', 'Mike Litoris', '15000', '4.86'],
  [11, '2010-JUL-01', 'Gaye Males', '1', '8.6'],
];

describe('FixedWidthParser on univocity essential*.txt', () => {
  it('reads the records, skipping the preamble, comments and blank lines', async () => {
    const rows = await readRows(fixed('essential.txt'), fixedFormat());
    expect(trimmed(rows)).toEqual(ESSENTIAL);
    expect(rows.every((r) => r.issue === undefined)).toBe(true);
  });

  it('keeps the raw slices, padding included', async () => {
    const [first] = await readRows(fixed('essential.txt'), fixedFormat());
    expect(first?.cells).toEqual([
      '2013-FEB-28',
      '   Harry Dong                         ',
      '15000.99            ',
      '   8.786',
    ]);
  });

  it.each(['essential-dos.txt', 'essential-mac.txt'])(
    'gives the same rows and line numbers for %s',
    async (name) => {
      const rows = await readRows(fixed(name), fixedFormat());
      expect(trimmed(rows)).toEqual(ESSENTIAL);
      expect(rows).toEqual(
        await readRows(fixed('essential.txt'), fixedFormat()),
      );
    },
  );

  it('gives an empty cell for an optional column past the end of a short line', async () => {
    // essential_1.txt: line 7 stops after the name; line 8 has junk past column 77.
    const rows = await readRows(
      fixed('essential_1.txt'),
      fixedFormat({ skipLines: 1 }),
    );
    expect(trimmed(rows)).toEqual([
      [2, '2013-FEB-28', 'Harry Dong', '15000.99', '8.786'],
      [3, '2013-JAN-1', 'Billy Rubin', '15100.99', '5'],
      [7, '2012-SEP-1', 'Willie Stroker', '', ''],
      [8, '2012-JAN-11', 'Mike Litoris', '15000', '4.86'],
      [9, '2010-JUL-01', 'Gaye Males', '1', '8.6'],
    ]);
    expect(rows.every((r) => r.issue === undefined)).toBe(true);
  });

  it('reports RECORD_TOO_SHORT when a line ends before a required column', async () => {
    const format = fixedFormat({
      skipLines: 1,
      columns: [
        { field: 'customerNo', start: 1, length: 11, required: true },
        { field: 'name', start: 12, length: 38 },
        { field: 'attributes.owed', start: 50, length: 20, required: true },
      ],
    });
    const rows = await readRows(fixed('essential_1-dos.txt'), format);
    const short = rows.filter((r) => r.issue !== undefined);
    expect(short).toHaveLength(1);
    expect(short[0]?.line).toBe(7);
    expect(
      short[0]?.cells.map((c) => (typeof c === 'string' ? c.trim() : c)),
    ).toEqual(['2012-SEP-1', 'Willie Stroker', '']);
    expect(short[0]?.issue).toEqual({
      line: 7,
      column: '50-69',
      value: null,
      code: 'RECORD_TOO_SHORT',
      severity: 'error',
      message:
        "Line 7 of 'essential_1-dos.txt' is 49 characters long, but the required column at 50-69 needs at least 50 (69 for the full column)",
    });
  });
});

describe('FixedWidthParser on univocity multi_schema.txt', () => {
  const path = corpusPath(
    'csv-suites',
    'univocity-parsers',
    'examples',
    'multi_schema.txt',
  );

  it('reads only the customer records (C#) and silently skips the account records (A#)', async () => {
    const format = fixedFormat({
      skipLines: 0,
      comment: undefined,
      recordType: { start: 1, length: 2, value: 'C#' },
      columns: [
        { field: 'customerNo', start: 3, length: 7, required: true },
        { field: 'name', start: 10, end: 29 },
      ],
    });
    const rows = await readRows(path, format);
    expect(rows).toEqual([
      { line: 1, cells: ['0000321', 'Miss Foo            '] },
      { line: 4, cells: ['0000322', 'Mr Bar              '] },
    ]);
  });

  it('takes several record-type values', async () => {
    const format = fixedFormat({
      skipLines: 0,
      comment: undefined,
      recordType: { start: 1, length: 2, value: ['A#', 'C#'] },
      columns: [{ field: 'customerNo', start: 3, length: 7, required: true }],
    });
    const rows = await readRows(path, format);
    expect(rows.map((r) => [r.line, r.cells[0]])).toEqual([
      [1, '0000321'],
      [2, '23234HS'],
      [3, '00234HS'],
      [4, '0000322'],
      [5, '01234CI'],
    ]);
  });
});
