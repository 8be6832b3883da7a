import type { FieldValue } from '../domain/customer.js';
import type { RowIssueCode } from '../domain/row-issue.js';
import { AppError, ErrorCode } from '../errors.js';
import type { ColumnType, Transform } from '../formats/format-definition.js';
import { toCountryAlpha2 } from './country-codes.js';
import {
  compileDatePattern,
  formatCalendarDate,
  formatWallTime,
  wallTimeOfCellDate,
  type DatePattern,
} from './date-patterns.js';
import { isEmailAddress } from './email-address.js';
import { isoInstant } from './iso-instant.js';
import { createNumberReader, type NumberReader } from './number-format.js';
import {
  createZoneConverter,
  isValidTimeZone,
  wallTimeToUtcMs,
  type ZoneConverter,
} from './time-zone.js';

/**
 * The per-type converters behind coerce-values.ts: one compiled function per column for text
 * cells and one for typed spreadsheet cells. Compile-time problems (a bad pattern, equal
 * separators) throw here, once, never per cell.
 *
 * A converter returns the field value itself, or a {@link ConversionFailure}: they run for
 * every cell of every row, so a good cell costs no result object (a million rows of 20 columns
 * would otherwise allocate 20 million of them).
 */

export type CoerceResult =
  | { ok: true; value: FieldValue }
  | { ok: false; code: RowIssueCode; message: string };

/** Why a cell could not be converted; the only object a converter makes, and only for a bad cell. */
export class ConversionFailure {
  readonly code: RowIssueCode;
  readonly message: string;

  constructor(code: RowIssueCode, message: string) {
    this.code = code;
    this.message = message;
  }
}

/** A converted cell: the field value, or why it has none. */
export type Converted = FieldValue | ConversionFailure;

/** True for a failure (field values are never objects, apart from null). */
export function isFailure(
  value: Converted | undefined,
): value is ConversionFailure {
  return typeof value === 'object' && value !== null;
}

/** The result object of the public coercer API for a converted cell. */
export function toCoerceResult(value: Converted): CoerceResult {
  return isFailure(value)
    ? { ok: false, code: value.code, message: value.message }
    : { ok: true, value };
}

/** The value options of one column after column → format → built-in defaults. */
export interface ValueSettings {
  type: ColumnType;
  transforms: readonly Transform[];
  valueMap: Readonly<Record<string, string>> | undefined;
  decimalSeparator: string;
  thousandsSeparator: string;
  trueValues: readonly string[];
  falseValues: readonly string[];
  dateFormat: string;
  dateTimeFormat: string;
  timeZone: string;
}

const CODE_BY_TYPE: Record<ColumnType, RowIssueCode> = {
  string: 'INVALID_VALUE',
  integer: 'INVALID_INTEGER',
  decimal: 'INVALID_NUMBER',
  boolean: 'INVALID_BOOLEAN',
  date: 'INVALID_DATE',
  datetime: 'INVALID_DATETIME',
  email: 'INVALID_EMAIL',
  country: 'INVALID_COUNTRY',
};

const MAX_EMAIL_LENGTH = 254;
const MAX_SHOWN_VALUE = 80;

/** Zone converters are shared by all columns and validators: their offset cache is the expensive part. */
const zoneConverters = new Map<string, ZoneConverter>();

/** Conversion of non-blank text (after transforms and value map) for the column's type. */
export function compileTextConverter(
  settings: ValueSettings,
  where: string,
): (text: string) => Converted {
  const code = CODE_BY_TYPE[settings.type];
  const fail = (
    text: string,
    what: string,
    expected?: string,
  ): ConversionFailure =>
    new ConversionFailure(
      code,
      `${show(text)} is not ${what}${expected === undefined ? '' : ` (expected ${expected})`}`,
    );
  switch (settings.type) {
    case 'string':
      return (text) => text;
    case 'integer': {
      const reader = definitionStep(where, () => numberReader(settings));
      const group = settings.thousandsSeparator;
      const expected =
        group === ''
          ? 'digits, e.g. 1234'
          : `digits, grouped with '${group}' or not, e.g. 1${group}234`;
      return (text) => {
        const n = reader.read(text.trim());
        if (n === undefined || !Number.isInteger(n)) {
          return fail(text, 'a whole number', expected);
        }
        return Number.isSafeInteger(n)
          ? n
          : fail(text, 'a whole number in the safe range');
      };
    }
    case 'decimal': {
      const reader = definitionStep(where, () => numberReader(settings));
      return (text) => {
        const n = reader.read(text.trim());
        return n === undefined
          ? fail(text, 'a valid number', reader.expected)
          : n;
      };
    }
    case 'boolean': {
      const words = definitionStep(where, () => booleanWords(settings));
      // The words as the admin wrote them (trimmed), so `Ja` needs no lower-casing per cell;
      // such a hit gives what the lower-cased lookup gives (a word is never both).
      const asWritten = new Map<string, boolean>();
      for (const [list, value] of [
        [settings.trueValues, true],
        [settings.falseValues, false],
      ] as const) {
        for (const word of list) {
          asWritten.set(word.trim(), value);
        }
      }
      const expected = `${listWords(settings.trueValues)} for yes, ${listWords(settings.falseValues)} for no`;
      return (text) => {
        const value =
          asWritten.get(text) ?? words.get(text.trim().toLowerCase());
        return value === undefined
          ? fail(text, 'a valid yes/no value', expected)
          : value;
      };
    }
    case 'date': {
      const pattern = definitionStep(where, () =>
        compileDatePattern(settings.dateFormat, 'date'),
      );
      return (text) => {
        const p = pattern.parseShared(text.trim());
        return p === undefined
          ? fail(text, 'a valid date', pattern.expected)
          : formatCalendarDate(p.year, p.month, p.day);
      };
    }
    case 'datetime': {
      const pattern: DatePattern = definitionStep(where, () =>
        compileDatePattern(settings.dateTimeFormat, 'datetime'),
      );
      const zone = zoneConverter(settings.timeZone);
      return (text) => {
        const p = pattern.parseShared(text.trim());
        if (p === undefined) {
          return fail(text, 'a valid date and time', pattern.expected);
        }
        const epochMs =
          p.offsetMs === null
            ? zone.toEpochMs(p)
            : wallTimeToUtcMs(p) - p.offsetMs;
        return isoInstant(epochMs);
      };
    }
    case 'email':
      return (text) => {
        const value = text.trim().toLowerCase();
        return value.length <= MAX_EMAIL_LENGTH && isEmailAddress(value)
          ? value
          : fail(text, 'a valid e-mail address');
      };
    case 'country':
      return (text) => {
        const value = toCountryAlpha2(text.trim());
        return value === undefined
          ? fail(
              text,
              'an ISO 3166-1 country code',
              'two letters such as DE, or three such as DEU',
            )
          : value;
      };
    default: {
      const never: never = settings.type;
      return never;
    }
  }
}

