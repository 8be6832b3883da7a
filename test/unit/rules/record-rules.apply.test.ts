import { describe, expect, it } from 'vitest';
import type { StagedRecord } from '../../../src/domain/customer.js';
import {
  createRecordRules,
  type RuleFormat,
} from '../../../src/rules/record-rules.js';
import { applyClassDefaults } from '../../../src/rules/class-defaults.js';
import { deriveCustomerType } from '../../../src/rules/customer-type.js';
import { applyNameFallback } from '../../../src/rules/name-fallback.js';

const FORMAT: RuleFormat = {
  customerType: { b2bFields: ['company', 'vatId'] },
  blockedField: 'blocked',
  nameFallback: true,
  columns: [{ field: 'name' }, { field: 'firstName' }],
};

const rec = (fields: StagedRecord['fields']): StagedRecord => ({
  key: 'K1',
  line: 2,
  fields,
});

describe('customer rules', () => {
  it('derive B2B from a company or VAT number, else B2C', () => {
    expect(deriveCustomerType({ company: 'Acme' })).toBe('B2B');
    expect(deriveCustomerType({ vatId: 'DE1' })).toBe('B2B');
    expect(deriveCustomerType({ company: '  ', vatId: null })).toBe('B2C');
    expect(deriveCustomerType({ name: 'x', extra: 'y' }, ['extra'])).toBe(
      'B2B',
    );
  });

  it('name fallback: first word / rest, only when both names are empty', () => {
    expect(applyNameFallback({ name: ' Anna  Maria Schulz ' })).toMatchObject({
      firstName: 'Anna',
      lastName: 'Maria Schulz',
    });
    expect(applyNameFallback({ name: 'Solo', firstName: null })).toEqual({
      name: 'Solo',
      firstName: 'Solo',
    });
    const kept = { name: 'A B', lastName: 'Kept' };
    expect(applyNameFallback(kept)).toBe(kept);
    expect(applyNameFallback({ name: '' })).toEqual({ name: '' });
  });

  it('class defaults fill empty fields, never given ones; an unknown class is reported', () => {
    const classes = { EC: { currency: 'EUR', language: 'de' } };
    expect(
      applyClassDefaults(
        { customerClass: 'EC', currency: 'USD', language: '' },
        classes,
        undefined,
      ).fields,
    ).toEqual({
      customerClass: 'EC',
      currency: 'USD',
      language: 'de',
    });
    expect(applyClassDefaults({}, classes, 'EC').fields).toEqual({
      customerClass: 'EC',
      currency: 'EUR',
      language: 'de',
    });
    expect(
      applyClassDefaults({ customerClass: 'constructor' }, classes, undefined)
        .unknownClass,
    ).toBe('constructor');
    const none = { name: 'x' };
    expect(applyClassDefaults(none, classes, undefined)).toEqual({
      fields: none,
      unknownClass: null,
    });
  });

  it('createRecordRules filters first, then fills, then attaches type and status', () => {
    const rules = createRecordRules({
      format: {
        ...FORMAT,
        filter: { field: 'country', equals: 'DE' },
        customerClass: 'EC',
      },
      customerClasses: { EC: { currency: 'EUR' } },
    });
    expect(rules.apply(rec({ country: 'AT' }))).toBeNull();
    expect(
      rules.apply(
        rec({
          country: 'DE',
          name: 'Anna Schulz',
          company: 'X',
          blocked: true,
        }),
      ),
    ).toEqual({
      key: 'K1',
      line: 2,
      fields: {
        country: 'DE',
        name: 'Anna Schulz',
        company: 'X',
        blocked: true,
        customerClass: 'EC',
        currency: 'EUR',
        firstName: 'Anna',
        lastName: 'Schulz',
      },
      type: 'B2B',
      status: 'blocked',
    });
    const plain = rules.apply(rec({ country: 'DE', blocked: false }));
    expect(plain).toMatchObject({ type: 'B2C', status: 'active' });
  });

  it('the name fallback needs a first or last name column in the format', () => {
    const rules = createRecordRules({
      format: { ...FORMAT, columns: [{ field: 'name' }] },
      customerClasses: {},
    });
    expect(rules.apply(rec({ name: 'Anna Schulz' }))?.fields).toEqual({
      name: 'Anna Schulz',
    });
  });

  it('rules that are off leave type, status and names alone', () => {
    const rules = createRecordRules({
      format: { customerType: false, blockedField: false, nameFallback: false },
      customerClasses: {},
    });
    const result = rules.apply(rec({ name: 'Anna Schulz', blocked: true }));
    expect(result).toEqual({
      key: 'K1',
      line: 2,
      fields: { name: 'Anna Schulz', blocked: true },
    });
  });
});
