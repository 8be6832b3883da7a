import type { FieldValue } from '../domain/customer.js';
import type { FieldChange } from '../domain/file-outcome.js';
import { contentHash } from '../util/hash.js';
import { stableStringify } from '../util/stable-json.js';
import type { HistoryEntry } from './customer-store.js';

/**
 * The pure half of an upsert, shared by every store back-end: how an incoming record is laid
 * over what the store holds, how "unchanged" is detected, and which fields changed.
 *
 * Two hashes per customer keep re-imports cheap:
 * - `rowHash` is the hash of the last *incoming* row: of the file row it came from when the
 *   record brings that hash (StagedRecord.rowHash, see pipeline/source-rows.ts), else of the
 *   record's fields. ERPs export the full table every time, so most rows of a file equal the
 *   row of the previous file; comparing this hash settles them without parsing the stored JSON
 *   (and, for a file row, the pipeline settles them before even validating it).
 * - `contentHash` is the hash of the *merged* data. It catches records that look different
 *   (a field left out, a null for a field that is already cleared) but change nothing.
 */

export type CustomerData = Record<string, FieldValue>;

/**
 * What a back-end read for one key. `dataJson` is read (when it is a function) and parsed only
 * when the row hash differs: a re-import, where nearly every row is unchanged, need not read the
 * stored data at all.
 */
export interface StoredState {
  rowHash: string | null;
  contentHash: string;
  dataJson: string | (() => string);
}

export type UpsertPlan =
  | {
      /** Nothing to write. `refreshRowHash`: the stored row hash is stale, store `rowHash`. */
      action: 'unchanged';
      rowHash: string;
      refreshRowHash: boolean;
    }
  | {
      action: 'insert' | 'update';
      rowHash: string;
      contentHash: string;
      /** The merged data, serialized with sorted keys (what the store keeps). */
      dataJson: string;
      data: CustomerData;
      changes: FieldChange[];
    };

/** Hash of an incoming record's fields (nulls included: "clear" differs from "keep"). */
export function recordRowHash(
  fields: Readonly<Record<string, FieldValue>>,
): string {
  return contentHash(stableStringify(fields));
}

/** Hash of merged customer data; `dataJson` must come from {@link serializeData}. */
export function dataContentHash(dataJson: string): string {
  return contentHash(dataJson);
}

/** The stored form of customer data: JSON with sorted keys, so equal data gives equal text. */
export function serializeData(data: Readonly<CustomerData>): string {
  return stableStringify(data);
}

/**
 * Lays an incoming record over the stored data: a field with a value replaces the stored one, a
 * `null` clears it (the key is removed), and a field the record does not have keeps its value.
 */
export function mergeFields(
  stored: Readonly<CustomerData>,
  fields: Readonly<Record<string, FieldValue>>,
): CustomerData {
  const merged: CustomerData = { ...stored };
  for (const [field, value] of Object.entries(fields)) {
    if (value === null) {
      delete merged[field];
    } else {
      merged[field] = value;
    }
  }
  return merged;
}

/**
 * Field-level differences, sorted by field name so history reads the same on every back-end.
 * A field that is missing on one side is `undefined` there (never stored, or cleared).
 */
export function diffFields(
  before: Readonly<CustomerData>,
  after: Readonly<CustomerData>,
): FieldChange[] {
  const fields = new Set([...Object.keys(before), ...Object.keys(after)]);
  const changes: FieldChange[] = [];
  for (const field of [...fields].sort()) {
    const old = before[field];
    const next = after[field];
    if (old !== next) {
      changes.push({ field, old, new: next });
    }
  }
  return changes;
}

export interface PlanOptions {
  /**
   * Whether an insert lists its fields as changes. Default true. History does not store them
   * (see restoreInsertedChanges), so only a caller that reports changes (a dry run) needs them;
   * a first import of a million rows saves twenty objects a row.
   */
  insertChanges?: boolean;
}

/**
 * Decides what to do with one incoming record given what the store holds for its key
 * (`undefined`: the key is new). Pure: the caller performs the write.
 *
 * `sourceHash` is the record's own row hash (StagedRecord.rowHash, the hash of the file row it
 * came from); without one, the hash of its fields is the row hash.
 */
