import type { MatchField } from '../../domain/customer-match.js';

/**
 * The SQL form of `normalizeMatchValue` (domain/customer-match.ts) over a customer's stored
 * data: the same text for the ASCII that VAT numbers and e-mail addresses are made of. Partial
 * indexes on exactly these expressions (customers without key) make the lookup an index scan,
 * so the text must never change without a migration that re-creates them.
 */
export const SQLITE_MATCH_EXPRESSIONS: Readonly<Record<MatchField, string>> = {
  vatId:
    "upper(replace(replace(replace(json_extract(data, '$.vatId'), ' ', ''), '.', ''), '-', ''))",
  email: "lower(trim(json_extract(data, '$.email'), ' '))",
};
