import type { RetryConfig } from '../config/app-config.js';
import { backoffMs } from '../util/backoff.js';

/**
 * Back-off for drops that cannot be claimed yet (locked by the ERP, a virus scanner, a share
 * that says EBUSY/EPERM). Counted per drop path, so the delay grows from `initialIntervalMs` to
 * the cap instead of staying at the first step. A locked file cannot be moved to failed/ (that
 * is a rename too), so after `maxRetries` we tell a human once and keep looking at the cap.
 */

export interface ClaimRetryDecision {
  /** How many claims of this path have failed so far (1 for the first). */
  attempt: number;
  /** When to look again, in ms. */
  retryInMs: number;
  /** True exactly once: on the failure that used up `maxRetries`. Log an error and notify then. */
  gaveUpNow: boolean;
  /** The retries are used up (now or earlier); looking goes on at `maxIntervalMs`. */
  exhausted: boolean;
}

export class ClaimRetries {
  readonly #retry: RetryConfig;
  readonly #attempts = new Map<string, number>();

  constructor(retry: RetryConfig) {
    this.#retry = retry;
  }

  /** Records one more failed claim of `path` and says what to do. */
  next(path: string): ClaimRetryDecision {
    const attempt = (this.#attempts.get(path) ?? 0) + 1;
    this.#attempts.set(path, attempt);
    const exhausted = attempt > this.#retry.maxRetries;
    return {
      attempt,
      exhausted,
      gaveUpNow: attempt === this.#retry.maxRetries + 1,
      retryInMs: exhausted
        ? this.#retry.maxIntervalMs
        : backoffMs(this.#retry, attempt),
    };
  }

  /** The path was claimed, or what is there is another file now: start counting from scratch. */
  forget(path: string): void {
    this.#attempts.delete(path);
  }
}
