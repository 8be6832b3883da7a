/** Exit codes of the `customer-import` command. */
export const ExitCode = {
  /** The command did what was asked (an import succeeded, perhaps with skipped rows). */
  OK: 0,
  /** The command ran and failed: the file was rejected, a check found problems. */
  FAILED: 1,
  /** Usage or configuration error: wrong flags, bad config, unknown or invalid format. */
  USAGE: 2,
  /** A bug: an unexpected internal error. */
  INTERNAL: 70,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
