import type { FieldValue } from '../domain/customer.js';
import type { RowIssue, RowIssueCode } from '../domain/row-issue.js';
import { AppError, ErrorCode } from '../errors.js';
import type { FormatDefinition } from '../formats/format-definition.js';
import type { Cell, RawRow } from '../parse/parser.js';
import type { StagedRecord } from '../domain/customer.js';
import { KEY_PART_SEPARATOR, recordKeyFields } from '../domain/entity.js';
import { createCellConverter, type CellConverter } from './coerce-values.js';
import { formatWallTime, wallTimeOfCellDate } from './date-patterns.js';
import type { ColumnBinding } from './map-columns.js';
import { isFailure, type Converted } from './value-converters.js';

/**
 * Turns raw rows into staged records plus row issues. Invalid rows are data, not exceptions:
 * every bad cell of a row is reported, and the outcome policy decides what the file's issues
 * mean.
 *
 * This runs for every row of files with millions of rows, so all decisions that depend only on
 * the format (empty policy, default value, converter, labels, the order fields are set in) are
 * made once in {@link createRowValidator}; `validate` is one loop over precomputed slots, and a
 * good cell allocates nothing but its value.
 *
 * No zod parse per record: records are built here from coercers that only ever produce
 * strings, finite numbers, booleans and null, under a non-empty trimmed key, which is exactly
 * what CustomerRecordSchema accepts. The schema is the contract; this module is its trusted
 * producer (tests check records against the schema). Parsing each record again would cost
 * seconds per million rows and would copy `fields` into a prototype-bearing object.
 */

export interface RowValidatorOptions {
  /** Zone for datetimes without offset when neither column nor format names one (IANA). */
  defaultTimeZone: string;
  /** Cell address for issues (spreadsheets: `B17`), usually `ParsedFile.cellRef`. */
  cellRef?: (columnIndex: number, line: number) => string | undefined;
  /** Sheet the rows come from (spreadsheets), named with the cell in issue messages. */
  sheet?: string;
  /**
   * Set each record's fields in code-unit order of their names (attributes among them), so
   * that `Object.keys(fields)` is sorted and a store can serialise the record canonically with
   * one JSON.stringify. Default false: format columns in format order, then attributes in
   * header order. Issues come in column order either way.
   */
  sortFields?: boolean;
}

export interface RowValidationResult {
  /** The record to upsert, or null when the row has errors (or is blank). */
  record: StagedRecord | null;
  /** Errors (the row is skipped) and warnings (the row is kept), all with the row's line. */
  issues: RowIssue[];
  /** Every cell was empty: skip the row silently and do not count it as read. */
  blank: boolean;
  /** For a row with errors: its key, when the key itself could be read. */
  key?: string;
}

export interface RowValidator {
  validate(row: RawRow): RowValidationResult;
  /**
   * One field of the record `validate` would make of the row, converted as validate converts it,
   * without the rest of the row: undefined when the field is empty and kept, or its cell is bad.
   * For a row that validates, the value equals `validate(row).record.fields[field]`.
   */
  fieldValue(row: RawRow, field: string): FieldValue | undefined;
  /**
   * The record's key as `validate` would give it, from the key column(s) alone; undefined when a
   * key part is empty or bad, or the row has a parser issue (only `validate` says what).
   */
  keyOf(row: RawRow): string | undefined;
}

/** What an empty cell does to the record, decided per column from required/empty/default. */
type EmptyAction =
  | { kind: 'keep' }
  | { kind: 'set'; value: FieldValue }
  | { kind: 'error'; code: RowIssueCode; message: string };

/** One field of the record: a format column, or an unmapped column kept as an attribute. */
interface FieldSlot {
  readonly index: number;
  readonly field: string;
  readonly label: string;
  /** Null for an attribute column: it has no type (see attributeValue). */
  readonly convert: CellConverter | null;
  readonly onEmpty: EmptyAction;
  /** Format columns in format order, then attributes in header order: the order of issues. */
  readonly order: number;
}

/** A bad cell found during the loop; issues are made once the row is done. */
interface CellFailure {
  slot: FieldSlot;
  code: RowIssueCode;
  message: string;
}

const KEEP: EmptyAction = { kind: 'keep' };
const SET_NULL: EmptyAction = { kind: 'set', value: null };

