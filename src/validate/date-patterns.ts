import type { WallTime } from './time-zone.js';

/**
 * Date and date-time patterns as admins write them in format definitions (`dd.MM.yyyy`,
 * `MM/dd/yyyy HH:mm`, `iso`), compiled once per column into a regular expression.
 *
 * Tokens: yyyy, yy, MM, M, dd, d, HH, H, mm, ss, SSS. Double letters need exactly two digits
 * (so `yyyyMMdd` works), single letters take one or two. A bare `T` and any non-letter are
 * literal; other literal text goes in single quotes (`dd.MM.yyyy 'um' HH:mm`).
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
}

export type PatternKind = 'date' | 'datetime';

type Slot =
  | 'year'
  | 'year2'
  | 'month'
  | 'day'
  | 'hour'
  | 'minute'
  | 'second'
  | 'millisecond';

const TOKENS: Record<string, { slot: Slot; regex: string }> = {
  yyyy: { slot: 'year', regex: '(\\d{4})' },
  yy: { slot: 'year2', regex: '(\\d{2})' },
  MM: { slot: 'month', regex: '(\\d{2})' },
  M: { slot: 'month', regex: '(\\d{1,2})' },
  dd: { slot: 'day', regex: '(\\d{2})' },
  d: { slot: 'day', regex: '(\\d{1,2})' },
  HH: { slot: 'hour', regex: '(\\d{2})' },
  H: { slot: 'hour', regex: '(\\d{1,2})' },
  mm: { slot: 'minute', regex: '(\\d{2})' },
  ss: { slot: 'second', regex: '(\\d{2})' },
  SSS: { slot: 'millisecond', regex: '(\\d{3})' },
};

const TOKEN_LIST = 'yyyy, yy, MM, M, dd, d, HH, H, mm, ss, SSS';

/** `2024-02-29`, optionally with a midnight time part as SQL exports write it. */
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ]00:00(?::00(?:[.,]0+)?)?)?$/;
/** RFC 3339 / ISO 8601 extended: date, optional time, optional offset (only after a time). */
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

/**
 * Compiles a pattern. Throws an Error whose message says what is wrong with the pattern; the
 * caller adds the format and column.
 */
export function compileDatePattern(
  pattern: string,
  kind: PatternKind,
): DatePattern {
  if (pattern.toLowerCase() === 'iso') {
    return kind === 'date' ? ISO_DATE_PATTERN : ISO_DATE_TIME_PATTERN;
  }
  const slots: Slot[] = [];
  let source = '^';
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern.charAt(i);
    if (ch === "'") {
      const close = pattern.indexOf("'", i + 1);
      if (close < 0) {
        throw new Error(`unclosed quote in pattern '${pattern}'`);
      }
      // '' inside or as a whole stands for one literal quote.
      source +=
        close === i + 1 ? "'" : escapeRegex(pattern.slice(i + 1, close));
      i = close + 1;
      continue;
    }
    if (/[A-Za-z]/.test(ch)) {
      let end = i + 1;
      while (end < pattern.length && pattern.charAt(end) === ch) {
        end += 1;
      }
      const run = pattern.slice(i, end);
      const token = TOKENS[run];
      if (token !== undefined) {
        if (
          slots.includes(token.slot) ||
          (token.slot.startsWith('year') &&
            slots.some((s) => s.startsWith('year')))
        ) {
          throw new Error(`'${run}' appears twice in pattern '${pattern}'`);
        }
        slots.push(token.slot);
        source += token.regex;
      } else if (run === 'T') {
        source += 'T';
      } else {
        throw new Error(
          `unknown '${run}' in pattern '${pattern}' (tokens: ${TOKEN_LIST}; quote literal text)`,
        );
      }
      i = end;
      continue;
    }
    source += escapeRegex(ch);
    i += 1;
  }
  const hasYear = slots.includes('year') || slots.includes('year2');
  if (!hasYear || !slots.includes('month') || !slots.includes('day')) {
    throw new Error(
      `pattern '${pattern}' needs a year (yyyy or yy), a month (MM or M) and a day (dd or d)`,
    );
  }
  const regex = new RegExp(`${source}$`);
  const index = (slot: Slot): number => slots.indexOf(slot) + 1;
  const at = {
    y4: index('year'),
    y2: index('year2'),
    mo: index('month'),
    d: index('day'),
  };
  const time = {
    h: index('hour'),
    mi: index('minute'),
    s: index('second'),
    ms: index('millisecond'),
  };

  return {
    expected: pattern,
    parse(text) {
      const m = regex.exec(text);
      if (m === null) {
        return undefined;
      }
      const year =
        at.y4 > 0 ? Number(m[at.y4]) : expandTwoDigitYear(Number(m[at.y2]));
      return checked(
        year,
        Number(m[at.mo]),
        Number(m[at.d]),
        time.h > 0 ? Number(m[time.h]) : 0,
        time.mi > 0 ? Number(m[time.mi]) : 0,
        time.s > 0 ? Number(m[time.s]) : 0,
        time.ms > 0 ? Number(m[time.ms]) : 0,
        null,
      );
    },
  };
}

