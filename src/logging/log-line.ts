import { isAppError } from '../errors.js';
import {
  describeErrorChain,
  serializeError,
  serializeErrorsIn,
} from './serialize-error.js';

/**
 * The two layouts of a log line, as pure functions so tests can pin them down without winston:
 * - JSON lines for the log file and for service consoles read by machines (journald, docker);
 * - `time level message key=value …` for people, coloured on a terminal.
 */
export interface LogLineEntry {
  timestamp: string;
  level: string;
  message: string;
  meta: Readonly<Record<string, unknown>>;
}

export interface TextLineOptions {
  colors: boolean;
  /** Meta keys left out of the line because every line has the same value (e.g. `instance`). */
  omitKeys?: ReadonlySet<string>;
}

const LEVEL_COLORS: Readonly<Record<string, string>> = {
  error: '\u001b[31m',
  warn: '\u001b[33m',
  info: '\u001b[32m',
  debug: '\u001b[34m',
};
const DIM = '\u001b[2m';
const RESET = '\u001b[0m';

// Level names are padded to the longest one so messages line up in a terminal.
const LEVEL_WIDTH = 5;

// Values with these characters are quoted, so `key=value` pairs stay splittable.
const NEEDS_QUOTES = /[\s="\\]|^$/;

/**
 * One JSON object per line: `timestamp`, `level`, `message` first (so a line reads well in
 * `less`), then the meta. Errors anywhere in the meta become {@link SerializedError}s with their
 * cause chain.
 */
export function formatJsonLine(entry: LogLineEntry): string {
  const record: Record<string, unknown> = {
    timestamp: entry.timestamp,
    level: entry.level,
    message: entry.message,
  };
  for (const [key, value] of Object.entries(entry.meta)) {
    if (!(key in record)) {
      record[key] = serializeErrorsIn(value);
    }
  }
  return safeJson(record);
}

/** The human-readable line; stacks of unexpected (non-AppError) errors follow on their own lines. */
export function formatTextLine(
  entry: LogLineEntry,
  options: TextLineOptions,
): string {
  const level = entry.level.padEnd(LEVEL_WIDTH);
  const head = options.colors
    ? `${DIM}${entry.timestamp}${RESET} ${LEVEL_COLORS[entry.level] ?? ''}${level}${RESET} ${entry.message}`
    : `${entry.timestamp} ${level} ${entry.message}`;
  const pairs: string[] = [];
  // Stacks of unexpected errors go below the line: they are what a developer needs for a bug,
  // while AppErrors already say what went wrong and what to do.
  const stacks: string[] = [];
  for (const [key, value] of Object.entries(entry.meta)) {
    if (value === undefined || options.omitKeys?.has(key) === true) {
      continue;
    }
    const text = formatValue(value, stacks);
    pairs.push(
      options.colors ? `${DIM}${key}=${RESET}${text}` : `${key}=${text}`,
    );
  }
  const line = pairs.length === 0 ? head : `${head} ${pairs.join(' ')}`;
  return stacks.length === 0 ? line : `${line}\n${stacks.join('\n')}`;
}

function formatValue(value: unknown, stacks: string[]): string {
  if (value instanceof Error) {
    const serialized = serializeError(value);
    if (!isAppError(value) && serialized.stack !== undefined) {
      stacks.push(indent(serialized.stack));
    }
    return quote(describeErrorChain(serialized));
  }
  if (typeof value === 'string') {
    return NEEDS_QUOTES.test(value) ? quote(value) : value;
  }
  if (
    typeof value === 'number' ||
    typeof value === 'boolean' ||
    typeof value === 'bigint'
  ) {
    return String(value);
  }
  if (value === null) {
    return 'null';
  }
  return safeJson(value);
}

function quote(text: string): string {
  return JSON.stringify(text);
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

function safeJson(value: unknown): string {
  // A log call must never throw: bigints become strings, a repeated object becomes a marker.
  const seen = new WeakSet<object>();
  return (
    JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'bigint') {
        return v.toString();
      }
      if (v !== null && typeof v === 'object') {
        if (seen.has(v)) {
          return '[Circular]';
        }
        seen.add(v);
      }
      return v;
    }) ?? String(value)
  );
}
