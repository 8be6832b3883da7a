import {
  emptyCounts,
  type FileOutcome,
} from '../../../src/domain/file-outcome.js';
import type { RowIssue } from '../../../src/domain/row-issue.js';
import { AppError } from '../../../src/errors.js';

/** A FileOutcome as the pipeline would report it; override what a test is about. */
export function makeOutcome(overrides: Partial<FileOutcome> = {}): FileOutcome {
  return {
    status: 'imported',
    runId: 42,
    file: 'customers.txt',
    format: 'erp-customers',
    mode: 'update',
    sha256: 'a'.repeat(64),
    sizeBytes: 1234,
    dryRun: false,
    counts: { ...emptyCounts(), read: 3, inserted: 2, updated: 1 },
    issues: [],
    notices: [],
    error: null,
    duplicateOfRunId: null,
    changes: [],
    changesOmitted: 0,
    startedAt: '2025-03-04T10:00:00.000Z',
    finishedAt: '2025-03-04T10:00:01.500Z',
    durationMs: 1500,
    ...overrides,
  };
}

/** A rejected outcome: too many invalid rows, with `issueCount` issues that carry cell values. */
export function makeRejectedOutcome(issueCount = 3): FileOutcome {
  return makeOutcome({
    status: 'rejected',
    runId: null,
    counts: { ...emptyCounts(), read: issueCount + 1, skipped: issueCount },
    issues: makeIssues(issueCount),
    error: new AppError(
      'TOO_MANY_INVALID_ROWS',
      `${issueCount} of ${issueCount + 1} rows are invalid, more than the format allows (10%)`,
    ),
  });
}

/** Issues whose `value` is a marker a test can search for: it must never leave the report. */
export const SECRET_CELL_PREFIX = 'CELLVALUE-';

export function makeIssues(count: number): RowIssue[] {
  return Array.from({ length: count }, (_, i) => ({
    line: i + 2,
    column: 'E-Mail',
    value: `${SECRET_CELL_PREFIX}${i}@example.invalid`,
    code: 'INVALID_EMAIL' as const,
    message: 'is not an e-mail address',
    severity: 'error' as const,
  }));
}
