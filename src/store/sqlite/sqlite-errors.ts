import { AppError, ErrorCode, coerceError, isAppError } from '../../errors.js';

/**
 * better-sqlite3 errors never leave `store/` bare: they become AppErrors, sorted by the SQLite
 * result code (never by message text). What a later try can fix (a lock held too long, a full
 * or failing disk, a file that cannot be opened yet) is STORE_UNAVAILABLE and retryable; the rest
 * (constraints, SQL errors, misuse) is a bug: INTERNAL.
 */

/** Primary result codes that mean "the database is there but not usable right now". */
const UNAVAILABLE_CODES: readonly string[] = [
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_IOERR',
  'SQLITE_FULL',
  'SQLITE_CANTOPEN',
  'SQLITE_PROTOCOL',
  'SQLITE_NOMEM',
  'SQLITE_READONLY',
];

/** The SQLite result code (`SQLITE_BUSY`, `SQLITE_CONSTRAINT_UNIQUE`, …) of an error, if any. */
export function sqliteErrorCode(e: unknown): string | undefined {
  if (
    typeof e === 'object' &&
    e !== null &&
    'code' in e &&
    typeof e.code === 'string' &&
    e.code.startsWith('SQLITE_')
  ) {
    return e.code;
  }
  return undefined;
}

/** Extended codes (`SQLITE_IOERR_WRITE`) belong to their primary code (`SQLITE_IOERR`). */
export function isUnavailableCode(code: string | undefined): boolean {
  return (
    code !== undefined &&
    UNAVAILABLE_CODES.some((c) => code === c || code.startsWith(`${c}_`))
  );
}

export function isUniqueViolation(e: unknown): boolean {
  const code = sqliteErrorCode(e);
  return (
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  );
}

/**
 * Wraps whatever a SQLite call threw. `what` says what the store was doing, for the message:
 * "SQLite store at ./data/customers.db could not apply a batch (SQLITE_BUSY): …".
 */
export function wrapSqliteError(
  e: unknown,
  what: string,
  path: string,
): AppError {
  if (isAppError(e)) {
    return e;
  }
  const err = coerceError(e);
  const code = sqliteErrorCode(e);
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    // Not a bug of ours: the configured file is something else, or damaged. The admin must act.
    return new AppError(
      ErrorCode.CONFIG_INVALID,
      `SQLite store at ${path} could not ${what} (${code}): the file is not a SQLite database or is damaged. Point store.path at another file, or restore it from a backup.`,
      { cause: err, details: { sqliteCode: code, path } },
    );
  }
  const unavailable = isUnavailableCode(code);
  const hint = unavailable
    ? ' The file is locked by another process, or the disk is full or failing; the store will be tried again.'
    : '';
  return new AppError(
    unavailable ? ErrorCode.STORE_UNAVAILABLE : ErrorCode.INTERNAL,
    `SQLite store at ${path} could not ${what}${code === undefined ? '' : ` (${code})`}: ${err.message}.${hint}`,
    { cause: err, details: { sqliteCode: code ?? null, path } },
  );
}
