import { describe, expect, it } from 'vitest';
import { isAppError } from '../../../src/errors.js';
import {
  FormatDefinitionSchema,
  type FormatDefinition,
} from '../../../src/formats/format-definition.js';
import {
  bindColumns,
  normalizeHeaderName,
} from '../../../src/validate/map-columns.js';

function format(input: Record<string, unknown>): FormatDefinition {
  return FormatDefinitionSchema.parse({
    type: 'delimited',
    id: 'nav-debitors',
    ...input,
  });
}

const NAV = format({
  columns: [
    { field: 'customerNo', source: 'Nr.', required: true },
    { field: 'name', source: 'Name', required: true },
    { field: 'city', source: 'Ort' },
    { field: 'phone', source: 'Telefon' },
  ],
});

/** Runs bindColumns and returns the AppError it throws. */
function mismatch(
  fmt: FormatDefinition,
  header: string[] | null,
  file: string,
) {
  try {
    bindColumns(fmt, header, file);
  } catch (e) {
    if (isAppError(e)) {
      return e;
    }
    throw e;
  }
  throw new Error('bindColumns did not throw');
}

describe('binding columns by header name', () => {
  it('matches names case-insensitively, ignoring a BOM, surrounding whitespace and inner whitespace runs', () => {
    const fmt = format({
      columns: [
        { field: 'customerNo', source: 'Nr.', required: true },
        { field: 'name', source: 'Name  2' },
      ],
    });
    const binding = bindColumns(fmt, ['\uFEFF NR. ', 'NAME \t 2'], 'x.txt');
    expect(
      binding.columns.map((c) => [c.column.field, c.index, c.label]),
    ).toEqual([
      ['customerNo', 0, 'NR.'],
      ['name', 1, 'NAME 2'],
    ]);
  });

  it('matches composed and decomposed umlauts alike', () => {
    const fmt = format({
      columns: [
        { field: 'customerNo', source: 'Kundennr. Müller', required: true },
      ],
    });
    const binding = bindColumns(
      fmt,
      ['Kundennr. Muller', 'Kundennr. Mu\u0308ller'],
      'x.txt',
    );
    expect(binding.columns[0]?.index).toBe(1);
    expect(normalizeHeaderName('  M\u00dcLLER  ')).toBe(
      normalizeHeaderName('mu\u0308ller'),
    );
  });

  it('binds columns in any order of the header, and leaves missing optional columns out with a warning', () => {
    const binding = bindColumns(NAV, ['Ort', 'Name', 'Nr.'], 'debitoren.txt');
    expect(binding.columns.map((c) => [c.column.field, c.index])).toEqual([
      ['customerNo', 2],
      ['name', 1],
      ['city', 0],
    ]);
    expect(binding.absent.map((c) => c.field)).toEqual(['phone']);
    expect(binding.warnings).toEqual([
      "Optional column 'Telefon' is not in 'debitoren.txt'; field phone is left unchanged",
    ]);
  });

  it('uses the first of duplicate header names and says so', () => {
    const binding = bindColumns(
      NAV,
      ['Nr.', 'Name', 'name', 'Ort', 'NAME '],
      'x.txt',
    );
    expect(binding.columns.find((c) => c.column.field === 'name')?.index).toBe(
      1,
    );
    expect(binding.warnings).toContain(
      "Header 'Name' appears 3 times in 'x.txt' (columns 2, 3, 5); column 2 is used",
    );
  });
});

describe('binding columns by position', () => {
  it('binds 1-based positions with and without a header row', () => {
    const fmt = format({
      header: false,
      columns: [
        { field: 'customerNo', source: 1, required: true },
        { field: 'name', source: 3 },
      ],
    });
    const binding = bindColumns(fmt, null, 'x.txt');
    expect(binding.columns.map((c) => [c.index, c.label])).toEqual([
      [0, '#1'],
      [2, '#3'],
    ]);
  });

  it('reports a required position beyond the header as missing', () => {
    const fmt = format({
      columns: [{ field: 'customerNo', source: 5, required: true }],
    });
    const error = mismatch(fmt, ['a', 'b'], 'short.csv');
    expect(error.details).toEqual({
      format: 'nav-debitors',
      file: 'short.csv',
      missing: ['#5'],
      found: ['a', 'b'],
    });
  });

  it('binds fixed-width columns to their position in the column list', () => {
    const fixed = FormatDefinitionSchema.parse({
      type: 'fixed-width',
      id: 'fixed',
      columns: [
        { field: 'customerNo', start: 1, length: 10, required: true },
        { field: 'name', start: 11, end: 40 },
      ],
    });
    const binding = bindColumns(fixed, null, 'x.txt');
    expect(binding.columns.map((c) => [c.index, c.label])).toEqual([
      [0, '1-10'],
      [1, '11-40'],
    ]);
  });
});

