import { basename } from 'node:path';
import type { OutcomeStatus } from '../domain/file-outcome.js';
import { runSeverity, type RunNotification } from './notifier.js';

/**
 * The text of a run mail, as a pure function of the run. Customer data does not travel by mail:
 * the body has line numbers, columns, issue codes and messages, never cell values; the admin
 * finds those in the error report next to the failed file.
 */
export interface RunMail {
  subject: string;
  text: string;
}

/** Row issues listed in the body; the rest are only counted. */
export const MAIL_MAX_ISSUES = 20;

const SUBJECT_PREFIX = '[customer-import]';

export function composeRunMail(
  event: RunNotification,
  maxIssues = MAIL_MAX_ISSUES,
): RunMail {
  const { outcome } = event;
  const name = basename(event.file);
  const label = statusLabel(outcome.status, event.gaveUp === true);
  const where =
    event.job === null
      ? `manual import on ${event.instance}`
      : `job ${event.job} on ${event.instance}`;
  const subject = `${SUBJECT_PREFIX} ${label} ${name} (${where})${outcome.dryRun ? ' [dry run]' : ''}`;

  const c = outcome.counts;
  const lines: string[] = [
    `customer-import finished a run: ${label}.`,
    '',
    `Status:    ${label} (${outcome.status})`,
    `File:      ${event.file}`,
    `Job:       ${event.job ?? '(manual import)'}`,
    `Instance:  ${event.instance}`,
    `Format:    ${outcome.format} (mode ${outcome.mode}${outcome.dryRun ? ', dry run' : ''})`,
    `Time:      ${outcome.finishedAt} (took ${formatDuration(outcome.durationMs)})`,
    `Run:       ${outcome.runId === null ? 'not recorded' : `#${outcome.runId}`}`,
    `Rows:      read ${c.read}, inserted ${c.inserted}, updated ${c.updated}, unchanged ${c.unchanged}, skipped ${c.skipped}, warnings ${c.warnings}`,
  ];
  if (outcome.duplicateOfRunId !== null) {
    lines.push(
      `Duplicate: the same content was imported by run #${outcome.duplicateOfRunId}`,
    );
  }
  if (outcome.error !== null) {
    // Only our own message: AppError messages are written without cell values, but a cause
    // (a database driver's message, for example) may quote one.
    lines.push(
      '',
      `Error:     ${outcome.error.code}: ${outcome.error.message}`,
    );
  }

  if (outcome.issues.length > 0) {
    const shown = outcome.issues.slice(0, maxIssues);
    lines.push(
      '',
      outcome.issues.length > shown.length
        ? `Row issues (first ${shown.length} of ${outcome.issues.length}):`
        : `Row issues (${outcome.issues.length}):`,
    );
    for (const issue of shown) {
      const column = issue.column === null ? '' : `, column ${issue.column}`;
      const cell = issue.cell === undefined ? '' : ` (${issue.cell})`;
      lines.push(
        `  line ${issue.line}${column}${cell}: ${issue.severity} ${issue.code}: ${issue.message}`,
      );
    }
    if (outcome.issues.length > shown.length) {
      lines.push(`  … and ${outcome.issues.length - shown.length} more.`);
    }
  }

  lines.push('', ...nextSteps(event, name));
  return { subject, text: `${lines.join('\n')}\n` };
}

function statusLabel(status: OutcomeStatus, gaveUp: boolean): string {
  switch (status) {
    case 'imported':
      return 'IMPORTED';
    case 'partial':
      return 'PARTIAL';
    case 'duplicate':
      return 'DUPLICATE';
    case 'rejected':
      return 'FAILED';
    case 'deferred':
      return gaveUp ? 'FAILED' : 'DEFERRED';
    default: {
      const never: never = status;
      return never;
    }
  }
}

function nextSteps(event: RunNotification, name: string): string[] {
  const { outcome } = event;
  const severity = runSeverity(outcome.status, event.gaveUp === true);
  if (outcome.status === 'rejected') {
    return [
      'Nothing was imported. The file was moved to failed/.',
      `The full report with every issue is in failed/${name}.errors.csv.`,
    ];
  }
  if (outcome.status === 'deferred') {
    return severity === 'failure'
      ? [
          'Nothing was imported and the retries are used up. The file was left where it is.',
        ]
      : ['Nothing was imported yet. The file will be tried again.'];
  }
  if (outcome.issues.length > 0 && outcome.runId !== null) {
    return [
      `Every issue is in the run's report: customer-import runs show ${outcome.runId}`,
    ];
  }
  return [];
}

function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
