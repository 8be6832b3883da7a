import type { MatchField } from '../../domain/customer-match.js';

/**
 * The SQL form of `normalizeMatchValue` (domain/customer-match.ts) over a customer's stored
 * data: the same text for the ASCII that VAT numbers and e-mail addresses are made of. Partial
 * indexes on exactly these expressions (customers without key) make the lookup an index scan,
 * so the text must never change without a migration that re-creates them.
 */
export const POSTGRES_MATCH_EXPRESSIONS: Readonly<Record<MatchField, string>> =
  {
    vatId: "upper(translate(data ->> 'vatId', ' .-', ''))",
    email: "lower(btrim(data ->> 'email', ' '))",
  };