describe('HEADER_MISMATCH', () => {
  it('names the format, the file, every missing required column and the header found', () => {
    const error = mismatch(
      NAV,
      ['No', 'Name 2', 'Ort', '', 'Telefon'],
      'x.txt',
    );
    expect(error.code).toBe('HEADER_MISMATCH');
    expect(error.retryable).toBe(false);
    expect(error.message).toMatchInlineSnapshot(
      `"Format 'nav-debitors' expects columns 'Nr.', 'Name' but the header of 'x.txt' has: 'No', 'Name 2', 'Ort', '', 'Telefon'. Check that the export and the format's column sources match."`,
    );
    expect(error.details).toEqual({
      format: 'nav-debitors',
      file: 'x.txt',
      missing: ['Nr.', 'Name'],
      found: ['No', 'Name 2', 'Ort', '', 'Telefon'],
    });
  });

  it('uses the singular for one column and shortens a long header', () => {
    const header = [
      'Nr.',
      ...Array.from({ length: 50 }, (_, i) => `F${i + 1}`),
    ];
    const error = mismatch(NAV, header, 'wide.csv');
    expect(error.message).toMatch(
      /^Format 'nav-debitors' expects column 'Name' but the header of 'wide.csv' has: 'Nr.', 'F1', /,
    );
    expect(error.message).toContain("'F39', … (11 more). Check");
    expect(error.details?.['found']).toHaveLength(51);
  });

  it('says so when a file has no header row', () => {
    expect(mismatch(NAV, null, 'x.txt').message).toMatchInlineSnapshot(
      `"Format 'nav-debitors' expects columns 'Nr.', 'Name' but 'x.txt' has no header row. Check that the export and the format's column sources match."`,
    );
  });
});

describe('unmapped columns as attributes', () => {
  const ATTR = format({
    unmappedColumns: 'attributes',
    columns: [
      { field: 'customerNo', source: 'Nr.', required: true },
      { field: 'attributes.Region', source: 'Bezirk' },
    ],
  });

  it('keeps every unmapped header column as attributes.<header>', () => {
    const binding = bindColumns(
      ATTR,
      ['Nr.', ' Sales  Rep ', 'Bezirk', 'Umsatz 2025'],
      'x.csv',
    );
    expect(binding.attributes).toEqual([
      { index: 1, field: 'attributes.Sales Rep', label: 'Sales Rep' },
      { index: 3, field: 'attributes.Umsatz 2025', label: 'Umsatz 2025' },
    ]);
  });

  it('keeps hostile header names as plain names', () => {
    const binding = bindColumns(
      ATTR,
      ['Nr.', '__proto__', 'constructor', 'hasOwnProperty'],
      'x.csv',
    );
    expect(binding.attributes.map((a) => a.field)).toEqual([
      'attributes.__proto__',
      'attributes.constructor',
      'attributes.hasOwnProperty',
    ]);
  });

  it('skips nameless, duplicate and colliding columns with warnings', () => {
    const binding = bindColumns(
      ATTR,
      ['Nr.', '', 'Extra', 'extra', 'Region', 'Bezirk'],
      'x.csv',
    );
    expect(binding.attributes.map((a) => [a.index, a.field])).toEqual([
      [2, 'attributes.Extra'],
    ]);
    expect(binding.warnings).toEqual([
      "Header 'Extra' appears 2 times in 'x.csv' (columns 3, 4); column 3 is used",
      "Column 2 of 'x.csv' has no header name; its values are not imported",
      "Column 'Region' of 'x.csv' would overwrite the mapped field attributes.Region; it is not imported",
    ]);
  });

  it('drops unmapped columns by default', () => {
    expect(
      bindColumns(NAV, ['Nr.', 'Name', 'Extra'], 'x.csv').attributes,
    ).toEqual([]);
  });
});
