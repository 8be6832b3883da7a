import type { ImportCounts, OutcomeStatus } from '../domain/file-outcome.js';
import type { FormatDefinition } from '../formats/format-definition.js';

/**
 * Decides what rows that could not be imported mean for the file. Invalid rows are data: the
 * run goes on, and only when the format's error budget is spent does the whole file fail.
 */

/** True once more rows were skipped than the format allows: the run must fail and write nothing. */
export function isErrorBudgetSpent(
  counts: ImportCounts,
  format: FormatDefinition,
): boolean {
  return counts.skipped > format.onInvalidRows.maxSkippedRows;
}

/** Status of a run that got through the whole file within its budget. */
export function completedStatus(
  counts: ImportCounts,
): Extract<OutcomeStatus, 'imported' | 'partial'> {
  return counts.skipped > 0 ? 'partial' : 'imported';
}
