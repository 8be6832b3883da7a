import type { WallTime } from './time-zone.js';

/**
 * What date and date-time reading share: the parsed value, its range check, and the small
 * helpers the scanners use to read digits without a regular expression.
 *
 * @internal
 */

/** A parsed date/time as written, plus its UTC offset in ms when the text carried one. */
export interface ParsedDateTime extends WallTime {
  offsetMs: number | null;
}

export interface DatePattern {
  /** What the admin should expect to see, for messages: the pattern or a readable ISO shape. */
  readonly expected: string;
  /** Parses trimmed text; undefined when it does not match or is not a real date and time. */
  parse(text: string): ParsedDateTime | undefined;
  /**
   * Like {@link parse}, but fills and returns one object that belongs to the pattern and is
   * overwritten by the next call: the per-cell path allocates nothing. Read it before parsing
   * again, and never keep it.
   */
  parseShared(text: string): ParsedDateTime | undefined;
}

export type PatternKind = 'date' | 'datetime';

export const DIGIT_0 = 0x30;
export const DIGIT_9 = 0x39;

export function emptyParsed(): ParsedDateTime {
  return {
    year: 0,
    month: 0,
    day: 0,
    hour: 0,
    minute: 0,
    second: 0,
    millisecond: 0,
    offsetMs: null,
  };
}

export function copyOf(
  parsed: ParsedDateTime | undefined,
): ParsedDateTime | undefined {
  return parsed === undefined ? undefined : { ...parsed };
}

/** `n` ASCII digits at `pos` as a number, or -1 when one of them is not a digit. */
export function digitsAt(text: string, pos: number, n: number): number {
  let value = 0;
  for (let k = 0; k < n; k++) {
    const c = text.charCodeAt(pos + k);
    if (!(c >= DIGIT_0 && c <= DIGIT_9)) {
      return -1;
    }
    value = value * 10 + (c - DIGIT_0);
  }
  return value;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    return isLeapYear(year) ? 29 : 28;
  }
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Fills `out` when the values form a real date and time; undefined otherwise. */
export function checkedInto(
  out: ParsedDateTime,
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  millisecond: number,
  offsetMs: number | null,
): ParsedDateTime | undefined {
  if (
    year < 1 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return undefined;
  }
  out.year = year;
  out.month = month;
  out.day = day;
  out.hour = hour;
  out.minute = minute;
  out.second = second;
  out.millisecond = millisecond;
  out.offsetMs = offsetMs;
  return out;
}
