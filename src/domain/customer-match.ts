import type { FieldValue } from './customer.js';

/**
 * Fallback matching: a row whose key is new may be paired with an existing customer that has
 * no ERP key yet (one a webstore created), by VAT number or e-mail. The store compares the
 * normalised forms below; its SQL expressions must give the same text (store/customer-match-sql).
 */
export const MATCH_FIELDS = ['vatId', 'email'] as const;
export type MatchField = (typeof MATCH_FIELDS)[number];

/**
 * The form a value is compared in, or null when there is nothing to compare. VAT numbers lose
 * spaces, dots and dashes and are upper-cased ("de 123.456-789" = "DE123456789"); e-mail
 * addresses lose surrounding spaces and are lower-cased.
 */
export function normalizeMatchValue(
  field: MatchField,
  value: FieldValue | undefined,
): string | null {
  if (value === undefined || value === null || typeof value === 'boolean') {
    return null;
  }
  const text = String(value);
  const normalized =
    field === 'vatId'
      ? text.replace(/[ .-]/g, '').toUpperCase()
      : text.replace(/^ +| +$/g, '').toLowerCase();
  return normalized === '' ? null : normalized;
}

/** What became of one row's fallback match. */
export type MatchDecision =
  | { kind: 'none' }
  | { kind: 'matched'; customerId: number; field: MatchField }
  | { kind: 'ambiguous'; candidateIds: number[]; field: MatchField };
