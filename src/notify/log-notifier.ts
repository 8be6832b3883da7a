import type { FileOutcome } from '../domain/file-outcome.js';
import type { LogEvent, LogLevel, LogMeta, Logger } from '../logging/logger.js';
import type { Notifier, RunNotification } from './notifier.js';

/**
 * Writes the one summary line per run (§8 of the style guide): the line people grep for and
 * alert on. Per-stage lines are the pipeline's business, at debug level.
 */
export class LogNotifier implements Notifier {
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  notifyRun(event: RunNotification): Promise<void> {
    const { level, logEvent, message } = summaryOf(
      event.outcome,
      event.gaveUp === true,
    );
    const { outcome } = event;
    const meta: LogMeta = {
      event: logEvent,
      file: event.file,
      format: outcome.format,
      job: event.job,
      runId: outcome.runId,
      status: outcome.status,
      mode: outcome.mode,
      counts: outcome.counts,
      issues: outcome.issues.length,
      durationMs: outcome.durationMs,
    };
    if (outcome.dryRun) {
      meta['dryRun'] = true;
    }
    if (outcome.duplicateOfRunId !== null) {
      meta['duplicateOfRunId'] = outcome.duplicateOfRunId;
    }
    if (outcome.error !== null) {
      meta['code'] = outcome.error.code;
      // The error itself (serialised with its cause chain by the logger), not the issues: row
      // issues carry cell values, which never go into a log line.
      meta['error'] = outcome.error;
    }
    this.#logger[level](message, meta);
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

interface Summary {
  level: LogLevel;
  logEvent: LogEvent;
  message: string;
}

function summaryOf(outcome: FileOutcome, gaveUp: boolean): Summary {
  switch (outcome.status) {
    case 'imported':
      return {
        level: 'info',
        logEvent: 'file.imported',
        message: 'File imported',
      };
    case 'partial':
      // Rows were dropped: warn, so it shows up next to rejected files (style guide §8).
      return {
        level: 'warn',
        logEvent: 'file.imported',
        message: 'File imported, some rows skipped',
      };
    case 'duplicate':
      return {
        level: 'info',
        logEvent: 'file.duplicate',
        message: 'File already imported, skipped',
      };
    case 'rejected':
      return {
        level: 'warn',
        logEvent: 'file.failed',
        message: 'File rejected',
      };
    case 'deferred':
      // A transient problem is a warning while retries remain; once they are used up a human
      // must act, which is what `error` means.
      return gaveUp
        ? {
            level: 'error',
            logEvent: 'file.failed',
            message: 'File deferred too often, giving up',
          }
        : {
            level: 'warn',
            logEvent: 'file.deferred',
            message: 'File deferred, will try again',
          };
    default: {
      const never: never = outcome.status;
      return never;
    }
  }
}
