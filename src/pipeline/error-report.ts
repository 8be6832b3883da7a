import { open } from 'node:fs/promises';
import type { FileOutcome } from '../domain/file-outcome.js';
import type { RowIssue, RowIssues } from '../domain/row-issue.js';
import { csvLine } from '../util/csv-safe.js';

/**
 * The texts of a run's reports: `<name>.errors.csv` (every skipped or warned row, with the bad
 * value so the admin can fix the export) and `<name>.error.txt` (why the run failed).
 * Cell values appear here and nowhere in the logs.
 */

export const ERRORS_CSV_HEADER = [
  'line',
  'column',
  'cell',
  'value',
  'code',
  'severity',
  'message',
] as const;

/** Lines per piece of `errorsCsvChunks`. */
const CSV_CHUNK_LINES = 2000;

/** CSV with a UTF-8 BOM so Excel shows umlauts right; null when there is nothing to report. */
export function formatErrorsCsv(issues: RowIssues): string | null {
  return issues.length === 0 ? null : [...errorsCsvChunks(issues)].join('');
}

/**
 * The text of `formatErrorsCsv` in pieces of a few thousand lines, for writing to a file: a run
 * with a million row issues would otherwise build the whole report as one string (several times
 * the memory of the issues themselves) at its very end. Nothing when there are no issues.
 */
export function* errorsCsvChunks(issues: RowIssues): Generator<string> {
  if (issues.length === 0) {
    return;
  }
  // Iterated, not indexed: a run's issues may not all be in memory (row-issue-log.ts).
  let lines = [`\uFEFF${csvLine(ERRORS_CSV_HEADER)}`];
  for (const issue of issues) {
    lines.push(
      csvLine([
        issue.line,
        issue.column,
        issue.cell ?? null,
        issue.value,
        issue.code,
        issue.severity,
        issue.message,
      ]),
    );
    if (lines.length >= CSV_CHUNK_LINES) {
      yield `${lines.join('\r\n')}\r\n`;
      lines = [];
    }
  }
  if (lines.length > 0) {
    yield `${lines.join('\r\n')}\r\n`;
  }
}

/** The `.errors.csv` of these issues as pieces to write (each iteration starts over), or null. */
export function errorsCsvPieces(issues: RowIssues): Iterable<string> | null {
  return issues.length === 0
    ? null
    : { [Symbol.iterator]: () => errorsCsvChunks(issues) };
}

/**
 * Writes the `.errors.csv` of these issues to `path` piece by piece (see errorsCsvChunks);
 * `flag` as for `fs.open` (`wx`: never overwrite). False, and no file, when there are no issues.
 */
export async function writeErrorsCsv(
  path: string,
  issues: RowIssues,
  flag = 'w',
): Promise<boolean> {
  if (issues.length === 0) {
    return false;
  }
  const handle = await open(path, flag);
  try {
    for (const chunk of errorsCsvChunks(issues)) {
      await handle.writeFile(chunk, 'utf8');
    }
  } finally {
    await handle.close();
  }
  return true;
}

const MAX_ISSUES_IN_TEXT = 50;

/** A plain-text explanation of a run, for `<name>.error.txt` and e-mails. */
export function formatOutcomeText(
  outcome: FileOutcome,
  context: { job?: string | null; instance?: string },
): string {
  const c = outcome.counts;
  const lines = [
    `File:      ${outcome.file}`,
    `Format:    ${outcome.format}`,
    `Mode:      ${outcome.mode}`,
  ];
  if (context.job) {
    lines.push(`Job:       ${context.job}`);
  }
  if (context.instance) {
    lines.push(`Instance:  ${context.instance}`);
  }
  lines.push(
    `Run:       ${outcome.runId ?? '-'}`,
    `Status:    ${outcome.status}`,
    `Started:   ${outcome.startedAt}`,
    `Duration:  ${outcome.durationMs} ms`,
    `SHA-256:   ${outcome.sha256 ?? '-'}`,
    `Rows:      read ${c.read}, inserted ${c.inserted}, updated ${c.updated}, unchanged ${c.unchanged}, skipped ${c.skipped}, warnings ${c.warnings}`,
  );
  if (outcome.error) {
    lines.push('', `Error (${outcome.error.code}):`, outcome.error.message);
  }
  if (outcome.notices.length > 0) {
    lines.push('', 'Notes:', ...outcome.notices.map((n) => `  ${n}`));
  }
  if (outcome.status === 'rejected') {
    lines.push('', 'Nothing from this file was written to the database.');
  }
  const { shown, total } = firstErrors(outcome.issues, MAX_ISSUES_IN_TEXT);
  if (total > 0) {
    lines.push(
      '',
      `Row errors (${total}${total > MAX_ISSUES_IN_TEXT ? `, first ${MAX_ISSUES_IN_TEXT}` : ''}; all in the .errors.csv report):`,
    );
    for (const issue of shown) {
      lines.push(
        `  line ${issue.line}${issue.column ? `, column ${issue.column}` : ''}: ${issue.message}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The first `max` issues of severity `error`, and how many there are. */
function firstErrors(
  issues: RowIssues,
  max: number,
): { shown: RowIssue[]; total: number } {
  const shown: RowIssue[] = [];
  let total = 0;
  for (const issue of issues) {
    if (issue.severity === 'error') {
      total += 1;
      if (shown.length < max) {
        shown.push(issue);
      }
    }
  }
  return { shown, total };
}
