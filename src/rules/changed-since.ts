import type { FieldValue } from '../domain/customer.js';
import { AppError, ErrorCode } from '../errors.js';

/**
 * The changed-since mode: only rows whose last-modified value is newer than a point are
 * written. The point is `last-transfer` (what the previous successful run of the source saw
 * last), a timestamp, or `anytime` (no point: every row). Rows at or before the point are
 * counted `notChanged`; rows without a last-modified value are imported (the safe side: the
 * ERP did not say the row is old).
 */

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * Parses a `since` timestamp. With an offset (or Z) it is an instant; without one it is a wall
 * time in the format's zone, converted by `wallToEpochMs`. Throws USAGE for anything else.
 */
export function parseSinceTimestamp(
  text: string,
  wallToEpochMs: (wall: WallClock) => number,
): number {
  const m = TIMESTAMP.exec(text.trim());
  if (m === null) {
    throw new AppError(
      ErrorCode.USAGE,
      `'${text}' is not a changed-since point: use last-transfer, anytime or a timestamp such as 2026-11-01T00:00.`,
    );
  }
  const wall: WallClock = {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4] ?? 0),
    minute: Number(m[5] ?? 0),
    second: Number(m[6] ?? 0),
    millisecond: Number((m[7] ?? '0').padEnd(3, '0')),
  };
  const check = new Date(
    Date.UTC(
      wall.year,
      wall.month - 1,
      wall.day,
      wall.hour,
      wall.minute,
      wall.second,
    ),
  );
  if (
    check.getUTCMonth() !== wall.month - 1 ||
    check.getUTCDate() !== wall.day ||
    wall.hour > 23 ||
    wall.minute > 59 ||
    wall.second > 59
  ) {
    throw new AppError(
      ErrorCode.USAGE,
      `'${text}' is not a valid date and time.`,
    );
  }
  const offset = m[8];
  if (offset === undefined) {
    return wallToEpochMs(wall);
  }
  const utcMs = Date.UTC(
    wall.year,
    wall.month - 1,
    wall.day,
    wall.hour,
    wall.minute,
    wall.second,
    wall.millisecond,
  );
  if (offset === 'Z') {
    return utcMs;
  }
  const sign = offset.startsWith('-') ? -1 : 1;
  const offsetMinutes =
    Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6));
  return utcMs - sign * offsetMinutes * 60_000;
}

/** The instant of a stored last-modified value, or null when the row has none (or no datetime). */
export function lastModifiedMs(value: FieldValue | undefined): number | null {
  if (typeof value !== 'string' || value === '') {
    return null;
  }
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

/**
 * Tracks the newest last-modified value of a file, keeping the text as stored (an ISO instant
 * with the offset the file had), so the next run compares against exactly what was seen.
 */
export class NewestLastModified {
  #ms = Number.NEGATIVE_INFINITY;
  #text: string | null = null;
  /** The newest text is an instant as datetime columns store it (`toISOString()`). */
  #canonical = false;

  see(value: FieldValue | undefined): void {
    // Datetime columns store `2026-11-21T13:05:00.000Z`; for two such texts the text order is
    // the time order, so a value that is not newer needs no Date.parse (nearly every row).
    if (
      this.#canonical &&
      typeof value === 'string' &&
      isCanonicalInstant(value) &&
      value <= (this.#text as string)
    ) {
      return;
    }
    const ms = lastModifiedMs(value);
    if (ms !== null && ms > this.#ms && typeof value === 'string') {
      this.#ms = ms;
      this.#text = value;
      this.#canonical = isCanonicalInstant(value);
    }
  }

  get value(): string | null {
    return this.#text;
  }
}

/**
 * `yyyy-MM-ddTHH:mm:ss.sssZ` holding a real date and time of day, the shape
 * `Date#toISOString()` gives for the years a datetime column reads. Two such texts compare in
 * text order as they do in time. (Date.parse also takes `2024-02-31` or `24:00`, which would
 * break that; such texts are not canonical and take the Date.parse path.)
 */
function isCanonicalInstant(text: string): boolean {
  if (
    text.length !== 24 ||
    text.charCodeAt(4) !== 0x2d ||
    text.charCodeAt(7) !== 0x2d ||
    text.charCodeAt(10) !== 0x54 ||
    text.charCodeAt(13) !== 0x3a ||
    text.charCodeAt(16) !== 0x3a ||
    text.charCodeAt(19) !== 0x2e ||
    text.charCodeAt(23) !== 0x5a
  ) {
    return false;
  }
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  return (
    year >= 0 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    inRange(digits(text, 11, 2), 23) &&
    inRange(digits(text, 14, 2), 59) &&
    inRange(digits(text, 17, 2), 59) &&
    digits(text, 20, 3) >= 0
  );
}

/** The decimal digits at `start` as a number, or -1 when one is not a digit. */
function digits(text: string, start: number, count: number): number {
  let n = 0;
  for (let i = start; i < start + count; i++) {
    const c = text.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) {
      return -1;
    }
    n = n * 10 + c;
  }
  return n;
}

function inRange(n: number, max: number): boolean {
  return n >= 0 && n <= max;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return leap ? 29 : 28;
  }
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