/**
 * Spreadsheet cells that already have a type. Numbers and booleans that fit the column's type
 * are taken as they are; Dates are read as the wall time Excel displayed (see
 * wallTimeOfCellDate); anything else goes through the text path, so a 20240131 number cell
 * still reads with a `yyyyMMdd` pattern and a wrong kind gets the usual message.
 */
export function compileNativeConverter(
  settings: ValueSettings,
  fromText: (text: string) => Converted,
  where: string,
): (cell: number | boolean | Date) => Converted {
  const type = settings.type;
  const zone =
    type === 'datetime'
      ? definitionStep(where, () => zoneConverter(settings.timeZone))
      : undefined;
  return (cell) => {
    if (typeof cell === 'number') {
      if (
        (type === 'decimal' && Number.isFinite(cell)) ||
        (type === 'integer' && Number.isSafeInteger(cell))
      ) {
        return cell === 0 ? 0 : cell;
      }
      return fromText(String(cell));
    }
    if (typeof cell === 'boolean') {
      return type === 'boolean' ? cell : fromText(String(cell));
    }
    if (Number.isNaN(cell.getTime())) {
      return new ConversionFailure(
        CODE_BY_TYPE[type],
        'The cell holds an invalid date',
      );
    }
    const wall = wallTimeOfCellDate(cell);
    if (type === 'date') {
      return formatCalendarDate(wall.year, wall.month, wall.day);
    }
    if (zone !== undefined) {
      return isoInstant(zone.toEpochMs(wall));
    }
    return fromText(formatWallTime(wall));
  };
}

function numberReader(settings: ValueSettings): NumberReader {
  return createNumberReader({
    decimalSeparator: settings.decimalSeparator,
    thousandsSeparator: settings.thousandsSeparator,
  });
}

function booleanWords(settings: ValueSettings): Map<string, boolean> {
  const words = new Map<string, boolean>();
  for (const [list, value] of [
    [settings.trueValues, true],
    [settings.falseValues, false],
  ] as const) {
    for (const word of list) {
      const key = word.trim().toLowerCase();
      if (words.get(key) === !value) {
        throw new Error(`'${word}' is listed as both true and false`);
      }
      words.set(key, value);
    }
  }
  return words;
}

/** What an empty cell of a boolean column means: the empty word's value, or undefined (empty). */
export function emptyBooleanValue(
  settings: ValueSettings,
  where: string,
): boolean | undefined {
  return definitionStep(where, () => booleanWords(settings)).get('');
}

function zoneConverter(timeZone: string): ZoneConverter {
  let converter = zoneConverters.get(timeZone);
  if (converter === undefined) {
    if (!isValidTimeZone(timeZone)) {
      throw new AppError(
        ErrorCode.CONFIG_INVALID,
        `Time zone '${timeZone}' is not an IANA time zone such as Europe/Berlin or UTC; fix the default time zone.`,
      );
    }
    converter = createZoneConverter(timeZone);
    zoneConverters.set(timeZone, converter);
  }
  return converter;
}

/** Runs a compile step and turns its Error into a FORMAT_DEFINITION_INVALID naming the column. */
export function definitionStep<T>(where: string, step: () => T): T {
  try {
    return step();
  } catch (e) {
    if (e instanceof AppError) {
      throw e;
    }
    const reason = e instanceof Error ? e.message : String(e);
    throw new AppError(
      ErrorCode.FORMAT_DEFINITION_INVALID,
      `${where}: ${reason}. Fix the format definition.`,
      {
        cause: e,
      },
    );
  }
}

function listWords(words: readonly string[]): string {
  return words.map((w) => (w === '' ? 'empty' : w)).join('/');
}

function show(text: string): string {
  return `'${text.length > MAX_SHOWN_VALUE ? `${text.slice(0, MAX_SHOWN_VALUE)}…` : text}'`;
}
