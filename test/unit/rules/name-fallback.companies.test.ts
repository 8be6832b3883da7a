import { describe, expect, it } from 'vitest';
import { applyNameFallback } from '../../../src/rules/name-fallback.js';

/** A company account is no person's name: the fallback leaves its first/last name empty. */

describe('name fallback and company accounts', () => {
  it.each([
    'Müller GmbH',
    'Müller GmbH & Co. KG',
    'Schulz Bau AG',
    'Weber e.K.',
    'Acme Ltd.',
    'Acme Holdings Limited',
    'Acme Inc,',
    'Dupont S.A.R.L.',
    'Dupont SA',
    'Rossi S.p.A.',
    'Jansen B.V.',
    'Kowalski Sp. z o.o.',
    'Novák s.r.o.',
    'Svensson AB',
    'Meier & Co.',
  ])('%s keeps first and last name empty', (name) => {
    const fields = { name };
    expect(applyNameFallback(fields)).toBe(fields);
  });

  it('an account name that is a person next to a company column is split as usual', () => {
    expect(
      applyNameFallback({ name: 'Anna Schulz', company: 'Schulz GmbH' }),
    ).toEqual({
      name: 'Anna Schulz',
      company: 'Schulz GmbH',
      firstName: 'Anna',
      lastName: 'Schulz',
    });
  });

  it.each([
    ['Kim Sa', 'Kim', 'Sa'],
    ['Anna Maria Schulz', 'Anna', 'Maria Schulz'],
    ['Agnes Ag', 'Agnes', 'Ag'],
    ['Gabriel Co', 'Gabriel', 'Co'],
  ])(
    '%s is a person: first word / rest (short legal forms count only in capitals or with dots)',
    (name, firstName, lastName) => {
      expect(applyNameFallback({ name, company: '' })).toEqual({
        name,
        company: '',
        firstName,
        lastName,
      });
    },
  );

  it('a one-word legal form alone is a one-word name', () => {
    expect(applyNameFallback({ name: 'AG' })).toEqual({
      name: 'AG',
      firstName: 'AG',
    });
  });
});
