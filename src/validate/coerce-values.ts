import type { FieldValue } from '../domain/customer.js';
import type { RowIssueCode } from '../domain/row-issue.js';
import { AppError, ErrorCode } from '../errors.js';
import {
  describeColumnSource,
  type ColumnType,
  type FormatColumn,
  type FormatDefinition,
  type Transform,
} from '../formats/format-definition.js';
import type { Cell } from '../parse/parser.js';
import { toCountryAlpha2 } from './country-codes.js';
import {
  compileDatePattern,
  formatCalendarDate,
  formatWallTime,
  wallTimeOfCellDate,
  type DatePattern,
} from './date-patterns.js';
import { createNumberReader, type NumberReader } from './number-format.js';
import { composeTransforms, toValueMap } from './text-transforms.js';
import { createZoneConverter, isValidTimeZone, machineTimeZone, wallTimeToUtcMs, type ZoneConverter } from './time-zone.js';

/**
 * Per-type conversion of one cell. Everything that depends on the format definition (options,
 * patterns, regexes, word lists) is resolved once in {@link createCellCoercer}; the returned
 * function does only the per-cell work, because it runs for every cell of every row.
 */

export type CoerceResult = { ok: true; value: FieldValue } | { ok: false; code: RowIssueCode; message: string };

/** A compiled column conversion. Returns null for an empty cell: the caller applies the empty policy. */
export type CellCoercer = (cell: Cell | undefined) => CoerceResult | null;

