import type { RetryConfig } from '../config/app-config.js';

/** Capped exponential back-off: initial, 2×, 4× … up to maxIntervalMs. `attempt` starts at 1. */
export function backoffMs(retry: RetryConfig, attempt: number): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 30));
  return Math.min(retry.initialIntervalMs * 2 ** exponent, retry.maxIntervalMs);
}
