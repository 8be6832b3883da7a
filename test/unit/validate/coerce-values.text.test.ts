import { describe, expect, it } from 'vitest';
import { FormatDefinitionSchema } from '../../../src/formats/format-definition.js';
import {
  coerceCell,
  createCellCoercer,
  type CoerceResult,
} from '../../../src/validate/coerce-values.js';
import type { Cell } from '../../../src/parse/parser.js';

function setup(field: string, column: Record<string, unknown> = {}) {
  const format = FormatDefinitionSchema.parse({
    type: 'delimited',
    id: 'text',
    columns: [
      { field: 'customerNo', source: 'Nr.', required: true },
      { field, source: 'Spalte', ...column },
    ],
  });
  const target = format.columns[1];
  if (target === undefined) {
    throw new Error('column missing');
  }
  return { format, column: target };
}

function coerce(
  cell: Cell,
  field: string,
  column: Record<string, unknown> = {},
): CoerceResult {
  const { format, column: target } = setup(field, column);
  return coerceCell(cell, target, format);
}

describe('string columns', () => {
  it('trims by default and keeps leading zeros', () => {
    expect(coerce('  01067 ', 'postalCode')).toEqual({
      ok: true,
      value: '01067',
    });
  });

  it('keeps surrounding spaces when the column has no trim transform', () => {
    expect(coerce(' a b ', 'name', { transforms: [] })).toEqual({
      ok: true,
      value: ' a b ',
    });
  });

  it('applies transforms in the order listed', () => {
    expect(
      coerce('  müller   gmbh  ', 'name', {
        transforms: ['trim', 'collapseSpaces', 'upper'],
      }),
    ).toEqual({
      ok: true,
      value: 'MÜLLER GMBH',
    });
    expect(coerce('ABC', 'name', { transforms: ['lower'] })).toEqual({
      ok: true,
      value: 'abc',
    });
  });

  it('strips leading zeros only when asked, keeping a single zero', () => {
    const strip = { transforms: ['trim', 'stripLeadingZeros'] };
    expect(coerce(' 000123', 'attributes.code', strip)).toEqual({
      ok: true,
      value: '123',
    });
    expect(coerce('000A12', 'attributes.code', strip)).toEqual({
      ok: true,
      value: 'A12',
    });
    expect(coerce('0000', 'attributes.code', strip)).toEqual({
      ok: true,
      value: '0',
    });
  });

  it('runs the value map after transforms and before the type conversion', () => {
    const column = {
      type: 'country',
      transforms: ['trim', 'upper'],
      valueMap: { D: 'DE', UK: 'GB' },
    };
    expect(coerce(' d ', 'country', column)).toEqual({ ok: true, value: 'DE' });
    expect(coerce('uk', 'country', column)).toEqual({ ok: true, value: 'GB' });
    // Map keys are matched after transforms, so a lower-case key never matches upper-cased text.
    expect(
      coerce('x', 'country', { ...column, valueMap: { x: 'DE' } }),
    ).toMatchObject({ ok: false });
  });

  it('treats a value mapped to an empty string as an empty cell', () => {
    const { format, column } = setup('phone', { valueMap: { '-': '' } });
    expect(createCellCoercer(column, format)('-')).toBeNull();
  });

  it('looks value-map keys up without touching Object.prototype', () => {
    expect(coerce('constructor', 'name', { valueMap: { a: 'b' } })).toEqual({
      ok: true,
      value: 'constructor',
    });
    expect(
      coerce('__proto__', 'name', { valueMap: { __proto__x: 'b' } }),
    ).toEqual({ ok: true, value: '__proto__' });
  });

  it('turns spreadsheet numbers and booleans into text', () => {
    expect(coerce(4711, 'attributes.code')).toEqual({
      ok: true,
      value: '4711',
    });
    expect(coerce(true, 'name')).toEqual({ ok: true, value: 'true' });
  });

  it('returns null for an empty cell through coerceCell (the row validator applies the policy)', () => {
    expect(coerce('   ', 'name')).toEqual({ ok: true, value: null });
    expect(coerce(null, 'name')).toEqual({ ok: true, value: null });
  });
});

describe('e-mail columns', () => {
  it.each([
    [' Anna.Schmidt@Example.DE ', 'anna.schmidt@example.de'],
    ['o.brien+news@mail.co.uk', 'o.brien+news@mail.co.uk'],
    ['jörg@müller.de', 'jörg@müller.de'],
  ])('accepts %j as %j (trimmed, lower-cased)', (text, expected) => {
    expect(coerce(text, 'email', { type: 'email' })).toEqual({
      ok: true,
      value: expected,
    });
  });

  it.each([
    'anna',
    'anna@',
    '@example.de',
    'anna@example',
    'anna@@example.de',
    'an na@example.de',
    'anna.@example.de',
    'a..b@example.de',
    'anna@-example.de',
    'anna@example.d',
  ])('rejects %j', (text) => {
    expect(coerce(text, 'email', { type: 'email' })).toEqual({
      ok: false,
      code: 'INVALID_EMAIL',
      message: `'${text}' is not a valid e-mail address`,
    });
  });

  it('rejects addresses longer than 254 characters', () => {
    const long = `${'a'.repeat(64)}@${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.${'e'.repeat(10)}.de`;
    expect(long.length).toBeGreaterThan(254);
    expect(coerce(long, 'email', { type: 'email' })).toMatchObject({
      ok: false,
      code: 'INVALID_EMAIL',
    });
  });
});

describe('country columns', () => {
  it.each([
    ['DE', 'DE'],
    ['de', 'DE'],
    [' at ', 'AT'],
    ['DEU', 'DE'],
    ['che', 'CH'],
    ['GBR', 'GB'],
  ])('reads %j as %j', (text, expected) => {
    expect(coerce(text, 'country', { type: 'country' })).toEqual({
      ok: true,
      value: expected,
    });
  });

  it.each(['XX', 'UK', 'EU', 'D', 'Deutschland', 'XXX'])(
    'rejects %j',
    (text) => {
      expect(coerce(text, 'country', { type: 'country' })).toEqual({
        ok: false,
        code: 'INVALID_COUNTRY',
        message: `'${text}' is not an ISO 3166-1 country code (expected two letters such as DE, or three such as DEU)`,
      });
    },
  );
});
