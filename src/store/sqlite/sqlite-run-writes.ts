import type { RowIssues } from '../../domain/row-issue.js';
import type { RunMeta, RunStatus, RunSummary } from '../customer-store.js';
import type { FinishRunParams, SqliteStatements } from './sqlite-statements.js';

/**
 * Writing run records, shared by the store (runs recorded outside a session) and the import
 * session (a run's end). Callers own the transaction.
 */

/** Inserts a run row; `id` null lets SQLite pick, a number pins it (replay after a rollback). */
export function insertRun(
  st: SqliteStatements,
  row: {
    id: number | null;
    meta: RunMeta;
    status: RunStatus;
    duplicateOfRunId: number | null;
    summary: RunSummary | null;
  },
): number {
  const { meta, summary } = row;
  const counts = summary?.counts;
  const result = st.insertRun.run({
    id: row.id,
    file: meta.file,
    sha256: meta.sha256,
    sizeBytes: meta.sizeBytes,
    format: meta.format,
    mode: meta.mode,
    job: meta.job,
    source: meta.source,
    instance: meta.instance,
    status: row.status,
    read: counts?.read ?? 0,
    inserted: counts?.inserted ?? 0,
    updated: counts?.updated ?? 0,
    unchanged: counts?.unchanged ?? 0,
    skipped: counts?.skipped ?? 0,
    warnings: counts?.warnings ?? 0,
    filtered: counts?.filtered ?? 0,
    notChanged: counts?.notChanged ?? 0,
    deactivated: counts?.deactivated ?? 0,
    reactivated: counts?.reactivated ?? 0,
    lastModifiedMax: summary?.lastModifiedMax ?? null,
    errorCode: summary?.error?.code ?? null,
    errorMessage: summary?.error?.message ?? null,
    duplicateOfRunId: row.duplicateOfRunId,
    startedAt: meta.startedAt,
    finishedAt: summary?.finishedAt ?? null,
    durationMs: summary === null ? null : Math.round(summary.durationMs),
  });
  return Number(result.lastInsertRowid);
}

/** The UPDATE that ends a run, from its summary. */
export function finishRunParams(
  runId: number,
  status: RunStatus,
  claimSha256: string | null,
  summary: RunSummary,
): FinishRunParams {
  const { counts } = summary;
  return {
    id: runId,
    status,
    claimSha256,
    read: counts.read,
    inserted: counts.inserted,
    updated: counts.updated,
    unchanged: counts.unchanged,
    skipped: counts.skipped,
    warnings: counts.warnings,
    filtered: counts.filtered,
    notChanged: counts.notChanged,
    deactivated: counts.deactivated,
    reactivated: counts.reactivated,
    // Only a committed run's point counts for the next changed-since run; a failed one keeps none.
    lastModifiedMax:
      status === 'succeeded' ? (summary.lastModifiedMax ?? null) : null,
    errorCode: summary.error?.code ?? null,
    errorMessage: summary.error?.message ?? null,
    duplicateOfRunId: null,
    finishedAt: summary.finishedAt,
    durationMs: Math.round(summary.durationMs),
  };
}

/** Stores a run's issues; `seq` keeps the caller's order among issues of the same line. */
export function insertRunIssues(
  st: SqliteStatements,
  runId: number,
  issues: RowIssues,
): void {
  // Iterated, not indexed: a run's issues may not all be in memory (pipeline/row-issue-log.ts).
  let seq = 0;
  for (const issue of issues) {
    st.insertIssue.run({
      runId,
      seq,
      line: issue.line,
      column: issue.column,
      value: issue.value,
      code: issue.code,
      message: issue.message,
      severity: issue.severity,
      cell: issue.cell ?? null,
    });
    seq += 1;
  }
}
