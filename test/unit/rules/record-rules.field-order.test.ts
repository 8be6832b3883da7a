import { describe, expect, it } from 'vitest';
import { FormatDefinitionSchema } from '../../../src/formats/format-definition.js';
import { applyClassDefaults } from '../../../src/rules/class-defaults.js';
import { applyNameFallback } from '../../../src/rules/name-fallback.js';
import { createRecordRules } from '../../../src/rules/record-rules.js';
import { bindColumns } from '../../../src/validate/map-columns.js';
import { createRowValidator } from '../../../src/validate/validate-rows.js';

/**
 * Records leave validation with their fields in code-unit order (sortFields); the fields the
 * rules add (class defaults, name fallback) are merged into that order, in one copy without a
 * prototype, so the store can still serialise them with one JSON.stringify.
 */
const FORMAT = FormatDefinitionSchema.parse({
  type: 'delimited',
  id: 'order',
  unmappedColumns: 'attributes',
  columns: [
    { field: 'name', source: 'Name', required: true },
    { field: 'customerNo', source: 'Nr.', required: true },
    { field: 'city', source: 'Ort' },
  ],
});
const HEADER = ['Nr.', 'Name', 'Ort', 'Alpha'];
const validator = createRowValidator(
  FORMAT,
  bindColumns(FORMAT, HEADER, 'x.csv'),
  { defaultTimeZone: 'UTC', sortFields: true },
);
const row = { line: 2, cells: ['K1', 'Anna Maria Schulz', 'Köln', 'a'] };
const sorted = (keys: string[]): string[] => [...keys].sort();
const CLASSES = { EC: { currency: 'EUR', language: 'de' } };

describe('record rules and field order', () => {
  it('stays sorted when the rules add fields (class defaults, name fallback)', () => {
    const rules = createRecordRules({
      format: {
        customerType: false,
        blockedField: false,
        nameFallback: true,
        columns: [{ field: 'name' }, { field: 'firstName' }],
      },
      customerClasses: CLASSES,
      defaultClass: 'EC',
    });
    const record = validator.validate(row).record;
    if (record === null) {
      throw new Error('expected a record');
    }
    const ruled = rules.apply(record);
    const keys = Object.keys(ruled?.fields ?? {});
    expect(keys).toEqual(sorted(keys));
    expect(ruled?.fields).toEqual({
      city: 'Köln',
      currency: 'EUR',
      customerClass: 'EC',
      customerNo: 'K1',
      firstName: 'Anna',
      language: 'de',
      lastName: 'Maria Schulz',
      name: 'Anna Maria Schulz',
      'attributes.Alpha': 'a',
    });
    // The same values as the two rules applied one after the other.
    expect(ruled?.fields).toEqual(
      applyNameFallback(
        applyClassDefaults(record.fields, CLASSES, 'EC').fields,
      ),
    );
    expect(Object.getPrototypeOf(ruled?.fields)).toBe(Object.prototype);
    // The input record is not changed.
    expect(Object.keys(record.fields)).not.toContain('currency');
  });

  it('leave a record the rules do not change as it is', () => {
    const rules = createRecordRules({
      format: { customerType: false, blockedField: false, nameFallback: false },
      customerClasses: {},
    });
    const record = validator.validate(row).record;
    if (record === null) {
      throw new Error('expected a record');
    }
    expect(rules.apply(record)?.fields).toBe(record.fields);
  });
});