const ISO_DATE_PATTERN: DatePattern = {
  expected: 'yyyy-MM-dd',
  parse(text) {
    const m = ISO_DATE.exec(text);
    return m === null
      ? undefined
      : checked(Number(m[1]), Number(m[2]), Number(m[3]), 0, 0, 0, 0, null);
  },
};

const ISO_DATE_TIME_PATTERN: DatePattern = {
  expected: 'ISO 8601, e.g. 2026-11-21T14:05:00+01:00',
  parse(text) {
    const m = ISO_DATE_TIME.exec(text);
    if (m === null) {
      return undefined;
    }
    const offsetMs = m[8] === undefined ? null : parseOffset(m[8]);
    if (offsetMs === undefined) {
      return undefined;
    }
    // Fractions beyond milliseconds are cut, not rounded: rounding 59.9996 would roll the
    // minute over and turn a valid value into a different one.
    const millisecond =
      m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
    return checked(
      Number(m[1]),
      Number(m[2]),
      Number(m[3]),
      Number(m[4] ?? 0),
      Number(m[5] ?? 0),
      Number(m[6] ?? 0),
      millisecond,
      offsetMs,
    );
  },
};

/** `2024-02-29`: the calendar date as stored for date fields. */
export function formatCalendarDate(
  year: number,
  month: number,
  day: number,
): string {
  return `${String(year).padStart(4, '0')}-${pad2(month)}-${pad2(day)}`;
}

/** A Date cell as text for text columns: `2024-02-29`, or `2024-02-29 13:05:00` with a time of day. */
export function formatWallTime(wall: WallTime): string {
  const date = formatCalendarDate(wall.year, wall.month, wall.day);
  if (
    wall.hour === 0 &&
    wall.minute === 0 &&
    wall.second === 0 &&
    wall.millisecond === 0
  ) {
    return date;
  }
  return `${date} ${pad2(wall.hour)}:${pad2(wall.minute)}:${pad2(wall.second)}`;
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

/**
 * The wall-clock reading of a spreadsheet Date cell, i.e. what Excel displayed.
 *
 * Our Excel parser (parse/excel-worker.ts) hands over Dates whose UTC components are the
 * sheet's wall time, so a date-only cell is UTC midnight; that is what we read. SheetJS's
 * other mode builds Dates at *local* midnight, so a Date that is not UTC midnight but is
 * local midnight is read in local components: either way a date-only cell keeps its
 * calendar date on any machine. A cell with a time of day is read in UTC components.
 */
export function wallTimeOfCellDate(date: Date): WallTime {
  const utcMidnight =
    date.getUTCHours() === 0 &&
    date.getUTCMinutes() === 0 &&
    date.getUTCSeconds() === 0 &&
    date.getUTCMilliseconds() === 0;
  const localMidnight =
    date.getHours() === 0 &&
    date.getMinutes() === 0 &&
    date.getSeconds() === 0 &&
    date.getMilliseconds() === 0;
  if (!utcMidnight && localMidnight) {
    return {
      year: date.getFullYear(),
      month: date.getMonth() + 1,
      day: date.getDate(),
      hour: 0,
      minute: 0,
      second: 0,
      millisecond: 0,
    };
  }
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
    millisecond: date.getUTCMilliseconds(),
  };
}

/**
 * Two-digit years follow POSIX strptime: 69–99 are 1969–1999, 00–68 are 2000–2068. A fixed
 * pivot, not one that slides with today's date, so the same file always gives the same data.
 */
function expandTwoDigitYear(yy: number): number {
  return yy >= 69 ? 1900 + yy : 2000 + yy;
}

function checked(
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
  return { year, month, day, hour, minute, second, millisecond, offsetMs };
}

/** `Z`, `+01`, `+0100`, `+01:00` → ms east of UTC; undefined when out of range. */
function parseOffset(text: string): number | undefined {
  if (text === 'Z' || text === 'z') {
    return 0;
  }
  const sign = text.startsWith('-') ? -1 : 1;
  const digits = text.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  if (hours > 18 || minutes > 59) {
    return undefined;
  }
  return sign * (hours * 60 + minutes) * 60_000;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
