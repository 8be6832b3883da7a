import {
  DIGIT_0,
  DIGIT_9,
  checkedInto,
  copyOf,
  digitsAt,
  emptyParsed,
  type DatePattern,
  type ParsedDateTime,
} from './date-values.js';

/**
 * The `iso` date and date-time patterns, read by hand-written checks: they run for every cell
 * of a column, and a regular expression makes a match array (and strings) per cell.
 *
 * Dates: `2024-02-29`, optionally with a midnight time part as SQL exports write it; exactly
 * what `/^(\d{4})-(\d{2})-(\d{2})(?:[Tt ]00:00(?::00(?:[.,]0+)?)?)?$/` matches. Date-times:
 * the regular expression below defines what is accepted; the shapes exports write are checked
 * by hand with the same answer, anything else is left to the regular expression. The tests
 * compare both with the regular expressions on many generated texts.
 *
 * @internal
 */

/** RFC 3339 / ISO 8601 extended: date, optional time, optional offset (only after a time). */
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

/** `yyyy-MM-dd` at the start of text: fills year, month, day of `out`; false when absent. */
function isoDateAt(text: string, out: ParsedDateTime): boolean {
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  if (
    year < 0 ||
    month < 0 ||
    day < 0 ||
    text.charCodeAt(4) !== 0x2d ||
    text.charCodeAt(7) !== 0x2d
  ) {
    return false;
  }
  out.year = year;
  out.month = month;
  out.day = day;
  return true;
}

const isoDateShared = emptyParsed();

/** Matches ISO_DATE exactly, without a match array: `2024-02-29`, optionally `T00:00[:00[.000]]`. */
function parseIsoDateShared(text: string): ParsedDateTime | undefined {
  const out = isoDateShared;
  if (!isoDateAt(text, out)) {
    return undefined;
  }
  const length = text.length;
  if (length !== 10) {
    const sep = text.charCodeAt(10);
    // [Tt ]00:00, then optionally :00, then optionally [.,] and one or more zeros.
    if (
      !(sep === 0x54 || sep === 0x74 || sep === 0x20) ||
      !text.startsWith('00:00', 11)
    ) {
      return undefined;
    }
    if (length !== 16) {
      if (!text.startsWith(':00', 16)) {
        return undefined;
      }
      if (length !== 19) {
        const mark = text.charCodeAt(19);
        if (!(mark === 0x2e || mark === 0x2c) || length === 20) {
          return undefined;
        }
        for (let k = 20; k < length; k++) {
          if (text.charCodeAt(k) !== DIGIT_0) {
            return undefined;
          }
        }
      }
    }
  }
  return checkedInto(out, out.year, out.month, out.day, 0, 0, 0, 0, null);
}

export const ISO_DATE_PATTERN: DatePattern = {
  expected: 'yyyy-MM-dd',
  parse: (text) => copyOf(parseIsoDateShared(text)),
  parseShared: parseIsoDateShared,
};

const isoDateTimeShared = emptyParsed();

/**
 * ISO_DATE_TIME without a match array for the shapes exports write: a date, or a date with
 * `[Tt ]HH:mm[:ss[.fraction]]` and an offset (`Z`, `+01`, `+0100`, `+01:00`) directly after.
 * Anything else (spaces before the offset, a value that does not match) goes through the
 * regular expression, which decides.
 */
function parseIsoDateTimeShared(text: string): ParsedDateTime | undefined {
  const out = isoDateTimeShared;
  const length = text.length;
  if (!isoDateAt(text, out)) {
    return parseIsoDateTimeRegex(text);
  }
  let hour = 0;
  let minute = 0;
  let second = 0;
  let millisecond = 0;
  let offsetMs: number | null = null;
  if (length !== 10) {
    const sep = text.charCodeAt(10);
    hour = digitsAt(text, 11, 2);
    minute = digitsAt(text, 14, 2);
    if (
      !(sep === 0x54 || sep === 0x74 || sep === 0x20) ||
      hour < 0 ||
      minute < 0 ||
      text.charCodeAt(13) !== 0x3a
    ) {
      return parseIsoDateTimeRegex(text);
    }
    let pos = 16;
    if (text.charCodeAt(pos) === 0x3a) {
      second = digitsAt(text, pos + 1, 2);
      if (second < 0) {
        return parseIsoDateTimeRegex(text);
      }
      pos += 3;
      const mark = text.charCodeAt(pos);
      if (mark === 0x2e || mark === 0x2c) {
        const from = ++pos;
        while (pos < length && pos - from < 9) {
          const c = text.charCodeAt(pos);
          if (!(c >= DIGIT_0 && c <= DIGIT_9)) {
            break;
          }
          if (pos - from < 3) {
            millisecond = millisecond * 10 + (c - DIGIT_0);
          }
          pos++;
        }
        const digits = pos - from;
        if (digits === 0) {
          return parseIsoDateTimeRegex(text);
        }
        // Fractions beyond milliseconds are cut, not rounded (see ISO_DATE_TIME_PATTERN).
        for (let k = digits; k < 3; k++) {
          millisecond *= 10;
        }
      }
    }
    if (pos !== length) {
      const offset = offsetAt(text, pos);
      if (offset === undefined) {
        return parseIsoDateTimeRegex(text);
      }
      if (offset === null) {
        // A well-formed offset out of range.
        return undefined;
      }
      offsetMs = offset;
    }
  }
  return checkedInto(
    out,
    out.year,
    out.month,
    out.day,
    hour,
    minute,
    second,
    millisecond,
    offsetMs,
  );
}

/**
 * The offset that ends text at `pos` (`Z`, `z`, `±hh`, `±hhmm`, `±hh:mm`) in ms east of UTC;
 * null when it is well formed but out of range; undefined when text does not end that way.
 */
function offsetAt(text: string, pos: number): number | null | undefined {
  const rest = text.length - pos;
  const c = text.charCodeAt(pos);
  if (c === 0x5a || c === 0x7a) {
    return rest === 1 ? 0 : undefined;
  }
  if (!(c === 0x2b || c === 0x2d)) {
    return undefined;
  }
  const hours = digitsAt(text, pos + 1, 2);
  let minutes = 0;
  if (hours < 0) {
    return undefined;
  }
  if (rest === 5) {
    minutes = digitsAt(text, pos + 3, 2);
  } else if (rest === 6 && text.charCodeAt(pos + 3) === 0x3a) {
    minutes = digitsAt(text, pos + 4, 2);
  } else if (rest !== 3) {
    return undefined;
  }
  if (minutes < 0) {
    return undefined;
  }
  if (hours > 18 || minutes > 59) {
    return null;
  }
  return (c === 0x2d ? -1 : 1) * (hours * 60 + minutes) * 60_000;
}

function parseIsoDateTimeRegex(text: string): ParsedDateTime | undefined {
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
  return checkedInto(
    isoDateTimeShared,
    Number(m[1]),
    Number(m[2]),
    Number(m[3]),
    Number(m[4] ?? 0),
    Number(m[5] ?? 0),
    Number(m[6] ?? 0),
    millisecond,
    offsetMs,
  );
}

export const ISO_DATE_TIME_PATTERN: DatePattern = {
  expected: 'ISO 8601, e.g. 2026-11-21T14:05:00+01:00',
  parse: (text) => copyOf(parseIsoDateTimeShared(text)),
  parseShared: parseIsoDateTimeShared,
};

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
