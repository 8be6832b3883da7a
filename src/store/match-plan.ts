import {
  normalizeMatchValue,
  type MatchDecision,
  type MatchField,
} from '../domain/customer-match.js';
import type { StagedRecord } from '../domain/customer.js';

/**
 * The pure half of fallback matching, shared by the back-ends: given which keys the store
 * already has and the customers without ERP key that share a normalised value with the batch,
 * decide each record in order. A back-end reads those two sets with two indexed queries per
 * batch and then writes only the pairings, so a batch with no new key costs one lookup.
 */

/** A customer without ERP key, with its normalised match values. */
export interface MatchCandidate {
  id: number;
  values: Partial<Record<MatchField, string | null>>;
}

/** The normalised values a batch could match by, per field (for the candidate query). */
export function matchValues(
  records: readonly StagedRecord[],
  on: readonly MatchField[],
): Record<MatchField, string[]> {
  const values: Record<MatchField, Set<string>> = {
    vatId: new Set(),
    email: new Set(),
  };
  for (const record of records) {
    for (const field of on) {
      const value = normalizeMatchValue(field, record.fields[field]);
      if (value !== null) {
        values[field].add(value);
      }
    }
  }
  return { vatId: [...values.vatId], email: [...values.email] };
}

/**
 * One decision per record. A record whose key the store has, or that an earlier record of the
 * batch already brought (a key twice in a file), is `none`: `applyBatch` handles it by key.
 * Fields are tried in order; the first with any candidate decides: one is `matched`, several are
 * `ambiguous` (never guessed). A customer matched once is taken and no candidate any more.
 */
export function planMatches(
  records: readonly StagedRecord[],
  existingKeys: ReadonlySet<string>,
  candidates: readonly MatchCandidate[],
  on: readonly MatchField[],
): MatchDecision[] {
  const knownKeys = new Set(existingKeys);
  const taken = new Set<number>();
  const byId = [...candidates].sort((a, b) => a.id - b.id);
  return records.map((record): MatchDecision => {
    if (knownKeys.has(record.key)) {
      return { kind: 'none' };
    }
    knownKeys.add(record.key);
    for (const field of on) {
      const value = normalizeMatchValue(field, record.fields[field]);
      if (value === null) {
        continue;
      }
      const found = byId.filter(
        (c) => !taken.has(c.id) && c.values[field] === value,
      );
      const first = found[0];
      if (first === undefined) {
        continue;
      }
      if (found.length > 1) {
        return {
          kind: 'ambiguous',
          candidateIds: found.map((c) => c.id),
          field,
        };
      }
      taken.add(first.id);
      return { kind: 'matched', customerId: first.id, field };
    }
    return { kind: 'none' };
  });
}

/** The history note of a pairing; no customer data (the value matched is in the run's report, not here). */
export function matchNote(
  field: MatchField,
  customerId: number,
  key: string,
): string {
  return `matched by ${field} to customer #${customerId}, which had no ERP key; it now has key '${key}'`;
}
