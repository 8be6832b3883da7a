import { describe, expect, it } from 'vitest';
import {
  FormatDefinitionSchema,
  type FormatDefinitionInput,
} from '../../../src/formats/format-definition.js';
import {
  coerceCell,
  type CoerceResult,
} from '../../../src/validate/coerce-values.js';
import type { Cell } from '../../../src/parse/parser.js';

/** Coerces one cell through a real, schema-parsed format whose second column is under test. */
function coerce(
  cell: Cell,
  column: Record<string, unknown>,
  formatOptions: Partial<FormatDefinitionInput> = {},
): CoerceResult {
  const format = FormatDefinitionSchema.parse({
    type: 'delimited',
    id: 'numbers',
    columns: [
      { field: 'customerNo', source: 'Nr.', required: true },
      { field: 'creditLimit', source: 'Limit', ...column },
    ],
    ...formatOptions,
  });
  const target = format.columns[1];
  if (target === undefined) {
    throw new Error('column missing');
  }
  return coerceCell(cell, target, format, { defaultTimeZone: 'UTC' });
}

const GERMAN = {
  type: 'decimal',
  decimalSeparator: ',',
  thousandsSeparator: '.',
};

describe('decimal columns', () => {
  it.each([
    ['1.234,50', 1234.5],
    ['-1.000', -1000],
    ['0,30', 0.3],
    ['1234,5', 1234.5],
    ['+12', 12],
    [',5', 0.5],
    ['1.234.567,891', 1234567.891],
    ['1.234,50-', -1234.5],
    ['  7,25  ', 7.25],
    ['-0,00', 0],
  ])(
    'reads %s with decimal comma and thousands dot as %d',
    (text, expected) => {
      expect(coerce(text, GERMAN)).toEqual({ ok: true, value: expected });
    },
  );

  it('gives exactly 0.3 for 0,30 (parsed from text, no float arithmetic)', () => {
    const result = coerce('0,30', GERMAN);
    expect(result.ok && result.value === 0.3).toBe(true);
  });

  it('never returns negative zero', () => {
    const result = coerce('-0,00', GERMAN);
    expect(result.ok && Object.is(result.value, 0)).toBe(true);
  });

  it.each([
    '1,2,3',
    '1.23,4',
    '12.34.5',
    '1,',
    'abc',
    '1 234',
    '--1',
    '-1-',
    '1e5',
    '.',
    '12,5,0',
  ])('rejects %s with a message that names the expected separators', (text) => {
    const result = coerce(text, GERMAN);
    expect(result).toMatchObject({ ok: false, code: 'INVALID_NUMBER' });
    expect(!result.ok && result.message).toBe(
      `'${text}' is not a valid number (expected a number with decimal separator ',' and thousands separator '.', e.g. 1.234,5)`,
    );
  });

  it('reads -1.000 as minus one with the default separators (dot decimal, no grouping)', () => {
    expect(coerce('-1.000', { type: 'decimal' })).toEqual({
      ok: true,
      value: -1,
    });
  });

  it('rejects grouping when no thousands separator is configured', () => {
    expect(coerce('1,234.50', { type: 'decimal' })).toMatchObject({
      ok: false,
      code: 'INVALID_NUMBER',
    });
    expect(
      coerce('1,234.50', { type: 'decimal', thousandsSeparator: ',' }),
    ).toEqual({ ok: true, value: 1234.5 });
  });

  it('takes separators from the format when the column sets none, and lets the column override them', () => {
    const formatWide = {
      decimalSeparator: ',',
      thousandsSeparator: '.',
    } as const;
    expect(coerce('1.234,5', { type: 'decimal' }, formatWide)).toEqual({
      ok: true,
      value: 1234.5,
    });
    expect(
      coerce(
        '1,234.5',
        { type: 'decimal', decimalSeparator: '.', thousandsSeparator: ',' },
        formatWide,
      ),
    ).toEqual({
      ok: true,
      value: 1234.5,
    });
  });

  it('supports a space or an apostrophe as thousands separator', () => {
    expect(
      coerce("1'234.50", { type: 'decimal', thousandsSeparator: "'" }),
    ).toEqual({ ok: true, value: 1234.5 });
    expect(
      coerce('1 234,50', {
        type: 'decimal',
        decimalSeparator: ',',
        thousandsSeparator: ' ',
      }),
    ).toEqual({
      ok: true,
      value: 1234.5,
    });
  });

  it('takes spreadsheet number cells as they are, ignoring the text separators', () => {
    expect(coerce(1234.5, GERMAN)).toEqual({ ok: true, value: 1234.5 });
  });

  it('refuses a definition whose decimal and thousands separators are the same character', () => {
    expect(() =>
      coerce('1', {
        type: 'decimal',
        decimalSeparator: ',',
        thousandsSeparator: ',',
      }),
    ).toThrowError(
      /Format 'numbers', column 'Limit' \(creditLimit\): the decimal and thousands separators are both ','/,
    );
  });
});

describe('integer columns', () => {
  const INTEGER = { field: 'attributes.count', type: 'integer' };

  it.each([
    ['42', 42],
    ['-7', -7],
    ['007', 7],
    ['12,00', 12],
  ])('reads %s as %d', (text, expected) => {
    expect(coerce(text, { ...INTEGER, decimalSeparator: ',' })).toEqual({
      ok: true,
      value: expected,
    });
  });

  it('reads grouped integers when a thousands separator is set', () => {
    expect(
      coerce('1.000.000', {
        ...INTEGER,
        thousandsSeparator: '.',
        decimalSeparator: ',',
      }),
    ).toEqual({
      ok: true,
      value: 1_000_000,
    });
  });

  it('rejects fractions and text with INVALID_INTEGER', () => {
    expect(coerce('12,5', { ...INTEGER, decimalSeparator: ',' })).toEqual({
      ok: false,
      code: 'INVALID_INTEGER',
      message: "'12,5' is not a whole number (expected digits, e.g. 1234)",
    });
    expect(coerce('zwölf', INTEGER)).toMatchObject({
      ok: false,
      code: 'INVALID_INTEGER',
    });
    expect(coerce(1.5, INTEGER)).toMatchObject({
      ok: false,
      code: 'INVALID_INTEGER',
    });
  });

  it('rejects integers beyond the safe range instead of rounding them', () => {
    expect(coerce('9007199254740993', INTEGER)).toEqual({
      ok: false,
      code: 'INVALID_INTEGER',
      message: "'9007199254740993' is not a whole number in the safe range",
    });
  });
});
