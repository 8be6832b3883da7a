import type { FileOutcome } from '../domain/file-outcome.js';
import type { RowIssue } from '../domain/row-issue.js';
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

/** CSV with a UTF-8 BOM so Excel shows umlauts right; null when there is nothing to report. */
export function formatErrorsCsv(issues: readonly RowIssue[]): string | null {
  if (issues.length === 0) {
    return null;
  }
  const lines = [csvLine(ERRORS_CSV_HEADER)];
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
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
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
  const errors = outcome.issues.filter((i) => i.severity === 'error');
  if (errors.length > 0) {
    lines.push(
      '',
      `Row errors (${errors.length}${errors.length > MAX_ISSUES_IN_TEXT ? `, first ${MAX_ISSUES_IN_TEXT}` : ''}; all in the .errors.csv report):`,
    );
    for (const issue of errors.slice(0, MAX_ISSUES_IN_TEXT)) {
      lines.push(
        `  line ${issue.line}${issue.column ? `, column ${issue.column}` : ''}: ${issue.message}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
