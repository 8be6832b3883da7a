import { isAppError } from '../errors.js';
import { redactRecord, redactUrl } from './redact.js';

/**
 * Errors as plain JSON for log lines. Winston's own `errors` format keeps message and stack but
 * drops `cause`, and our errors are wrapped at every module boundary (`AppError` → pg error →
 * socket error), so without the chain a log line says "store unavailable" and never why.
 */
export interface SerializedError {
  name: string;
  message: string;
  /** `AppError.code`, or a Node system error code (`ENOENT`, `ECONNREFUSED`, …). */
  code?: string;
  retryable?: boolean;
  /** `AppError.details`: JSON-safe context, never customer data by the AppError contract. */
  details?: Record<string, unknown>;
  stack?: string;
  cause?: SerializedError | string;
  /** The errors of an AggregateError (e.g. every address a connection attempt tried). */
  errors?: (SerializedError | string)[];
}

// A cause chain longer than this is a loop or a bug; stop rather than write megabytes.
const MAX_CAUSE_DEPTH = 8;
const MAX_AGGREGATED = 10;

export interface SerializeErrorOptions {
  /** Include stack traces (default true). */
  stack?: boolean;
}

/** Turns an Error (with its cause chain) into plain JSON. Credentials in URLs are masked. */
export function serializeError(
  error: Error,
  options: SerializeErrorOptions = {},
): SerializedError {
  return serializeAt(error, options.stack ?? true, 0, new Set());
}

function serializeAt(
  error: Error,
  withStack: boolean,
  depth: number,
  seen: Set<Error>,
): SerializedError {
  seen.add(error);
  const out: SerializedError = {
    name: error.name,
    message: redactUrl(error.message),
  };
  const code = errorCode(error);
  if (code !== undefined) {
    out.code = code;
  }
  if (isAppError(error)) {
    out.retryable = error.retryable;
    if (error.details !== undefined) {
      out.details = redactRecord(error.details);
    }
  }
  if (withStack && error.stack !== undefined) {
    out.stack = redactUrl(error.stack);
  }
  const cause = serializeCause(error.cause, withStack, depth, seen);
  if (cause !== undefined) {
    out.cause = cause;
  }
  if (error instanceof AggregateError && Array.isArray(error.errors)) {
    const errors: unknown[] = error.errors;
    out.errors = errors
      .slice(0, MAX_AGGREGATED)
      .map((e) => serializeCause(e, withStack, depth, seen) ?? 'undefined');
  }
  return out;
}

function serializeCause(
  cause: unknown,
  withStack: boolean,
  depth: number,
  seen: Set<Error>,
): SerializedError | string | undefined {
  if (cause === undefined) {
    return undefined;
  }
  if (!(cause instanceof Error)) {
    return redactUrl(typeof cause === 'string' ? cause : safeString(cause));
  }
  if (seen.has(cause)) {
    return '[Circular cause]';
  }
  if (depth + 1 >= MAX_CAUSE_DEPTH) {
    return `[cause chain cut after ${MAX_CAUSE_DEPTH} errors]`;
  }
  return serializeAt(cause, withStack, depth + 1, seen);
}

/**
 * Replaces every Error inside a meta value (top level, plain objects, arrays) by its serialised
 * form, so `{ error: err }` and `{ errors: [a, b] }` both survive `JSON.stringify`.
 */
export function serializeErrorsIn(value: unknown): unknown {
  return serializeErrorsAt(value, 0, new WeakSet());
}

function serializeErrorsAt(
  value: unknown,
  depth: number,
  seen: WeakSet<object>,
): unknown {
  if (value instanceof Error) {
    return serializeError(value);
  }
  if (value === null || typeof value !== 'object' || depth >= MAX_CAUSE_DEPTH) {
    return value;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) {
    return value;
  }
  if (seen.has(value)) {
    return '[Circular]';
  }
  seen.add(value);
  let out: unknown;
  if (Array.isArray(value)) {
    out = value.map((item: unknown) =>
      serializeErrorsAt(item, depth + 1, seen),
    );
  } else {
    const copy: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      copy[k] = serializeErrorsAt(v, depth + 1, seen);
    }
    out = copy;
  }
  seen.delete(value);
  return out;
}

function errorCode(error: Error): string | undefined {
  if (isAppError(error)) {
    return error.code;
  }
  const code: unknown = (error as { code?: unknown }).code;
  return typeof code === 'string' || typeof code === 'number'
    ? String(code)
    : undefined;
}

function safeString(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** One line for humans: `PARSE_FAILED: Could not parse … ← ENOENT: no such file …`. */
export function describeErrorChain(error: SerializedError): string {
  const parts: string[] = [];
  let current: SerializedError | string | undefined = error;
  while (current !== undefined) {
    if (typeof current === 'string') {
      parts.push(current);
      break;
    }
    parts.push(
      current.code === undefined
        ? `${current.name}: ${current.message}`
        : `${current.code}: ${current.message}`,
    );
    current = current.cause;
  }
  return parts.join(' ← ');
}
