import type { AppError } from '../errors.js';
import type { FieldValue } from './customer.js';
import type { RowIssues } from './row-issue.js';

export const IMPORT_MODES = ['update', 'rebuild', 'changed-since'] as const;
export type ImportMode = (typeof IMPORT_MODES)[number];

/**
 * What became of one file:
 * - `imported`: every row went in;
 * - `partial`: the run committed, some rows were skipped (all reported);
 * - `rejected`: nothing was written (bad file, error budget spent, …);
 * - `duplicate`: the same content was already imported by an earlier run;
 * - `deferred`: the file could not be processed now (busy, store down) and should be tried later.
 */
export const OUTCOME_STATUSES = [
  'imported',
  'partial',
  'rejected',
  'duplicate',
  'deferred',
] as const;
export type OutcomeStatus = (typeof OUTCOME_STATUSES)[number];

export interface ImportCounts {
  /** Data rows read from the file (header and skipped preamble lines not counted). */
  read: number;
  inserted: number;
  updated: number;
  unchanged: number;
  /** Rows not imported because of errors. */
  skipped: number;
  /** Rows with warnings that were still imported (e.g. duplicate keys). */
  warnings: number;
  /** Rows left out by the format's filter or by a selection (--only-key / --only-email); not errors. */
  filtered: number;
  /** changed-since: rows whose last-modified value is at or before the point; not written. */
  notChanged: number;
  /** rebuild: customers of the source that were not in the file and were deactivated. */
  deactivated: number;
  /** Customers that were deactivated and came back in this file (also counted as updated). */
  reactivated: number;
}

export function emptyCounts(): ImportCounts {
  return {
    read: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    skipped: 0,
    warnings: 0,
    filtered: 0,
    notChanged: 0,
    deactivated: 0,
    reactivated: 0,
  };
}

/** A changed field: what the store had, what the file brings. */
export interface FieldChange {
  field: string;
  old: FieldValue | undefined;
  new: FieldValue | undefined;
}

/** One record that was (or, in a dry run, would be) inserted or updated. */
export interface RecordChange {
  key: string;
  line: number;
  operation: 'inserted' | 'updated';
  changes: FieldChange[];
}

export interface FileOutcome {
  status: OutcomeStatus;
  /** Run id in the store; null for dry runs and for files rejected before a run could be recorded. */
  runId: number | null;
  file: string;
  format: string;
  mode: ImportMode;
  sha256: string | null;
  sizeBytes: number;
  dryRun: boolean;
  counts: ImportCounts;
  /** Every row issue of the run, in file order; iterate them (there may be more than memory holds). */
  issues: RowIssues;
  /** File-level remarks that did not stop the run (an optional column missing, a header twice, …). */
  notices: string[];
  /** A selection (--only-key / --only-email): the asked-for keys or e-mails the file did not contain. */
  notFound?: string[];
  /** Why the file was rejected or deferred. */
  error: AppError | null;
  /** For `duplicate`: the run that imported this content before. */
  duplicateOfRunId: number | null;
  /**
   * Dry runs: the records that would change, in file order, up to the run's limit (ProcessFileDeps
   * `dryRunChangesKept`). Real runs: empty (history is in the store).
   */
  changes: RecordChange[];
  /** Dry runs: records that would change beyond those listed in `changes`, counted only. */
  changesOmitted: number;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
}

/**
 * Frees what an outcome holds outside memory (the temporary file of its row issues beyond those
 * kept in memory). Call it once the outcome has been reported (reports, mails, output); reading
 * its issues afterwards throws. An outcome dropped without it frees the file when it is
 * garbage-collected.
 */
export function releaseOutcome(outcome: FileOutcome): void {
  outcome.issues.release?.();
}

/** Did the run do what was asked (the CLI's exit code 0)? */
export function outcomeSucceeded(status: OutcomeStatus): boolean {
  switch (status) {
    case 'imported':
    case 'partial':
    case 'duplicate':
      return true;
    case 'rejected':
    case 'deferred':
      return false;
    default: {
      const never: never = status;
      return never;
    }
  }
}
