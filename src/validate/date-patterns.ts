import {
  DIGIT_0,
  DIGIT_9,
  checkedInto,
  copyOf,
  emptyParsed,
  type DatePattern,
  type ParsedDateTime,
  type PatternKind,
} from './date-values.js';
import { ISO_DATE_PATTERN, ISO_DATE_TIME_PATTERN } from './iso-date-time.js';
import type { WallTime } from './time-zone.js';

export {
  daysInMonth,
  isLeapYear,
  type DatePattern,
  type ParsedDateTime,
  type PatternKind,
} from './date-values.js';

/**
 * Date and date-time patterns as admins write them in format definitions (`dd.MM.yyyy`,
 * `MM/dd/yyyy HH:mm`, `iso`), compiled once per column into a regular expression and, where
 * that gives the same answer, a scanner that reads the text once, left to right, with no match
 * array or strings per cell (see isScannable; `iso` is in iso-date-time.ts).
 *
 * Tokens: yyyy, yy, MM, M, dd, d, HH, H, mm, ss, SSS. Double letters need exactly two digits
 * (so `yyyyMMdd` works), single letters take one or two. A bare `T` and any non-letter are
 * literal; other literal text goes in single quotes (`dd.MM.yyyy 'um' HH:mm`).
 */

type Slot =
  | 'year'
  | 'year2'
  | 'month'
  | 'day'
  | 'hour'
  | 'minute'
  | 'second'
  | 'millisecond';

/** Each token is a run of ASCII digits: at least `min`, at most `max` (`\\d` in the regex). */
const TOKENS: Record<
  string,
  { slot: Slot; regex: string; min: number; max: number }
> = {
  yyyy: { slot: 'year', regex: '(\\d{4})', min: 4, max: 4 },
  yy: { slot: 'year2', regex: '(\\d{2})', min: 2, max: 2 },
  MM: { slot: 'month', regex: '(\\d{2})', min: 2, max: 2 },
  M: { slot: 'month', regex: '(\\d{1,2})', min: 1, max: 2 },
  dd: { slot: 'day', regex: '(\\d{2})', min: 2, max: 2 },
  d: { slot: 'day', regex: '(\\d{1,2})', min: 1, max: 2 },
  HH: { slot: 'hour', regex: '(\\d{2})', min: 2, max: 2 },
  H: { slot: 'hour', regex: '(\\d{1,2})', min: 1, max: 2 },
  mm: { slot: 'minute', regex: '(\\d{2})', min: 2, max: 2 },
  ss: { slot: 'second', regex: '(\\d{2})', min: 2, max: 2 },
  SSS: { slot: 'millisecond', regex: '(\\d{3})', min: 3, max: 3 },
};

/** Slots in the order a scanner stores them (index into its values). */
const SLOT_INDEX: Record<Slot, number> = {
  year: 0,
  year2: 1,
  month: 2,
  day: 3,
  hour: 4,
  minute: 5,
  second: 6,
  millisecond: 7,
};

/** One step of a compiled pattern: a literal character, or a run of digits for a slot. */
type Step = { literal: number } | { slot: number; min: number; max: number };

