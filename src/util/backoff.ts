/** Capped exponential back-off: initial, 2×, 4× … up to maxIntervalMs. `attempt` starts at 1. */
export function backoffMs(
  policy: { initialIntervalMs: number; maxIntervalMs: number },
  attempt: number,
): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 30));
  return Math.min(
    policy.initialIntervalMs * 2 ** exponent,
    policy.maxIntervalMs,
  );
}