export interface CoerceOptions {
  /** Zone for datetimes without offset when neither column nor format names one. Default: the machine's. */
  defaultTimeZone?: string;
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

export const DEFAULT_TRUE_VALUES: readonly string[] = ['1', 'true', 'yes', 'y', 'ja', 'j', 'x', 'wahr'];
/** The empty word makes an empty boolean cell false (the `X`/empty convention of SAP and NAV). */
export const DEFAULT_FALSE_VALUES: readonly string[] = ['0', 'false', 'no', 'n', 'nein', 'falsch', ''];

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

/** Dot-atom local part and LDH (or IDN) labels with a top-level domain; lower-cased before the test. */
const EMAIL =
  /^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+(?:\.[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+)*@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+[\p{L}]{2,63}$/u;
const MAX_EMAIL_LENGTH = 254;
const MAX_SHOWN_VALUE = 80;

const zoneConverters = new Map<string, ZoneConverter>();
const coercerCache = new WeakMap<FormatColumn, Map<string, CellCoercer>>();

export function resolveValueSettings(
  column: FormatColumn,
  format: FormatDefinition,
  options: CoerceOptions = {},
): ValueSettings {
  return {
    type: column.type,
    transforms: column.transforms,
    valueMap: column.valueMap,
    decimalSeparator: column.decimalSeparator ?? format.decimalSeparator ?? '.',
    thousandsSeparator: column.thousandsSeparator ?? format.thousandsSeparator ?? '',
    trueValues: column.trueValues ?? format.trueValues ?? DEFAULT_TRUE_VALUES,
    falseValues: column.falseValues ?? format.falseValues ?? DEFAULT_FALSE_VALUES,
    dateFormat: column.dateFormat ?? format.dateFormat ?? 'iso',
    dateTimeFormat: column.dateTimeFormat ?? format.dateTimeFormat ?? 'iso',
    timeZone: column.timeZone ?? format.timeZone ?? options.defaultTimeZone ?? machineTimeZone(),
  };
}

/**
 * Compiles one column's conversion. Throws AppError FORMAT_DEFINITION_INVALID when the column's
 * options cannot work (a bad date pattern, equal separators, a word both true and false), and
 * CONFIG_INVALID for an unknown default time zone.
 */
export function createCellCoercer(column: FormatColumn, format: FormatDefinition, options: CoerceOptions = {}): CellCoercer {
  const where = `Format '${format.id}', column '${describeColumnSource(column)}' (${column.field})`;
  return compileCoercer(resolveValueSettings(column, format, options), where);
}

/**
 * Converts one cell (pure; compiles the column on first use and caches it per column object).
 * An empty cell gives `{ ok: true, value: null }` here; the row validator applies the column's
 * empty policy instead.
 */
export function coerceCell(
  cell: Cell | undefined,
  column: FormatColumn,
  format: FormatDefinition,
  options: CoerceOptions = {},
): CoerceResult {
  const zone = options.defaultTimeZone ?? '';
  let perZone = coercerCache.get(column);
  if (perZone === undefined) {
    perZone = new Map();
    coercerCache.set(column, perZone);
  }
  let coercer = perZone.get(zone);
  if (coercer === undefined) {
    coercer = createCellCoercer(column, format, options);
    perZone.set(zone, coercer);
  }
  return coercer(cell) ?? { ok: true, value: null };
}

/** Compiles resolved settings; `where` names the format and column in definition errors. */
export function compileCoercer(settings: ValueSettings, where: string): CellCoercer {
  const transform = composeTransforms(settings.transforms);
  const valueMap = toValueMap(settings.valueMap);
  const fromText = compileTextConverter(settings, where);
  const fromNative = compileNativeConverter(settings, fromText, where);
  // An empty word in the boolean lists (by default: false) gives empty cells that meaning.
  const emptyResult: CoerceResult | null =
    settings.type === 'boolean' ? emptyBooleanResult(settings, where) : null;

  return (cell) => {
    if (cell === null || cell === undefined) {
      return emptyResult;
    }
    if (typeof cell === 'string') {
      let text = transform(cell);
      if (valueMap !== undefined) {
        text = valueMap.get(text) ?? text;
      }
      return isBlank(text) ? emptyResult : fromText(text);
    }
    if (valueMap !== undefined && typeof cell !== 'object') {
      // A number or boolean cell is looked up by its text, as the admin sees it in the sheet.
      const mapped = valueMap.get(String(cell));
      if (mapped !== undefined) {
        return isBlank(mapped) ? emptyResult : fromText(mapped);
      }
    }
    return fromNative(cell);
  };
}

/** Conversion of non-blank text (after transforms and value map) for the column's type. */
function compileTextConverter(settings: ValueSettings, where: string): (text: string) => CoerceResult {
  const code = CODE_BY_TYPE[settings.type];
  const fail = (text: string, what: string, expected?: string): CoerceResult => ({
    ok: false,
    code,
    message: `${show(text)} is not ${what}${expected === undefined ? '' : ` (expected ${expected})`}`,
  });
  switch (settings.type) {
    case 'string':
      return (text) => ({ ok: true, value: text });
    case 'integer': {
      const reader = definitionStep(where, () => numberReader(settings));
      const group = settings.thousandsSeparator;
      const expected = group === '' ? 'digits, e.g. 1234' : `digits, grouped with '${group}' or not, e.g. 1${group}234`;
      return (text) => {
        const n = reader.read(text.trim());
        if (n === undefined || !Number.isInteger(n)) {
          return fail(text, 'a whole number', expected);
        }
        return Number.isSafeInteger(n) ? { ok: true, value: n } : fail(text, 'a whole number in the safe range');
      };
    }
    case 'decimal': {
      const reader = definitionStep(where, () => numberReader(settings));
      return (text) => {
        const n = reader.read(text.trim());
        return n === undefined ? fail(text, 'a valid number', reader.expected) : { ok: true, value: n };
      };
    }
    case 'boolean': {
      const words = definitionStep(where, () => booleanWords(settings));
      const expected = `${listWords(settings.trueValues)} for yes, ${listWords(settings.falseValues)} for no`;
      return (text) => {
        const value = words.get(text.trim().toLowerCase());
        return value === undefined ? fail(text, 'a valid yes/no value', expected) : { ok: true, value };
      };
    }
    case 'date': {
      const pattern = definitionStep(where, () => compileDatePattern(settings.dateFormat, 'date'));
      return (text) => {
        const p = pattern.parse(text.trim());
        return p === undefined
          ? fail(text, 'a valid date', pattern.expected)
          : { ok: true, value: formatCalendarDate(p.year, p.month, p.day) };
      };
    }
    case 'datetime': {
      const pattern: DatePattern = definitionStep(where, () => compileDatePattern(settings.dateTimeFormat, 'datetime'));
      const zone = zoneConverter(settings.timeZone);
      return (text) => {
        const p = pattern.parse(text.trim());
        if (p === undefined) {
          return fail(text, 'a valid date and time', pattern.expected);
        }
        const epochMs = p.offsetMs === null ? zone.toEpochMs(p) : wallTimeToUtcMs(p) - p.offsetMs;
        return { ok: true, value: new Date(epochMs).toISOString() };
      };
    }
    case 'email':
      return (text) => {
        const value = text.trim().toLowerCase();
        return value.length <= MAX_EMAIL_LENGTH && EMAIL.test(value)
          ? { ok: true, value }
          : fail(text, 'a valid e-mail address');
      };
    case 'country':
      return (text) => {
        const value = toCountryAlpha2(text.trim());
        return value === undefined
          ? fail(text, 'an ISO 3166-1 country code', 'two letters such as DE, or three such as DEU')
          : { ok: true, value };
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
function compileNativeConverter(
  settings: ValueSettings,
  fromText: (text: string) => CoerceResult,
  where: string,
): (cell: number | boolean | Date) => CoerceResult | null {
  const type = settings.type;
  const zone = type === 'datetime' ? definitionStep(where, () => zoneConverter(settings.timeZone)) : undefined;
  return (cell) => {
    if (typeof cell === 'number') {
      if ((type === 'decimal' && Number.isFinite(cell)) || (type === 'integer' && Number.isSafeInteger(cell))) {
        return { ok: true, value: cell === 0 ? 0 : cell };
      }
      return fromText(String(cell));
    }
    if (typeof cell === 'boolean') {
      return type === 'boolean' ? { ok: true, value: cell } : fromText(String(cell));
    }
    if (Number.isNaN(cell.getTime())) {
      return { ok: false, code: CODE_BY_TYPE[type], message: 'The cell holds an invalid date' };
    }
    const wall = wallTimeOfCellDate(cell);
    if (type === 'date') {
      return { ok: true, value: formatCalendarDate(wall.year, wall.month, wall.day) };
    }
    if (zone !== undefined) {
      return { ok: true, value: new Date(zone.toEpochMs(wall)).toISOString() };
    }
    return fromText(formatWallTime(wall));
  };
}

/** True for '' and whitespace-only text; the first-character test keeps the common case cheap. */
function isBlank(text: string): boolean {
  if (text.length === 0) {
    return true;
  }
  const first = text.charCodeAt(0);
  if (first > 32 && first !== 0xa0 && first < 0x1680 && first !== 0xfeff) {
    return false;
  }
  return text.trim().length === 0;
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

function emptyBooleanResult(settings: ValueSettings, where: string): CoerceResult | null {
  const value = definitionStep(where, () => booleanWords(settings)).get('');
  return value === undefined ? null : { ok: true, value };
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
function definitionStep<T>(where: string, step: () => T): T {
  try {
    return step();
  } catch (e) {
    if (e instanceof AppError) {
      throw e;
    }
    const reason = e instanceof Error ? e.message : String(e);
    throw new AppError(ErrorCode.FORMAT_DEFINITION_INVALID, `${where}: ${reason}. Fix the format definition.`, {
      cause: e,
    });
  }
}

function listWords(words: readonly string[]): string {
  return words.map((w) => (w === '' ? 'empty' : w)).join('/');
}

function show(text: string): string {
  return `'${text.length > MAX_SHOWN_VALUE ? `${text.slice(0, MAX_SHOWN_VALUE)}…` : text}'`;
}
