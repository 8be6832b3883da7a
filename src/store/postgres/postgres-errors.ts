import pg from 'pg';
import {
  AppError,
  ErrorCode,
  coerceError,
  fsErrorCode,
  isAppError,
} from '../../errors.js';
import { redactUrl } from '../../logging/redact.js';

/**
 * pg errors never leave `store/` bare: they become AppErrors, sorted by SQLSTATE (never by
 * message text). What a later try can fix is STORE_UNAVAILABLE and retryable: the server is
 * down or restarting, the connection was cut (terminated backend, network), too many clients,
 * a deadlock or serialization failure with another instance. The rest (constraints, SQL errors)
 * is a bug: INTERNAL.
 *
 * pg reports a lost connection ("Connection terminated unexpectedly") as a plain `Error` without
 * a code, and a refused or reset socket as a Node system error (`ECONNREFUSED`, …). Neither has
 * a SQLSTATE, so an error without one that is not a JavaScript programming error (TypeError …)
 * counts as "the connection is the problem".
 */

/** SQLSTATE classes and codes that mean "the database is there but not usable right now". */
const UNAVAILABLE_CLASSES: readonly string[] = [
  '08', // connection exception
  '53', // insufficient resources (too many connections, disk full)
  '57', // operator intervention: 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now, 57014 query canceled
  '58', // system error (I/O)
];
const UNAVAILABLE_CODES: readonly string[] = [
  '40001', // serialization_failure
  '40P01', // deadlock_detected: two instances updating the same customers in different order
  '55P03', // lock_not_available
  '3D000', // invalid_catalog_name: the database is not there (yet)
  '28000', // invalid_authorization_specification
  '28P01', // invalid_password
];

/** SQLSTATE of a server error, if it is one. */
export function sqlState(e: unknown): string | undefined {
  if (e instanceof pg.DatabaseError && typeof e.code === 'string') {
    return e.code;
  }
  return undefined;
}

/** True for the unique violation of the named constraint or index (23505). */
export function isUniqueViolation(e: unknown, constraint?: string): boolean {
  return (
    e instanceof pg.DatabaseError &&
    e.code === '23505' &&
    (constraint === undefined || e.constraint === constraint)
  );
}

/** Does this error mean the connection or the server is (for now) not usable? */
export function isUnavailableError(e: unknown): boolean {
  if (isAppError(e)) {
    return e.code === ErrorCode.STORE_UNAVAILABLE;
  }
  const state = sqlState(e);
  if (state !== undefined) {
    return (
      UNAVAILABLE_CODES.includes(state) ||
      UNAVAILABLE_CLASSES.includes(state.slice(0, 2))
    );
  }
  if (fsErrorCode(e) !== undefined) {
    // ECONNREFUSED, ECONNRESET, ETIMEDOUT, ENOTFOUND, EPIPE …: the socket.
    return true;
  }
  // A plain Error from pg: "Connection terminated", "timeout exceeded when trying to connect",
  // "Client has encountered a connection error and is not queryable".
  return e instanceof Error && Object.getPrototypeOf(e) === Error.prototype;
}

/**
 * Wraps whatever a pg call threw. `what` says what the store was doing: "PostgreSQL store at
 * postgres://app:***@db/x (schema public) could not apply a batch (57P01): …". The URL is
 * always redacted, and so is the message (a URL can reach it through a connection error).
 */
export function wrapPostgresError(
  e: unknown,
  what: string,
  location: string,
): AppError {
  if (isAppError(e)) {
    return e;
  }
  const err = coerceError(e);
  const state = sqlState(e) ?? fsErrorCode(e);
  const unavailable = isUnavailableError(e);
  const hint = unavailable
    ? ' The server is down, restarting or unreachable, or the connection was cut; the store will be tried again.'
    : '';
  return new AppError(
    unavailable ? ErrorCode.STORE_UNAVAILABLE : ErrorCode.INTERNAL,
    `PostgreSQL store at ${redactUrl(location)} could not ${what}${state === undefined ? '' : ` (${state})`}: ` +
      `${redactUrl(err.message)}.${hint}`,
    {
      cause: err,
      details: { sqlState: state ?? null, store: redactUrl(location) },
    },
  );
}
