import type { Cell } from '../parse/parser.js';
import {
  describeColumnSource,
  type FormatColumn,
  type FormatDefinition,
} from '../formats/format-definition.js';
import { composeTransforms, toValueMap } from './text-transforms.js';
import { machineTimeZone } from './time-zone.js';
import {
  compileNativeConverter,
  compileTextConverter,
  emptyBooleanValue,
  toCoerceResult,
  type CoerceResult,
  type Converted,
  type ValueSettings,
} from './value-converters.js';

export type { CoerceResult, ValueSettings } from './value-converters.js';

/**
 * Per-type conversion of one cell. Everything that depends on the format definition (options,
 * patterns, regexes, word lists) is resolved once in {@link createCellCoercer}; the returned
 * function does only the per-cell work, because it runs for every cell of every row.
 */

/** A compiled column conversion. Returns null for an empty cell: the caller applies the empty policy. */
export type CellCoercer = (cell: Cell | undefined) => CoerceResult | null;

/**
 * The same conversion without a result object per cell (what the row validator runs): the
 * field value, a ConversionFailure, or undefined for an empty cell.
 *
 * @internal
 */
export type CellConverter = (cell: Cell | undefined) => Converted | undefined;

export interface CoerceOptions {
  /** Zone for datetimes without offset when neither column nor format names one. Default: the machine's. */
  defaultTimeZone?: string;
}

export const DEFAULT_TRUE_VALUES: readonly string[] = [
  '1',
  'true',
  'yes',
  'y',
  'ja',
  'j',
  'x',
  'wahr',
];
/** The empty word makes an empty boolean cell false (the `X`/empty convention of SAP and NAV). */
export const DEFAULT_FALSE_VALUES: readonly string[] = [
  '0',
  'false',
  'no',
  'n',
  'nein',
  'falsch',
  '',
];

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
    thousandsSeparator:
      column.thousandsSeparator ?? format.thousandsSeparator ?? '',
    trueValues: column.trueValues ?? format.trueValues ?? DEFAULT_TRUE_VALUES,
    falseValues:
      column.falseValues ?? format.falseValues ?? DEFAULT_FALSE_VALUES,
    dateFormat: column.dateFormat ?? format.dateFormat ?? 'iso',
    dateTimeFormat: column.dateTimeFormat ?? format.dateTimeFormat ?? 'iso',
    timeZone:
      column.timeZone ??
      format.timeZone ??
      options.defaultTimeZone ??
      machineTimeZone(),
  };
}

/**
 * Compiles one column's conversion. Throws AppError FORMAT_DEFINITION_INVALID when the column's
 * options cannot work (a bad date pattern, equal separators, a word both true and false), and
 * CONFIG_INVALID for an unknown default time zone.
 */
export function createCellCoercer(
  column: FormatColumn,
  format: FormatDefinition,
  options: CoerceOptions = {},
): CellCoercer {
  return coercerOf(createCellConverter(column, format, options));
}

/** {@link createCellCoercer} without result objects (see {@link CellConverter}). @internal */
export function createCellConverter(
  column: FormatColumn,
  format: FormatDefinition,
  options: CoerceOptions = {},
): CellConverter {
  const where = `Format '${format.id}', column '${describeColumnSource(column)}' (${column.field})`;
  return compileConverter(resolveValueSettings(column, format, options), where);
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
export function compileCoercer(
  settings: ValueSettings,
  where: string,
): CellCoercer {
  return coercerOf(compileConverter(settings, where));
}

function coercerOf(convert: CellConverter): CellCoercer {
  return (cell) => {
    const value = convert(cell);
    return value === undefined ? null : toCoerceResult(value);
  };
}

/**
 * The converter of one column. Text cells come first (every cell of a text file); a column of
 * type string with the default `trim` and no value map, the most common column there is, gets a
 * converter of its own that makes no call besides trim().
 *
 * @internal
 */
export function compileConverter(
  settings: ValueSettings,
  where: string,
): CellConverter {
  const transform = composeTransforms(settings.transforms);
  const valueMap = toValueMap(settings.valueMap);
  const fromText = compileTextConverter(settings, where);
  const fromNative = compileNativeConverter(settings, fromText, where);
  // An empty word in the boolean lists (by default: false) gives empty cells that meaning.
  const emptyValue: boolean | undefined =
    settings.type === 'boolean'
      ? emptyBooleanValue(settings, where)
      : undefined;

  /** Number, boolean and Date cells (spreadsheets), and empty ones. */
  const fromOther = (
    cell: Exclude<Cell, string> | undefined,
  ): Converted | undefined => {
    if (cell === null || cell === undefined) {
      return emptyValue;
    }
    if (valueMap !== undefined && typeof cell !== 'object') {
      // A number or boolean cell is looked up by its text, as the admin sees it in the sheet.
      const mapped = valueMap.get(String(cell));
      if (mapped !== undefined) {
        return isBlank(mapped) ? emptyValue : fromText(mapped);
      }
    }
    return fromNative(cell);
  };

  const transforms = settings.transforms;
  if (
    settings.type === 'string' &&
    valueMap === undefined &&
    transforms.length === 1 &&
    transforms[0] === 'trim'
  ) {
    // After trim, blank is empty (isBlank trims too); a string value is the text itself.
    return (cell) => {
      if (typeof cell === 'string') {
        const text = cell.trim();
        return text.length === 0 ? emptyValue : text;
      }
      return fromOther(cell);
    };
  }
  return (cell) => {
    if (typeof cell === 'string') {
      let text = transform(cell);
      if (valueMap !== undefined) {
        text = valueMap.get(text) ?? text;
      }
      return isBlank(text) ? emptyValue : fromText(text);
    }
    return fromOther(cell);
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