export function createRowValidator(
  format: FormatDefinition,
  binding: ColumnBinding,
  options: RowValidatorOptions,
): RowValidator {
  const coerceOptions = { defaultTimeZone: options.defaultTimeZone };
  // Customers have one key field; contacts and addresses add their customer's number to theirs.
  const keyFields = recordKeyFields(format);
  const plans: FieldSlot[] = binding.columns.map(
    ({ column, index, label }, order) => {
      const convert = createCellConverter(column, format, coerceOptions);
      const isKey = keyFields.includes(column.field);
      let onEmpty: EmptyAction = KEEP;
      const policy = column.empty ?? format.emptyCells;
      if (isKey) {
        // An empty key cannot be upserted, whatever the policy; a default key would merge rows.
        onEmpty = {
          kind: 'error',
          code: 'KEY_MISSING',
          message: `The key column '${label}' (${column.field}) is empty; a row without a key cannot be imported`,
        };
      } else if (policy === 'default' && column.default !== undefined) {
        onEmpty = {
          kind: 'set',
          value: coerceDefault(convert, column.default, format.id, label),
        };
      } else if (column.required) {
        onEmpty = {
          kind: 'error',
          code: 'REQUIRED_MISSING',
          message: `The required column '${label}' is empty`,
        };
      } else if (policy === 'clear') {
        onEmpty = SET_NULL;
      }
      return { index, field: column.field, label, convert, onEmpty, order };
    },
  );
  // Unmapped columns have no empty policy of their own: the format's clears them or keeps them.
  const attributeEmpty = format.emptyCells === 'clear' ? SET_NULL : KEEP;
  const slots: FieldSlot[] = [
    ...plans,
    ...binding.attributes.map(({ index, field, label }, i) => ({
      index,
      field,
      label,
      convert: null,
      onEmpty: attributeEmpty,
      order: plans.length + i,
    })),
  ];
  if (options.sortFields === true) {
    // A stable sort: two columns of one field keep their order, so the later one still wins.
    slots.sort((a, b) => (a.field < b.field ? -1 : a.field > b.field ? 1 : 0));
  }
  const slotCount = slots.length;
  const keyPlans = keyFields.map((field) =>
    plans.find((p) => p.field === field),
  );
  const keyLabel = keyFields.join(' + ');
  const cellRef = options.cellRef;
  const sheet = options.sheet;
  // The slots of each field, in the order validate sets them (the last value set wins).
  const slotsByField = new Map<string, FieldSlot[]>();
  for (const slot of slots) {
    const list = slotsByField.get(slot.field);
    if (list === undefined) {
      slotsByField.set(slot.field, [slot]);
    } else {
      list.push(slot);
    }
  }
  const fieldValue = (row: RawRow, field: string): FieldValue | undefined => {
    let result: FieldValue | undefined;
    for (const slot of slotsByField.get(field) ?? []) {
      const cell = row.cells[slot.index];
      const value: Converted | undefined =
        slot.convert === null ? attributeValue(cell) : slot.convert(cell);
      if (value === undefined) {
        if (slot.onEmpty.kind === 'set') {
          result = slot.onEmpty.value;
        }
      } else if (!isFailure(value)) {
        result = value;
      }
    }
    return result;
  };

  const issueAt = (
    row: RawRow,
    plan: FieldSlot,
    cell: Cell | undefined,
    code: RowIssueCode,
    message: string,
  ): RowIssue => {
    const issue: RowIssue = {
      line: row.line,
      column: plan.label,
      value: rawText(cell),
      code,
      message,
      severity: 'error',
    };
    const ref = cellRef?.(plan.index, row.line);
    if (ref !== undefined) {
      issue.cell = ref;
      // A workbook has several sheets; the admin needs both to find the cell.
      if (sheet !== undefined) {
        issue.message = `${message} (cell ${ref} of sheet '${sheet}')`;
      }
    }
    return issue;
  };

  return {
    fieldValue,
    keyOf(row) {
      if (row.issue !== undefined) {
        return undefined;
      }
      let key = '';
      for (const field of keyFields) {
        const part = keyText(fieldValue(row, field));
        if (part === '') {
          return undefined;
        }
        key = key === '' ? part : `${key}${KEY_PART_SEPARATOR}${part}`;
      }
      return key === '' ? undefined : key;
    },
    validate(row) {
      const parserIssue = row.issue;
      if (parserIssue !== undefined && parserIssue.severity === 'error') {
        return { record: null, issues: [parserIssue], blank: false };
      }
      const cells = row.cells;
      if (isBlankRow(cells)) {
        return { record: null, issues: [], blank: true };
      }
      const issues: RowIssue[] = parserIssue === undefined ? [] : [parserIssue];
      let failures: CellFailure[] | null = null;
      // A plain object, not a prototype-less one: V8 keeps a plain object of a few dozen fields
      // in fast mode, while Object.create(null) starts as a dictionary, which cost every later
      // step (serializing, hashing, rules) about a third more per row. Field names cannot collide
      // with Object.prototype: they are the model's fields or `attributes.<name>`
      // (TargetFieldSchema), never `__proto__`, `constructor` or the like.
      const fields: Record<string, FieldValue> = {};

      for (let s = 0; s < slotCount; s++) {
        const slot = slots[s] as FieldSlot;
        const cell = cells[slot.index];
        const convert = slot.convert;
        const value: Converted | undefined =
          convert === null ? attributeValue(cell) : convert(cell);
        if (value === undefined) {
          const action = slot.onEmpty;
          if (action.kind === 'set') {
            fields[slot.field] = action.value;
          } else if (action.kind === 'error') {
            (failures ??= []).push({
              slot,
              code: action.code,
              message: action.message,
            });
          }
        } else if (isFailure(value)) {
          (failures ??= []).push({
            slot,
            code: value.code,
            message: value.message,
          });
        } else {
          fields[slot.field] = value;
        }
      }
      const failed = failures !== null;
      if (failures !== null) {
        if (failures.length > 1) {
          failures.sort((a, b) => a.slot.order - b.slot.order);
        }
        for (const { slot, code, message } of failures) {
          issues.push(issueAt(row, slot, cells[slot.index], code, message));
        }
      }

      let key = '';
      let emptyPart: FieldSlot | undefined | null = null;
      for (const keyPlan of keyPlans) {
        const part =
          keyPlan === undefined ? '' : keyText(fields[keyPlan.field]);
        if (part === '') {
          emptyPart = keyPlan;
          break;
        }
        key = key === '' ? part : `${key}${KEY_PART_SEPARATOR}${part}`;
      }
      if (emptyPart !== null) {
        key = '';
      }
      let keyMissing = false;
      if (key === '' && !failed) {
        keyMissing = true;
        issues.push({
          line: row.line,
          column: emptyPart?.label ?? null,
          value: null,
          code: 'KEY_MISSING',
          message: `The key (${keyLabel}) is empty; a row without a key cannot be imported`,
          severity: 'error',
        });
      }
      if (failed || keyMissing) {
        // The key of a skipped row, when it could be read: a rebuild must not deactivate that customer.
        return key === ''
          ? { record: null, issues, blank: false }
          : { record: null, issues, blank: false, key };
      }
      return { record: { key, fields, line: row.line }, issues, blank: false };
    },
  };
}

