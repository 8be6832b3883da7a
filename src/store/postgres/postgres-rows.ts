import {
  toFieldChanges,
  toRunCounts,
  toRunError,
  type StoredChange,
} from '../store-rows.js';
import type {
  CustomerStatus,
  CustomerType,
  FieldValue,
  StoredCustomer,
} from '../../domain/customer.js';
import type { ImportMode } from '../../domain/file-outcome.js';
import type {
  FileState,
  FileStateEntry,
  HistoryEntry,
  RunRecord,
  RunStatus,
} from '../customer-store.js';

/**
 * Rows as pg returns them, and their mapping to the contract's types. pg gives bigint columns
 * as strings (they may exceed 2^53) and timestamptz as Date; ids and sizes here stay far below
 * 2^53, and times were written from ISO strings with millisecond precision, so `Number()` and
 * `toISOString()` give back exactly what was stored. The CHECK constraints guarantee the unions.
 */

type BigintColumn = string | number;

export interface RunRow {
  id: BigintColumn;
  file: string;
  sha256: string;
  size_bytes: BigintColumn;
  format: string;
  mode: string;
  job: string | null;
  source: string;
  instance: string;
  status: string;
  read: number;
  inserted: number;
  updated: number;
  unchanged: number;
  skipped: number;
  warnings: number;
  filtered: number;
  not_changed: number;
  deactivated: number;
  reactivated: number;
  last_modified_max: string | null;
  error_code: string | null;
  error_message: string | null;
  duplicate_of_run_id: BigintColumn | null;
  claim_sha256: string | null;
  started_at: Date;
  finished_at: Date | null;
  duration_ms: BigintColumn | null;
}

export interface RunIssueRow {
  line: number;
  column_name: string | null;
  value: string | null;
  code: string;
  message: string;
  severity: string;
  cell: string | null;
}

export interface CustomerRow {
  id: BigintColumn;
  /** Null for a customer created on our side that no ERP row was matched to yet. */
  key: string | null;
  data: Record<string, FieldValue>;
  status: string;
  source: string | null;
  created_at: Date;
  updated_at: Date;
  created_run_id: BigintColumn | null;
  updated_run_id: BigintColumn | null;
  /** The file line that created it (with created_run_id and created_at: its `inserted` history). */
  created_line: number | null;
  type: string | null;
  deactivated_at: Date | null;
  deactivated_run_id: BigintColumn | null;
}

export interface HistoryRow {
  run_id: BigintColumn;
  key: string;
  operation: string;
  changes: StoredChange[];
  line: number | null;
  at: Date;
  note: string | null;
}

export interface FileStateRow {
  id: string;
  job: string;
  path: string;
  name: string;
  state: string;
  sha256: string | null;
  size_bytes: BigintColumn | null;
  run_id: BigintColumn | null;
  detail: string | null;
  owner: string | null;
  updated_at: Date;
}

function num(value: BigintColumn): number {
  return Number(value);
}

function numOrNull(value: BigintColumn | null): number | null {
  return value === null ? null : Number(value);
}

function iso(value: Date): string {
  return value.toISOString();
}

export function toRunRecord(row: RunRow): RunRecord {
  return {
    id: num(row.id),
    file: row.file,
    sha256: row.sha256,
    sizeBytes: num(row.size_bytes),
    format: row.format,
    mode: row.mode as ImportMode,
    job: row.job,
    source: row.source,
    instance: row.instance,
    status: row.status as RunStatus,
    counts: toRunCounts(row),
    lastModifiedMax: row.last_modified_max,
    error: toRunError(row),
    duplicateOfRunId: numOrNull(row.duplicate_of_run_id),
    startedAt: iso(row.started_at),
    finishedAt: row.finished_at === null ? null : iso(row.finished_at),
    durationMs: numOrNull(row.duration_ms),
  };
}

export function toStoredCustomer(row: CustomerRow): StoredCustomer {
  return {
    id: num(row.id),
    key: row.key,
    data: row.data,
    status: row.status as CustomerStatus,
    source: row.source,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    createdRunId: numOrNull(row.created_run_id),
    updatedRunId: numOrNull(row.updated_run_id),
    type: row.type as CustomerType | null,
    deactivatedAt: row.deactivated_at === null ? null : iso(row.deactivated_at),
    deactivatedRunId: numOrNull(row.deactivated_run_id),
  };
}

export function toHistoryEntry(row: HistoryRow): HistoryEntry {
  return {
    runId: num(row.run_id),
    key: row.key,
    operation: row.operation as HistoryEntry['operation'],
    changes: toFieldChanges(row.changes),
    line: row.line,
    at: iso(row.at),
    note: row.note,
  };
}

export function toFileStateEntry(
  row: FileStateRow,
): FileStateEntry & { id: string } {
  return {
    id: row.id,
    job: row.job,
    path: row.path,
    name: row.name,
    state: row.state as FileState,
    sha256: row.sha256,
    sizeBytes: numOrNull(row.size_bytes),
    runId: numOrNull(row.run_id),
    detail: row.detail,
    ...(row.owner === null ? {} : { owner: row.owner }),
    updatedAt: iso(row.updated_at),
  };
}