export function planUpsert(
  stored: StoredState | undefined,
  fields: Readonly<Record<string, FieldValue>>,
  options: PlanOptions = {},
  sourceHash?: string,
): UpsertPlan {
  // The fast path: the same file row as last time. Not even the record is serialized.
  if (
    stored !== undefined &&
    sourceHash !== undefined &&
    stored.rowHash === sourceHash
  ) {
    return { action: 'unchanged', rowHash: sourceHash, refreshRowHash: false };
  }
  if (stored === undefined) {
    const withChanges = options.insertChanges ?? true;
    if (sourceHash !== undefined) {
      // A new key whose row hash came with it: the record itself need not be serialized, only
      // its data (which, without nulls, is the same text).
      return planInsert(fields, undefined, sourceHash, {
        withChanges,
        rowJsonHash: undefined,
      });
    }
    const rowJson = stableStringify(fields);
    const rowHash = contentHash(rowJson);
    return planInsert(fields, rowJson, rowHash, {
      withChanges,
      rowJsonHash: rowHash,
    });
  }
  // Without a row hash of its own, the record's is the hash of its fields; with one, the
  // record need not be serialized: an update serializes the merged data, not the record.
  const rowHash = sourceHash ?? contentHash(stableStringify(fields));
  // The same fields as last time: no JSON.parse, no merge.
  if (stored.rowHash === rowHash) {
    return { action: 'unchanged', rowHash, refreshRowHash: false };
  }
  const storedJson =
    typeof stored.dataJson === 'string' ? stored.dataJson : stored.dataJson();
  const before = JSON.parse(storedJson) as CustomerData;
  const data = mergeFields(before, fields);
  const dataJson = serializeData(data);
  const hash = dataContentHash(dataJson);
  if (hash === stored.contentHash) {
    return { action: 'unchanged', rowHash, refreshRowHash: true };
  }
  return {
    action: 'update',
    rowHash,
    contentHash: hash,
    dataJson,
    data,
    changes: diffFields(before, data),
  };
}

/**
 * The plan for a key the store does not have: the data is the record without its nulls, and
 * every field is a change from nothing. Built in one pass over the sorted field names (the same
 * result as mergeFields + diffFields, which a first import would otherwise run a million times).
 * `rowJson`: the record serialized, when the caller has it already (undefined: it serializes
 * only the data); `rowJsonHash`: the hash of `rowJson` when the caller has that too.
 */
function planInsert(
  fields: Readonly<Record<string, FieldValue>>,
  rowJson: string | undefined,
  rowHash: string,
  how: { withChanges: boolean; rowJsonHash: string | undefined },
): UpsertPlan {
  const { withChanges } = how;
  if (
    !withChanges &&
    (rowJson === undefined ? !hasNull(fields) : !mayHoldNull(rowJson))
  ) {
    // Most rows of a first import: the data is the record itself, serialized.
    const dataJson = rowJson ?? serializeData(fields);
    return {
      action: 'insert',
      rowHash,
      contentHash: how.rowJsonHash ?? dataContentHash(dataJson),
      dataJson,
      data: fields,
      changes: [],
    };
  }
  const data: CustomerData = {};
  const changes: FieldChange[] = [];
  let nulls = false;
  for (const field of Object.keys(fields).sort()) {
    const value = fields[field];
    if (value === null) {
      nulls = true;
    } else if (value !== undefined) {
      data[field] = value;
      if (withChanges) {
        changes.push({ field, old: undefined, new: value });
      }
    }
  }
  // Without nulls the new data is the record itself: one serialization (and, without a row hash
  // of the record's own, one hash) less per inserted row, which is most rows of a first import.
  const dataJson =
    nulls || rowJson === undefined ? serializeData(data) : rowJson;
  return {
    action: 'insert',
    rowHash,
    contentHash:
      (nulls ? undefined : how.rowJsonHash) ?? dataContentHash(dataJson),
    dataJson,
    data,
    changes,
  };
}

/** Whether a record has a null field (one that clears a stored value). */
function hasNull(fields: Readonly<Record<string, FieldValue>>): boolean {
  for (const field in fields) {
    if (fields[field] === null) {
      return true;
    }
  }
  return false;
}

