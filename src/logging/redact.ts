/**
 * A last-line safeguard against secrets in log lines. Config code should already redact what it
 * logs, but a database URL with a password can reach a log line by many paths (an error message,
 * a meta field someone added for debugging), so the logger masks them once more on the way out.
 */

/** What a masked value looks like. */
export const REDACTED = '***';

/** Meta keys whose value is a secret as a whole (matched case-insensitively, ignoring `_`/`-`). */
const SECRET_KEYS: ReadonlySet<string> = new Set([
  'password',
  'passwd',
  'pass',
  'pwd',
  'secret',
  'clientsecret',
  'token',
  'accesstoken',
  'refreshtoken',
  'apikey',
  'authorization',
  'auth',
]);

// `scheme://user:password@` – the password part stops at the last `@` before the host so that
// passwords containing `@` or `:` are still masked completely. The user part has no `/`, `@`
// or whitespace.
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/:@]*):([^\s/]*)@/gi;

// Objects deeper than this are logged as they are; log meta is flat by convention.
const MAX_DEPTH = 6;

/** Masks the password of every `scheme://user:password@host` in a text: `postgres://app:***@db/x`. */
export function redactUrl(text: string): string {
  return text.replace(
    URL_CREDENTIALS,
    (_match, scheme: string, user: string) => `${scheme}${user}:${REDACTED}@`,
  );
}

/** Is this meta key one whose whole value must never be logged? */
export function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(key.toLowerCase().replace(/[-_]/g, ''));
}

/**
 * Returns a copy of `value` with secrets masked: values under secret keys (password, secret,
 * token, …) become `***`, and credentials inside URLs in any string are masked. Errors, class
 * instances and other non-plain objects are returned as they are (the error format serialises
 * and redacts errors itself). Does not modify its input.
 */
export function redact(value: unknown, key?: string): unknown {
  return redactAt(value, key, 0, new WeakSet());
}

/** {@link redact} for a flat record (log meta, error details); keeps it a record for the types. */
export function redactRecord(
  record: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const seen = new WeakSet<object>([record]);
  for (const [k, v] of Object.entries(record)) {
    out[k] = redactAt(v, k, 1, seen);
  }
  return out;
}

function redactAt(
  value: unknown,
  key: string | undefined,
  depth: number,
  seen: WeakSet<object>,
): unknown {
  if (
    key !== undefined &&
    isSecretKey(key) &&
    value !== undefined &&
    value !== null &&
    value !== ''
  ) {
    return REDACTED;
  }
  if (typeof value === 'string') {
    return redactUrl(value);
  }
  if (value === null || typeof value !== 'object' || depth >= MAX_DEPTH) {
    return value;
  }
  if (seen.has(value)) {
    return '[Circular]';
  }
  if (Array.isArray(value)) {
    seen.add(value);
    const out = value.map((item) => redactAt(item, undefined, depth + 1, seen));
    seen.delete(value);
    return out;
  }
  if (!isPlainObject(value)) {
    return value;
  }
  seen.add(value);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = redactAt(v, k, depth + 1, seen);
  }
  seen.delete(value);
  return out;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
