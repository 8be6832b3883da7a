import type {
  CustomerStatus,
  CustomerType,
  ImportedStatus,
} from '../domain/customer.js';
import type { FieldChange } from '../domain/file-outcome.js';

/**
 * The pure half of a customer's status and type on an upsert, shared by the back-ends (the
 * PostgreSQL upsert statement does the same in SQL; the contract suite holds both to it).
 *
 * Status:
 * - a new customer is `blocked` when its row's blocked flag says so, else the run's `newStatus`
 *   (`blocked` = awaiting approval, or `active`);
 * - a deactivated customer that comes back in a file is reactivated: `active`, or `blocked` when
 *   its row's flag says so;
 * - otherwise the row's flag, when it has one, sets `blocked` / `active`; no flag keeps the status.
 *
 * Type: the type of the first import that derived one is kept. A row that derives another type
 * changes nothing and is reported (a warning and a history note).
 */

/** `stored` undefined: the customer is new. */
export function planStatus(
  stored: CustomerStatus | undefined,
  wanted: ImportedStatus | undefined,
  newStatus: ImportedStatus,
): CustomerStatus {
  if (stored === undefined) {
    return wanted === 'blocked' ? 'blocked' : newStatus;
  }
  if (stored === 'deactivated') {
    return wanted ?? 'active';
  }
  return wanted ?? stored;
}

export interface TypePlan {
  type: CustomerType | null;
  /** The row derived another type than the stored one, which was kept. */
  conflict: boolean;
}

/** `stored` undefined: new customer; null: a customer whose type was never derived. */
export function planType(
  stored: CustomerType | null | undefined,
  incoming: CustomerType | undefined,
): TypePlan {
  if (stored === undefined || stored === null) {
    return { type: incoming ?? null, conflict: false };
  }
  return {
    type: stored,
    conflict: incoming !== undefined && incoming !== stored,
  };
}

/** The status change as a history field change (appended after the data changes), or none. */
export function statusChange(
  before: CustomerStatus,
  after: CustomerStatus,
): FieldChange[] {
  return before === after ? [] : [{ field: 'status', old: before, new: after }];
}

/** History note of a refused type change, e.g. "type change B2C→B2B ignored". */
export function typeChangeIgnoredNote(
  stored: CustomerType,
  incoming: CustomerType,
): string {
  return `type change ${stored}→${incoming} ignored`;
}
