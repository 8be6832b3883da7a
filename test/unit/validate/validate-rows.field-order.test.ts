import { describe, expect, it } from 'vitest';
import {
  FormatDefinitionSchema,
  type FormatDefinition,
} from '../../../src/formats/format-definition.js';
import { bindColumns } from '../../../src/validate/map-columns.js';
import {
  createRowValidator,
  type RowValidator,
} from '../../../src/validate/validate-rows.js';

/**
 * `sortFields`: records carry their fields in code-unit order of the names, attributes among
 * them, so the store can serialise them canonically with one JSON.stringify. Only the order
 * changes: values, issues and their order are the same as without it.
 */
const FORMAT = FormatDefinitionSchema.parse({
  type: 'delimited',
  id: 'order',
  unmappedColumns: 'attributes',
  decimalSeparator: ',',
  columns: [
    { field: 'name', source: 'Name', required: true },
    { field: 'customerNo', source: 'Nr.', required: true },
    { field: 'email', source: 'E-Mail', type: 'email' },
    { field: 'creditLimit', source: 'Limit', type: 'decimal' },
    { field: 'city', source: 'Ort' },
  ],
});
const HEADER = ['Nr.', 'Name', 'Zusatz', 'E-Mail', 'Limit', 'Ort', 'Alpha'];

function validator(
  format: FormatDefinition,
  sortFields?: boolean,
): RowValidator {
  return createRowValidator(format, bindColumns(format, HEADER, 'x.csv'), {
    defaultTimeZone: 'UTC',
    ...(sortFields === undefined ? {} : { sortFields }),
  });
}

const sorted = (keys: string[]): string[] => [...keys].sort();

describe('record field order', () => {
  const row = {
    line: 2,
    cells: ['K1', 'Anna', 'z', 'A@X.DE', '1,5', 'Köln', 'a'],
  };

  it('is format order, then attributes, by default', () => {
    const fields = validator(FORMAT).validate(row).record?.fields ?? {};
    expect(Object.keys(fields)).toEqual([
      'name',
      'customerNo',
      'email',
      'creditLimit',
      'city',
      'attributes.Zusatz',
      'attributes.Alpha',
    ]);
  });

  it('is code-unit order with sortFields, with the same values', () => {
    const plain = validator(FORMAT).validate(row).record;
    const record = validator(FORMAT, true).validate(row).record;
    const keys = Object.keys(record?.fields ?? {});
    expect(keys).toEqual(sorted(keys));
    expect(keys[0]).toBe('attributes.Alpha');
    expect(record).toEqual(plain);
    expect(Object.getPrototypeOf(record?.fields)).toBe(Object.prototype);
  });

  it('reports bad cells in column order either way', () => {
    const bad = {
      line: 3,
      cells: ['K2', '', 'z', 'no-mail', 'x', 'Köln', 'a'],
    };
    const plain = validator(FORMAT).validate(bad);
    const ordered = validator(FORMAT, true).validate(bad);
    expect(ordered).toEqual(plain);
    expect(ordered.issues.map((i) => i.column)).toEqual([
      'Name',
      'E-Mail',
      'Limit',
    ]);
  });
});
