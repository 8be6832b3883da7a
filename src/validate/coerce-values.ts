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
  emptyBooleanResult,
  type CoerceResult,
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
export function compileCoercer(
  settings: ValueSettings,
  where: string,
): CellCoercer {
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