/**
 * Whether a record serialized as JSON may have a null value: a null is `:null` in the text, so
 * without that text there is none (with it, maybe only inside a string; the caller looks
 * closer). One string search instead of a walk over the fields.
 */
export function mayHoldNull(fieldsJson: string): boolean {
  return fieldsJson.includes(':null');
}

/**
 * Lower-cased text that customer search looks in (key, name, email, city). Kept as a column so
 * search is case-insensitive for umlauts too, which SQLite's LIKE and lower() are not.
 */
export function customerSearchText(
  key: string,
  data: Readonly<CustomerData>,
): string {
  const parts = [key];
  for (const field of SEARCH_FIELDS) {
    const value = data[field];
    if (value !== undefined && value !== null) {
      parts.push(String(value));
    }
  }
  return parts.join('\n').toLowerCase();
}

/** The fields customer search covers, besides the key. */
export const SEARCH_FIELDS = ['name', 'email', 'city'] as const;

/** Escapes `%`, `_` and `\` for `LIKE … ESCAPE '\'` and lower-cases, like {@link customerSearchText}. */
export function likePattern(search: string): string {
  return `%${search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The part of a history entry that {@link restoreInsertedChanges} reads and fills. */
export interface HistoryChanges {
  operation: string;
  changes: {
    field: string;
    old: FieldValue | undefined;
    new: FieldValue | undefined;
  }[];
}

/**
 * The `inserted` entry of a record comes without its field list (see withInsertedEntry; stored
 * with every field again, as `{field, new}` pairs, it was the biggest thing a first import of a
 * million rows wrote). The fields a record
 * was created with follow from its current data and the later entries, which keep their old
 * values: walking the history newest → oldest and undoing each change arrives at the first
 * version. This fills the `inserted` entry, which has no changes, with that version, so readers see the
 * same list as before. `status` changes are no data field (the status is a column of its own).
 *
 * `history` must be the key's whole history, newest first; the entries are copied, not changed.
 */
export function restoreInsertedChanges<T extends HistoryChanges>(
  current: Readonly<CustomerData>,
  history: readonly T[],
): T[] {
  const data: CustomerData = { ...current };
  return history.map((entry) => {
    if (entry.operation === 'inserted') {
      if (entry.changes.length > 0) {
        // Written before inserts were stored without fields: already complete.
        return entry;
      }
      const changes = Object.keys(data)
        .sort()
        .map((field) => ({ field, old: undefined, new: data[field] }));
      return { ...entry, changes };
    }
    for (const change of entry.changes) {
      if (change.field === STATUS_FIELD) {
        continue;
      }
      if (change.old === undefined || change.old === null) {
        delete data[change.field];
      } else {
        data[change.field] = change.old;
      }
    }
    return entry;
  });
}

/** Where a record was created, as its row keeps it (created_run_id, created_at, created_line). */
export interface CreatedBy {
  /** Null for a record an import did not create (a customer made on our side): no entry. */
  runId: number | null;
  at: string;
  line: number | null;
}

/**
 * History with the record's `inserted` entry appended (it is the oldest). That entry is not a
 * history row: it follows entirely from the record's own row (the run, time and line that created
 * it), so an import does not write a second row per new record (on a first import of a million
 * rows that was a third of the store's writing). Its fields come from restoreInsertedChanges, as
 * for the empty `inserted` rows stored before (migration 5 moved their line into the record's row
 * and deleted them, so every store reads history by this one rule).
 *
 * `stored` is the record's history as stored, newest first.
 */
export function withInsertedEntry(
  stored: readonly HistoryEntry[],
  key: string,
  created: CreatedBy,
): HistoryEntry[] {
  if (created.runId === null) {
    return [...stored];
  }
  return [
    ...stored,
    {
      runId: created.runId,
      key,
      operation: 'inserted',
      changes: [],
      line: created.line,
      at: created.at,
      note: null,
    },
  ];
}

/** Status changes ride along in history as this pseudo-field (customer-state.ts statusChange). */
const STATUS_FIELD = 'status';
