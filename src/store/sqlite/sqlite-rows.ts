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
 * Rows as SQLite returns them, and their mapping to the contract's types. The CHECK constraints
 * of the schema guarantee the string unions, so the casts here only restate what the table enforces.
 */

export interface RunRow {
  id: number;
  file: string;
  sha256: string;
  size_bytes: number;
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
  duplicate_of_run_id: number | null;
  claim_sha256: string | null;
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
}

export interface RunIssueRow {
  run_id: number;
  seq: number;
  line: number;
  column_name: string | null;
  value: string | null;
  code: string;
  message: string;
  severity: string;
  cell: string | null;
}

export interface CustomerRow {
  id: number;
  /** Null for a customer created on our side that no ERP row was matched to yet. */
  key: string | null;
  data: string;
  content_hash: string;
  row_hash: string | null;
  search_text: string;
  status: string;
  source: string | null;
  created_at: string;
  updated_at: string;
  created_run_id: number | null;
  updated_run_id: number | null;
  /** The file line that created it (with created_run_id and created_at: its `inserted` history). */
  created_line: number | null;
  type: string | null;
  deactivated_at: string | null;
  deactivated_run_id: number | null;
}

/**
 * The columns an upsert needs to decide, read for a whole batch at once (as a tuple: key,
 * content_hash, row_hash, status, type). The data is read only for a row whose hash differs.
 */
export type CustomerStateRow = [
  key: string,
  contentHash: string,
  rowHash: string | null,
  status: string,
  type: string | null,
];

export interface HistoryRow {
  id: number;
  run_id: number;
  key: string;
  operation: string;
  changes: string;
  line: number | null;
  at: string;
  note: string | null;
}

export interface FileStateRow {
  id: string;
  job: string;
  path: string;
  name: string;
  state: string;
  sha256: string | null;
  size_bytes: number | null;
  run_id: number | null;
  detail: string | null;
  owner: string | null;
  updated_at: string;
}

export function toRunRecord(row: RunRow): RunRecord {
  return {
    id: row.id,
    file: row.file,
    sha256: row.sha256,
    sizeBytes: row.size_bytes,
    format: row.format,
    mode: row.mode as ImportMode,
    job: row.job,
    source: row.source,
    instance: row.instance,
    status: row.status as RunStatus,
    counts: toRunCounts(row),
    lastModifiedMax: row.last_modified_max,
    error: toRunError(row),
    duplicateOfRunId: row.duplicate_of_run_id,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    durationMs: row.duration_ms,
  };
}

export function toStoredCustomer(row: CustomerRow): StoredCustomer {
  return {
    id: row.id,
    key: row.key,
    data: JSON.parse(row.data) as Record<string, FieldValue>,
    status: row.status as CustomerStatus,
    source: row.source,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    createdRunId: row.created_run_id,
    updatedRunId: row.updated_run_id,
    type: row.type as CustomerType | null,
    deactivatedAt: row.deactivated_at,
    deactivatedRunId: row.deactivated_run_id,
  };
}

export function toHistoryEntry(row: HistoryRow): HistoryEntry {
  const changes = JSON.parse(row.changes) as StoredChange[];
  return {
    runId: row.run_id,
    key: row.key,
    operation: row.operation as HistoryEntry['operation'],
    changes: toFieldChanges(changes),
    line: row.line,
    at: row.at,
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
    sizeBytes: row.size_bytes,
    runId: row.run_id,
    detail: row.detail,
    ...(row.owner === null ? {} : { owner: row.owner }),
    updatedAt: row.updated_at,
  };
}