const TOKEN_LIST = 'yyyy, yy, MM, M, dd, d, HH, H, mm, ss, SSS';

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
  const steps: Step[] = [];
  const literal = (text: string): void => {
    for (let k = 0; k < text.length; k++) {
      steps.push({ literal: text.charCodeAt(k) });
    }
  };
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
      const text = close === i + 1 ? "'" : pattern.slice(i + 1, close);
      source += close === i + 1 ? "'" : escapeRegex(text);
      literal(text);
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
        steps.push({
          slot: SLOT_INDEX[token.slot],
          min: token.min,
          max: token.max,
        });
      } else if (run === 'T') {
        source += 'T';
        literal('T');
      } else {
        throw new Error(
          `unknown '${run}' in pattern '${pattern}' (tokens: ${TOKEN_LIST}; quote literal text)`,
        );
      }
      i = end;
      continue;
    }
    source += escapeRegex(ch);
    literal(ch);
    i += 1;
  }
  const hasYear = slots.includes('year') || slots.includes('year2');
  if (!hasYear || !slots.includes('month') || !slots.includes('day')) {
    throw new Error(
      `pattern '${pattern}' needs a year (yyyy or yy), a month (MM or M) and a day (dd or d)`,
    );
  }
  const regex = new RegExp(`${source}$`);
  const twoDigitYear = slots.includes('year2');
  // One value per slot; slots the pattern lacks stay 0 (midnight, no milliseconds).
  const values = [0, 0, 0, 0, 0, 0, 0, 0];
  const captureOf = slots.map((slot) => SLOT_INDEX[slot]);
  const fromRegex = (text: string): boolean => {
    const m = regex.exec(text);
    if (m === null) {
      return false;
    }
    for (let k = 0; k < captureOf.length; k++) {
      values[captureOf[k] as number] = Number(m[k + 1]);
    }
    return true;
  };
  const read = isScannable(steps) ? scanner(steps, values) : fromRegex;
  const shared = emptyParsed();

  const parseShared = (text: string): ParsedDateTime | undefined => {
    if (!read(text)) {
      return undefined;
    }
    const year = twoDigitYear
      ? expandTwoDigitYear(values[1] as number)
      : (values[0] as number);
    return checkedInto(
      shared,
      year,
      values[2] as number,
      values[3] as number,
      values[4] as number,
      values[5] as number,
      values[6] as number,
      values[7] as number,
      null,
    );
  };
  return {
    expected: pattern,
    parse: (text) => copyOf(parseShared(text)),
    parseShared,
  };
}

/**
 * Whether a pattern can be read left to right without ever going back, which gives exactly
 * what its regular expression matches: every variable-width token (M, d, H) is followed by a
 * literal that is not a digit, or ends the pattern. `Mdyyyy` is not (the regular expression
 * would try M with one digit after two); such patterns keep the regular expression.
 */
function isScannable(steps: readonly Step[]): boolean {
  return steps.every((step, k) => {
    if (!('slot' in step) || step.min === step.max) {
      return true;
    }
    const next = steps[k + 1];
    return (
      next === undefined ||
      ('literal' in next &&
        !(next.literal >= DIGIT_0 && next.literal <= DIGIT_9))
    );
  });
}

/** Reads text by the steps into `values`; false when it does not match. */
function scanner(
  steps: readonly Step[],
  values: number[],
): (text: string) => boolean {
  const count = steps.length;
  const literals = steps.map((s) => ('literal' in s ? s.literal : -1));
  const slotOf = steps.map((s) => ('slot' in s ? s.slot : -1));
  const minOf = steps.map((s) => ('slot' in s ? s.min : 0));
  const maxOf = steps.map((s) => ('slot' in s ? s.max : 0));
  return (text) => {
    const length = text.length;
    let pos = 0;
    for (let k = 0; k < count; k++) {
      const expected = literals[k] as number;
      if (expected >= 0) {
        if (text.charCodeAt(pos) !== expected) {
          return false;
        }
        pos++;
        continue;
      }
      const max = maxOf[k] as number;
      let value = 0;
      let digits = 0;
      while (digits < max) {
        const c = text.charCodeAt(pos);
        if (!(c >= DIGIT_0 && c <= DIGIT_9)) {
          break;
        }
        value = value * 10 + (c - DIGIT_0);
        digits++;
        pos++;
      }
      if (digits < (minOf[k] as number)) {
        return false;
      }
      values[slotOf[k] as number] = value;
    }
    return pos === length;
  };
}

/** `2024-02-29`: the calendar date as stored for date fields. */
export function formatCalendarDate(
  year: number,
  month: number,
  day: number,
): string {
  const yyyy = year >= 1000 ? String(year) : String(year).padStart(4, '0');
  return `${yyyy}-${pad2(month)}-${pad2(day)}`;
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

/** `00` … `99`, made once: dates are formatted for every row. */
const PAD2: readonly string[] = Array.from({ length: 100 }, (_, n) =>
  n < 10 ? `0${n}` : String(n),
);

function pad2(n: number): string {
  return PAD2[n] ?? (n < 10 ? `0${n}` : String(n));
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
