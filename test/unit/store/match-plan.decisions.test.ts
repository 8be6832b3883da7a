import { describe, expect, it } from 'vitest';
import { normalizeMatchValue } from '../../../src/domain/customer-match.js';
import {
  matchValues,
  planMatches,
  type MatchCandidate,
} from '../../../src/store/match-plan.js';

const rec = (key: string, fields: Record<string, string>, line = 2) => ({
  key,
  fields,
  line,
});

describe('normalizeMatchValue', () => {
  it('drops spaces, dots and dashes from VAT numbers and upper-cases them', () => {
    expect(normalizeMatchValue('vatId', ' de 123.456-789 ')).toBe(
      'DE123456789',
    );
  });
  it('trims and lower-cases e-mail addresses', () => {
    expect(normalizeMatchValue('email', '  Info@Example.COM ')).toBe(
      'info@example.com',
    );
  });
  it('has nothing to compare for empty, missing and boolean values', () => {
    expect(normalizeMatchValue('vatId', ' - ')).toBeNull();
    expect(normalizeMatchValue('email', undefined)).toBeNull();
    expect(normalizeMatchValue('email', null)).toBeNull();
    expect(normalizeMatchValue('email', true)).toBeNull();
  });
});

describe('planMatches', () => {
  const candidates: MatchCandidate[] = [
    { id: 7, values: { vatId: 'DE1', email: 'a@x.example' } },
    { id: 3, values: { email: 'a@x.example' } },
    { id: 9, values: { vatId: 'DE2' } },
  ];

  it('collects the normalised values of a batch per field, once each', () => {
    const values = matchValues(
      [
        rec('1', { vatId: 'de 1', email: 'A@x.example' }),
        rec('2', { vatId: 'DE1' }),
      ],
      ['vatId', 'email'],
    );
    expect(values).toEqual({ vatId: ['DE1'], email: ['a@x.example'] });
  });

  it('decides records in order, by the first field that finds a candidate', () => {
    const decisions = planMatches(
      [
        rec('K1', { vatId: 'DE1', email: 'a@x.example' }),
        rec('K2', { email: 'a@x.example' }),
        rec('K3', { vatId: 'DE9', email: 'nobody@x.example' }),
        rec('K4', { vatId: 'de-2' }),
      ],
      new Set(),
      candidates,
      ['vatId', 'email'],
    );
    expect(decisions).toEqual([
      { kind: 'matched', customerId: 7, field: 'vatId' },
      // #7 is taken now, so the e-mail finds #3 alone.
      { kind: 'matched', customerId: 3, field: 'email' },
      { kind: 'none' },
      { kind: 'matched', customerId: 9, field: 'vatId' },
    ]);
  });

  it('reports several candidates as ambiguous, sorted by id, and pairs none of them', () => {
    const decisions = planMatches(
      [rec('K1', { email: 'a@x.example' }), rec('K2', { vatId: 'DE1' })],
      new Set(),
      candidates,
      ['email', 'vatId'],
    );
    expect(decisions).toEqual([
      { kind: 'ambiguous', candidateIds: [3, 7], field: 'email' },
      { kind: 'matched', customerId: 7, field: 'vatId' },
    ]);
  });

  it('matches nothing for keys the store has, or that came earlier in the batch', () => {
    const decisions = planMatches(
      [
        rec('K1', { vatId: 'DE1' }),
        rec('K2', { vatId: 'DE2' }),
        rec('K2', { vatId: 'DE2' }),
      ],
      new Set(['K1']),
      candidates,
      ['vatId'],
    );
    expect(decisions).toEqual([
      { kind: 'none' },
      { kind: 'matched', customerId: 9, field: 'vatId' },
      { kind: 'none' },
    ]);
  });
});