/** The column default as the field value, checked once; a bad default is a definition error. */
function coerceDefault(
  convert: CellConverter,
  value: FieldValue,
  formatId: string,
  label: string,
): FieldValue {
  if (value === null) {
    return null;
  }
  const result = convert(value);
  if (result === undefined) {
    return null;
  }
  if (isFailure(result)) {
    throw new AppError(
      ErrorCode.FORMAT_DEFINITION_INVALID,
      `Format '${formatId}', column '${label}': the default does not fit the column: ${result.message}. Fix the format definition.`,
    );
  }
  return result;
}

function isBlankRow(cells: readonly Cell[]): boolean {
  for (const cell of cells) {
    if (cell === null || cell === undefined) {
      continue;
    }
    if (typeof cell !== 'string' || cell.trim() !== '') {
      return false;
    }
  }
  return true;
}

function keyText(value: FieldValue | undefined): string {
  if (value === undefined || value === null) {
    return '';
  }
  return typeof value === 'string' ? value.trim() : String(value);
}

/**
 * Unmapped columns have no type: text is trimmed, spreadsheet numbers and booleans stay as
 * they are, Dates become their calendar date (plus time when they have one). Undefined = empty.
 */
function attributeValue(cell: Cell | undefined): FieldValue | undefined {
  if (cell === null || cell === undefined) {
    return undefined;
  }
  if (typeof cell === 'string') {
    const text = cell.trim();
    return text === '' ? undefined : text;
  }
  if (typeof cell === 'number') {
    return Number.isFinite(cell) ? cell : String(cell);
  }
  if (typeof cell === 'boolean') {
    return cell;
  }
  if (Number.isNaN(cell.getTime())) {
    return undefined;
  }
  return formatWallTime(wallTimeOfCellDate(cell));
}

/** The cell as found in the file, for the error report. */
function rawText(cell: Cell | undefined): string | null {
  if (cell === null || cell === undefined) {
    return null;
  }
  if (cell instanceof Date) {
    return Number.isNaN(cell.getTime()) ? 'Invalid Date' : cell.toISOString();
  }
  return String(cell);
}
