import type pg from 'pg';
import type { RowIssue } from '../../domain/row-issue.js';
import type { RunMeta, RunStatus, RunSummary } from '../customer-store.js';
import type { PostgresStatements } from './postgres-statements.js';

/**
 * Writing run records, shared by the store (runs recorded outside a session) and the import
 * session (a run's end). Callers own the transaction; `db` is the pool or a session's client.
 */

export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

export async function insertRun(
  db: Queryable,
  sql: PostgresStatements,
  row: {
    meta: RunMeta;
    status: RunStatus;
    duplicateOfRunId: number | null;
    summary: RunSummary | null;
  },
): Promise<number> {
  const { meta, summary } = row;
  const counts = summary?.counts;
  const result = await db.query<{ id: string }>(sql.insertRun, [
    meta.file,
    meta.sha256,
    meta.sizeBytes,
    meta.format,
    meta.mode,
    meta.job,
    meta.source,
    meta.instance,
    row.status,
    counts?.read ?? 0,
    counts?.inserted ?? 0,
    counts?.updated ?? 0,
    counts?.unchanged ?? 0,
    counts?.skipped ?? 0,
    counts?.warnings ?? 0,
    summary?.error?.code ?? null,
    summary?.error?.message ?? null,
    row.duplicateOfRunId,
    meta.startedAt,
    summary?.finishedAt ?? null,
    summary === null ? null : Math.round(summary.durationMs),
    counts?.filtered ?? 0,
    counts?.notChanged ?? 0,
    counts?.deactivated ?? 0,
    counts?.reactivated ?? 0,
    summary?.lastModifiedMax ?? null,
  ]);
  return Number(result.rows[0]?.id);
}

/** Parameters of `finishRun` / `failRun` from a run's summary. */
export function finishRunParams(
  runId: number,
  status: RunStatus,
  claimSha256: string | null,
  summary: RunSummary,
  overrides: {
    duplicateOfRunId?: number;
    errorCode?: string;
    errorMessage?: string;
    nothingWritten?: boolean;
  } = {},
): unknown[] {
  const { counts } = summary;
  const written = overrides.nothingWritten === true ? 0 : null;
  return [
    runId,
    status,
    claimSha256,
    counts.read,
    written ?? counts.inserted,
    written ?? counts.updated,
    written ?? counts.unchanged,
    counts.skipped,
    counts.warnings,
    overrides.errorCode ?? summary.error?.code ?? null,
    overrides.errorMessage ?? summary.error?.message ?? null,
    overrides.duplicateOfRunId ?? null,
    summary.finishedAt,
    Math.round(summary.durationMs),
    counts.filtered,
    counts.notChanged,
    written ?? counts.deactivated,
    written ?? counts.reactivated,
    // Only a committed run's point counts for the next changed-since run; a failed one keeps none.
    status === 'succeeded' ? (summary.lastModifiedMax ?? null) : null,
  ];
}

/** Stores a run's issues in one statement; `seq` keeps the caller's order among issues of a line. */
export async function insertRunIssues(
  db: Queryable,
  sql: PostgresStatements,
  runId: number,
  issues: readonly RowIssue[],
): Promise<void> {
  if (issues.length === 0) {
    return;
  }
  await db.query(sql.insertIssues, [
    runId,
    issues.map((_, seq) => seq),
    issues.map((i) => i.line),
    issues.map((i) => i.column),
    issues.map((i) => i.value),
    issues.map((i) => i.code),
    issues.map((i) => i.message),
    issues.map((i) => i.severity),
    issues.map((i) => i.cell ?? null),
  ]);
}
