/**
 * The one error type of customer-import. Every error that crosses a module boundary is an
 * `AppError` with a `code` from {@link ErrorCode}; callers decide what to do by the code and
 * by `retryable`, never by the message text.
 */

export const ErrorCode = {
  // Start-up, fatal: the CLI prints and exits 2, the service refuses to start.
  CONFIG_INVALID: 'CONFIG_INVALID',
  FORMAT_DEFINITION_INVALID: 'FORMAT_DEFINITION_INVALID',
  FORMAT_NOT_FOUND: 'FORMAT_NOT_FOUND',
  STORE_MIGRATION_FAILED: 'STORE_MIGRATION_FAILED',
  USAGE: 'USAGE',
  // File, permanent: the file is rejected (failed/ plus an error report), no retry.
  FORMAT_NOT_MATCHED: 'FORMAT_NOT_MATCHED',
  FILE_UNREADABLE: 'FILE_UNREADABLE',
  FILE_EMPTY: 'FILE_EMPTY',
  FILE_TOO_LARGE: 'FILE_TOO_LARGE',
  ENCODING_INVALID: 'ENCODING_INVALID',
  PARSE_FAILED: 'PARSE_FAILED',
  HEADER_MISMATCH: 'HEADER_MISMATCH',
  NO_DATA_ROWS: 'NO_DATA_ROWS',
  TOO_MANY_INVALID_ROWS: 'TOO_MANY_INVALID_ROWS',
  /** Another run committed the same content first (the database-side claim). */
  DUPLICATE_RUN: 'DUPLICATE_RUN',
  /** A workbook needed more memory or time than its limits. */
  RESOURCE_LIMIT: 'RESOURCE_LIMIT',
  /** A rebuild would deactivate more of its source's customers than allowed (a truncated export?). */
  DEACTIVATION_LIMIT: 'DEACTIVATION_LIMIT',
  // File, transient: the file stays where it is and is tried again later.
  STORE_UNAVAILABLE: 'STORE_UNAVAILABLE',
  FILE_BUSY: 'FILE_BUSY',
  ARCHIVE_FAILED: 'ARCHIVE_FAILED',
  // A bug.
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const RETRYABLE_CODES: ReadonlySet<ErrorCode> = new Set([
  ErrorCode.STORE_UNAVAILABLE,
  ErrorCode.FILE_BUSY,
  ErrorCode.ARCHIVE_FAILED,
]);

export interface AppErrorOptions {
  cause?: unknown;
  /** JSON-safe context for reports; never customer data in log-bound fields. */
  details?: Record<string, unknown>;
  retryable?: boolean;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(
      message,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'AppError';
    this.code = code;
    this.retryable = options.retryable ?? RETRYABLE_CODES.has(code);
    if (options.details !== undefined) {
      this.details = options.details;
    }
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

export function isRetryable(e: unknown): boolean {
  return isAppError(e) && e.retryable;
}

/** Turns whatever was thrown into an Error (graphile-worker's habit), so every catch can log it. */
export function coerceError(e: unknown): Error {
  if (e instanceof Error) {
    return e;
  }
  return new Error(
    typeof e === 'string' ? e : `Non-error thrown: ${safeString(e)}`,
  );
}

/** Wraps an unknown error as an AppError with the given code, keeping AppErrors as they are. */
export function toAppError(
  e: unknown,
  code: ErrorCode = ErrorCode.INTERNAL,
): AppError {
  if (isAppError(e)) {
    return e;
  }
  const err = coerceError(e);
  return new AppError(code, err.message, { cause: err });
}

/** The fs error code (`ENOENT`, `EBUSY`, …) of a Node system error, if it has one. */
export function fsErrorCode(e: unknown): string | undefined {
  if (
    typeof e === 'object' &&
    e !== null &&
    'code' in e &&
    typeof e.code === 'string'
  ) {
    return e.code;
  }
  return undefined;
}

function safeString(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
