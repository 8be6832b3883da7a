import type { FileOutcome, OutcomeStatus } from '../domain/file-outcome.js';

/**
 * The notifier contract: told once about every finished run, it reports it somewhere (the log,
 * an e-mail, later a webhook). The pipeline depends on this interface only.
 *
 * Notifiers never throw: a mail server that is down must not turn an imported file into a
 * failed one. They log their own failures (`notify.failed`) instead.
 */
export interface Notifier {
  notifyRun(event: RunNotification): Promise<void>;
  /** Releases connections (SMTP pool, …). */
  close(): Promise<void>;
}

export interface RunNotification {
  /** The watch job that picked the file up; null for a manual `import`. */
  job: string | null;
  /** The instance (host) that ran the import. */
  instance: string;
  /** The export file, as the pipeline names it (relative to the exchange root, or a path). */
  file: string;
  outcome: FileOutcome;
  /**
   * For `deferred` outcomes: true when the retries are used up and the file stays where it is
   * until someone acts. A deferred file that will be tried again is not a failure yet.
   */
  gaveUp?: boolean;
}

/** What a run means for the people who get told about it. */
export const RUN_SEVERITIES = [
  'success',
  'warning',
  'failure',
  'pending',
] as const;
export type RunSeverity = (typeof RUN_SEVERITIES)[number];

/**
 * - `success`: imported, or already imported (duplicate);
 * - `warning`: committed, but rows were skipped (partial);
 * - `failure`: rejected, or deferred with the retries used up;
 * - `pending`: deferred and will be tried again, nothing to report yet.
 */
export function runSeverity(
  status: OutcomeStatus,
  gaveUp = false,
): RunSeverity {
  switch (status) {
    case 'imported':
    case 'duplicate':
      return 'success';
    case 'partial':
      return 'warning';
    case 'rejected':
      return 'failure';
    case 'deferred':
      return gaveUp ? 'failure' : 'pending';
    default: {
      const never: never = status;
      return never;
    }
  }
}
