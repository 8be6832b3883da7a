import { describe, expect, it } from 'vitest';
import { RowFilterSchema } from '../../../src/formats/format-definition.js';
import { compileRowFilter } from '../../../src/rules/row-filter.js';

describe('compileRowFilter', () => {
  const pass = (
    definition: unknown,
    fields: Record<string, string | number | boolean | null>,
  ): boolean => compileRowFilter(RowFilterSchema.parse(definition))(fields);

  it('compares values as text; empty means absent, null or ""', () => {
    expect(pass({ field: 'creditLimit', equals: 0 }, { creditLimit: 0 })).toBe(
      true,
    );
    expect(
      pass({ field: 'postalCode', equals: '01067' }, { postalCode: '01067' }),
    ).toBe(true);
    expect(pass({ field: 'country', notEquals: 'DE' }, {})).toBe(true);
    expect(
      pass({ field: 'country', in: ['DE', 'AT'] }, { country: 'AT' }),
    ).toBe(true);
    expect(pass({ field: 'country', in: ['DE', 'AT'] }, {})).toBe(false);
    expect(pass({ field: 'country', notIn: ['DE'] }, { country: null })).toBe(
      true,
    );
    expect(pass({ field: 'email', empty: true }, { email: '' })).toBe(true);
    expect(pass({ field: 'email', notEmpty: true }, { email: null })).toBe(
      false,
    );
    expect(pass({ field: 'blocked', equals: false }, { blocked: false })).toBe(
      true,
    );
  });

  it('matches with a regular expression, unanchored unless the pattern anchors', () => {
    expect(
      pass({ field: 'name', matches: 'GmbH' }, { name: 'Müller GmbH & Co' }),
    ).toBe(true);
    expect(
      pass({ field: 'name', matches: '^GmbH' }, { name: 'Müller GmbH' }),
    ).toBe(false);
    expect(pass({ field: 'name', matches: 'x' }, {})).toBe(false);
  });

  it('combines with all and any, nested', () => {
    const definition = {
      all: [
        { field: 'country', equals: 'DE' },
        {
          any: [
            { field: 'company', notEmpty: true },
            { field: 'vatId', notEmpty: true },
          ],
        },
      ],
    };
    expect(pass(definition, { country: 'DE', vatId: 'DE1' })).toBe(true);
    expect(pass(definition, { country: 'DE' })).toBe(false);
    expect(pass(definition, { country: 'AT', company: 'X' })).toBe(false);
  });

  it('the schema wants exactly one operator and a valid regular expression', () => {
    expect(RowFilterSchema.safeParse({ field: 'name' }).success).toBe(false);
    expect(
      RowFilterSchema.safeParse({ field: 'name', equals: 'a', empty: true })
        .success,
    ).toBe(false);
    expect(
      RowFilterSchema.safeParse({ field: 'name', matches: '(' }).success,
    ).toBe(false);
    expect(
      RowFilterSchema.safeParse({ field: 'nope', equals: 'a' }).success,
    ).toBe(false);
    expect(RowFilterSchema.safeParse({ any: [] }).success).toBe(false);
  });
});
