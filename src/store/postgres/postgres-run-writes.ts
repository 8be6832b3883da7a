import type pg from 'pg';
import type { RowIssue, RowIssues } from '../../domain/row-issue.js';
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

/**
 * Issues a statement: a run may have a million, which as the arrays of one statement would take
 * several times their size in memory at once.
 */
const ISSUES_PER_STATEMENT = 5000;

/**
 * Stores a run's issues, ISSUES_PER_STATEMENT a statement, read as they are iterated (a run's
 * issues may not all be in memory); `seq` keeps the caller's order among issues of a line.
 */
export async function insertRunIssues(
  db: Queryable,
  sql: PostgresStatements,
  runId: number,
  issues: RowIssues,
): Promise<void> {
  let seq = 0;
  let chunk: RowIssue[] = [];
  const insert = async (): Promise<void> => {
    const first = seq - chunk.length;
    await db.query(sql.insertIssues, [
      runId,
      chunk.map((_, i) => first + i),
      chunk.map((i) => i.line),
      chunk.map((i) => i.column),
      chunk.map((i) => i.value),
      chunk.map((i) => i.code),
      chunk.map((i) => i.message),
      chunk.map((i) => i.severity),
      chunk.map((i) => i.cell ?? null),
    ]);
    chunk = [];
  };
  for (const issue of issues) {
    chunk.push(issue);
    seq += 1;
    if (chunk.length === ISSUES_PER_STATEMENT) {
      await insert();
    }
  }
  if (chunk.length > 0) {
    await insert();
  }
}
