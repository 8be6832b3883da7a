import { describe, expect, it } from 'vitest';
import {
  FormatDefinitionSchema,
  type FormatDefinitionInput,
} from '../../../src/formats/format-definition.js';
import {
  coerceCell,
  createCellCoercer,
  type CoerceResult,
} from '../../../src/validate/coerce-values.js';
import type { Cell } from '../../../src/parse/parser.js';

function setup(
  column: Record<string, unknown> = {},
  formatOptions: Partial<FormatDefinitionInput> = {},
) {
  const format = FormatDefinitionSchema.parse({
    type: 'delimited',
    id: 'flags',
    columns: [
      { field: 'customerNo', source: 'Nr.', required: true },
      { field: 'blocked', source: 'Gesperrt', type: 'boolean', ...column },
    ],
    ...formatOptions,
  });
  const target = format.columns[1];
  if (target === undefined) {
    throw new Error('column missing');
  }
  return { format, column: target };
}

function coerce(
  cell: Cell,
  column: Record<string, unknown> = {},
  formatOptions: Partial<FormatDefinitionInput> = {},
): CoerceResult {
  const { format, column: target } = setup(column, formatOptions);
  return coerceCell(cell, target, format);
}

describe('boolean columns with the default words', () => {
  it.each([
    '1',
    'true',
    'TRUE',
    'yes',
    'Y',
    'Ja',
    'j',
    'X',
    'x',
    'wahr',
    ' Wahr ',
  ])('reads %j as true', (text) => {
    expect(coerce(text)).toEqual({ ok: true, value: true });
  });

  it.each(['0', 'false', 'No', 'n', 'Nein', 'FALSCH'])(
    'reads %j as false',
    (text) => {
      expect(coerce(text)).toEqual({ ok: true, value: false });
    },
  );

  it("reads an empty cell as false (the X/'' convention), not as empty", () => {
    const { format, column } = setup();
    const coercer = createCellCoercer(column, format);
    expect(coercer('')).toEqual({ ok: true, value: false });
    expect(coercer('   ')).toEqual({ ok: true, value: false });
    expect(coercer(null)).toEqual({ ok: true, value: false });
    expect(coercer('X')).toEqual({ ok: true, value: true });
  });

  it('takes spreadsheet booleans and 1/0 number cells', () => {
    expect(coerce(true)).toEqual({ ok: true, value: true });
    expect(coerce(false)).toEqual({ ok: true, value: false });
    expect(coerce(1)).toEqual({ ok: true, value: true });
    expect(coerce(0)).toEqual({ ok: true, value: false });
  });

  it('rejects other words and lists the accepted ones', () => {
    expect(coerce('vielleicht')).toEqual({
      ok: false,
      code: 'INVALID_BOOLEAN',
      message:
        "'vielleicht' is not a valid yes/no value (expected 1/true/yes/y/ja/j/x/wahr for yes, 0/false/no/n/nein/falsch/empty for no)",
    });
    expect(coerce(2)).toMatchObject({ ok: false, code: 'INVALID_BOOLEAN' });
  });
});

describe('boolean columns with configured words', () => {
  it('reads Ja/Nein only, case-insensitively, when the column names them', () => {
    const words = { trueValues: ['Ja'], falseValues: ['Nein'] };
    expect(coerce('JA', words)).toEqual({ ok: true, value: true });
    expect(coerce('nein', words)).toEqual({ ok: true, value: false });
    expect(coerce('1', words)).toMatchObject({
      ok: false,
      code: 'INVALID_BOOLEAN',
    });
  });

  it('treats an empty cell as empty (for the empty policy) when no false word is empty', () => {
    const { format, column } = setup({
      trueValues: ['Ja'],
      falseValues: ['Nein'],
    });
    expect(createCellCoercer(column, format)('')).toBeNull();
  });

  it("reads X/'' from format-wide words", () => {
    const wide = { trueValues: ['X'], falseValues: [''] };
    expect(coerce('x', {}, wide)).toEqual({ ok: true, value: true });
    expect(coerce('', {}, wide)).toEqual({ ok: true, value: false });
    expect(coerce('ja', {}, wide)).toMatchObject({ ok: false });
  });

  it('refuses a definition that lists a word as both true and false', () => {
    expect(() =>
      coerce('x', { trueValues: ['x'], falseValues: ['X'] }),
    ).toThrowError(
      "Format 'flags', column 'Gesperrt' (blocked): 'X' is listed as both true and false. Fix the format definition.",
    );
  });
});
