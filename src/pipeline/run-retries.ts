import { ErrorCode } from '../errors.js';
import type { FileOutcome } from '../domain/file-outcome.js';

/**
 * In-process retries of a whole run after a transient store error (SQLite busy past its
 * timeout, a PostgreSQL connection lost mid-run): the run was rolled back, so running it again
 * from the start is safe. Only a few, with capped exponential back-off; after them the outcome
 * stays `deferred`, and the watch service's own re-queueing (minutes apart) takes over. The
 * pipeline never retries single statements, so the two levels do not stack inside each other.
 */
export interface RunRetryPolicy {
  /** Runs after the first. */
  runRetries: number;
  initialIntervalMs: number;
  maxIntervalMs: number;
}

/** A deferred outcome because the store is unavailable (not a busy file, not a shutdown). */
export function isStoreRetryable(outcome: FileOutcome): boolean {
  return (
    outcome.status === 'deferred' &&
    outcome.error?.code === ErrorCode.STORE_UNAVAILABLE
  );
}

/** Waits, or stops waiting early when the signal aborts (shutdown must not hang on a back-off). */
export function sleepMs(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
