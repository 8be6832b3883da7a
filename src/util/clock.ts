/** Injected time source, so stability rules and run records can be tested without real waiting. */
export interface Clock {
  now(): number;
}

export const SYSTEM_CLOCK: Clock = { now: () => Date.now() };
