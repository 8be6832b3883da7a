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

  see(value: FieldValue | undefined): void {
    const ms = lastModifiedMs(value);
    if (ms !== null && ms > this.#ms && typeof value === 'string') {
      this.#ms = ms;
      this.#text = value;
    }
  }

  get value(): string | null {
    return this.#text;
  }
}
