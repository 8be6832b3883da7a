import type { FieldValue } from '../domain/customer.js';
import type { ImportCounts } from '../domain/file-outcome.js';
import type { RowIssue } from '../domain/row-issue.js';
import type { HistoryEntry, RunError } from './customer-store.js';

/**
 * Row mapping both back-ends share: the columns that have the same names and types in SQLite
 * and PostgreSQL (counts, errors, issues, history changes). Ids and timestamps differ by driver
 * (bigint/Date against number/text) and stay in each back-end's `*-rows.ts`.
 */

export interface RunCountColumns {
  read: number;
  inserted: number;
  updated: number;
  unchanged: number;
  skipped: number;
  warnings: number;
  filtered: number;
  not_changed: number;
  deactivated: number;
  reactivated: number;
}

export function toRunCounts(row: RunCountColumns): ImportCounts {
  return {
    read: row.read,
    inserted: row.inserted,
    updated: row.updated,
    unchanged: row.unchanged,
    skipped: row.skipped,
    warnings: row.warnings,
    filtered: row.filtered,
    notChanged: row.not_changed,
    deactivated: row.deactivated,
    reactivated: row.reactivated,
  };
}

export function toRunError(row: {
  error_code: string | null;
  error_message: string | null;
}): RunError | null {
  return row.error_code === null
    ? null
    : { code: row.error_code, message: row.error_message ?? '' };
}

export interface RunIssueColumns {
  line: number;
  column_name: string | null;
  value: string | null;
  code: string;
  message: string;
  severity: string;
  cell: string | null;
}

export function toRowIssue(row: RunIssueColumns): RowIssue {
  const issue: RowIssue = {
    line: row.line,
    column: row.column_name,
    value: row.value,
    code: row.code as RowIssue['code'],
    message: row.message,
    severity: row.severity as RowIssue['severity'],
  };
  if (row.cell !== null) {
    issue.cell = row.cell;
  }
  return issue;
}

/** History changes as stored (JSON / jsonb), where an `undefined` side is simply left out. */
export interface StoredChange {
  field: string;
  old?: FieldValue;
  new?: FieldValue;
}

/** Stored changes in the contract's shape, with explicit `undefined` sides. */
export function toFieldChanges(
  changes: readonly StoredChange[],
): HistoryEntry['changes'] {
  return changes.map((c) => ({ field: c.field, old: c.old, new: c.new }));
}
