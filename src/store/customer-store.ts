import type {
  CustomerStatus,
  CustomerType,
  FieldValue,
  ImportedStatus,
  StagedRecord,
  StoredCustomer,
} from '../domain/customer.js';
import type {
  ImportCounts,
  ImportMode,
  RecordChange,
} from '../domain/file-outcome.js';
import type { MatchDecision, MatchField } from '../domain/customer-match.js';
import type {
  EntityRecord,
  RelatedEntityKind,
  StoredEntity,
} from '../domain/entity.js';
import type { RowIssue, RowIssues } from '../domain/row-issue.js';
import { ErrorCode, isAppError } from '../errors.js';
import type { AppError } from '../errors.js';

/**
 * The store contract. SQLite and PostgreSQL implement it (store/sqlite, store/postgres); only
 * `create-store.ts` knows which. Everything else, the pipeline included, sees just this.
 *
 * A run's data and its run record commit in one transaction (exactly once): `beginImport`
 * records the run as `running` (committed at once, so a crash leaves a trace that start-up
 * turns into `aborted`), opens the data transaction, and `commit` flips the run to `succeeded`
 * in that same transaction.
 */

export const RUN_STATUSES = [
  'running',
  'succeeded',
  'failed',
  'duplicate',
  'aborted',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface RunMeta {
  /** File name as dropped (not the processing/ path). */
  file: string;
  sha256: string;
  sizeBytes: number;
  format: string;
  mode: ImportMode;
  /** Watch job name, or null for a CLI import. */
  job: string | null;
  /** Which feed customers come from (job name, or the format id for CLI imports). */
  source: string;
  /** Instance (host) that ran it. */
  instance: string;
  startedAt: string;
}

export type { StagedRecord } from '../domain/customer.js';

/** A file row as `ImportSession.unchangedRows` looks it up. */
export interface SourceRow {
  key: string;
  rowHash: string;
}

export interface BatchResult {
  inserted: number;
  updated: number;
  unchanged: number;
  /** The changed records, with field-level changes (always filled; the pipeline decides what to keep). */
  changes: RecordChange[];
  /** Deactivated customers that came back with this batch (also counted in `updated`). */
  reactivated?: number;
  /** Rows whose derived type differs from the stored one (the stored type was kept). */
  typeConflicts?: TypeConflict[];
}

/** A row that would have changed the customer type set at the first import. */
export interface TypeConflict {
  key: string;
  line: number;
  stored: CustomerType;
  incoming: CustomerType;
}

/** What `ImportSession.deactivateMissing` is asked to do (rebuild mode). */
export interface DeactivateMissingRequest {
  /** Keys that are in the file but were not applied (rows skipped as invalid): they stay as they are. */
  keep: readonly string[];
  /**
   * The guard: the largest share (0–100 %) of the source's not-deactivated customers that may be
   * deactivated. Above it nothing is deactivated and `refused` is true.
   */
  maxPercent: number;
  /** History note of each deactivation, e.g. "not in file of run 12 (rebuild)". */
  note: string;
}

export interface DeactivateMissingResult {
  /** Not-deactivated customers of the run's source (after this run's rows were applied). */
  active: number;
  /** How many of them are not in the file. */
  missing: number;
  /** How many were deactivated: `missing`, or 0 when refused. */
  deactivated: number;
  refused: boolean;
}

export interface RunError {
  code: string;
  message: string;
}

export interface RunSummary {
  counts: ImportCounts;
  /**
   * The newest last-modified value of the file's rows (an ISO instant as stored), kept with the
   * run so the next `changed-since` run of the source can start there. Absent or null: none.
   */
  lastModifiedMax?: string | null;
  /** Every row issue of the run; iterate them (there may be more than memory holds). */
  issues: RowIssues;
  error: RunError | null;
  finishedAt: string;
  durationMs: number;
}

export interface ImportSession {
  /** Null for dry runs: they record nothing. */
  readonly runId: number | null;
  /**
   * Upserts a batch inside the run's transaction. Unchanged records are not rewritten. A new
   * customer gets the record's `status` if it asks for `blocked`, else the session's
   * `newStatus`; an existing one takes the record's `status` when given, and a deactivated one
   * that comes back is reactivated (history `reactivated`). The `type` of the first import is kept.
   * In `rebuild` mode the session remembers every key it was given, for `deactivateMissing`.
   */
  applyBatch(records: readonly StagedRecord[]): Promise<BatchResult>;
  /**
   * For each file row (its key and row hash, see StagedRecord.rowHash), whether the store holds
   * that customer exactly as an earlier import of the very same row left it: stored under that
   * row hash and not deactivated since. Such a row would change nothing, so the pipeline need
   * not validate it. Reads inside the run's transaction (SQLite) or the last committed state
   * (PostgreSQL), so it is only sound for a key no earlier row of the file had. In `rebuild`
   * mode the keys found count as applied, for `deactivateMissing`.
   */
  unchangedRows(rows: readonly SourceRow[]): Promise<boolean[]>;
  /**
   * rebuild: deactivates (never deletes) every customer of the run's source that is not
   * deactivated and was neither applied in this session nor listed in `keep`, with history
   * entries; unless that would be more than `maxPercent` of them (then nothing happens).
   */
  deactivateMissing(
    request: DeactivateMissingRequest,
  ): Promise<DeactivateMissingResult>;
  /**
   * Writes the records `applyBatch` held back (bulk mode, see BeginImportOptions.deferResults)
   * and returns the results not returned yet: all zero when there are none (always, without bulk mode).
   */
  flush(): Promise<BatchResult>;
  /**
   * Marks the run succeeded and commits it together with its data. Throws
   * AppError('DUPLICATE_RUN') via `isDuplicateRunError` when another run committed the same
   * content first (the database-side claim); the data is then rolled back.
   */
  commit(summary: RunSummary): Promise<void>;
  /** Rolls the data back and records the run as failed (dry runs: just rolls back). */
  fail(summary: RunSummary): Promise<void>;
  /**
   * Fallback matching, before `applyBatch`: for each record whose key the store does not have,
   * looks for customers without ERP key whose normalised field equals the record's, trying the
   * fields in order (the first field that finds any candidate decides). Exactly one candidate:
   * the record's key is given to that customer (history `updated` with a note), so `applyBatch`
   * then updates it. More than one: `ambiguous`, nothing changes. Records are decided in order;
   * a customer paired once is no candidate for later records. One decision per record.
   */
  matchCustomers(
    records: readonly StagedRecord[],
    on: readonly MatchField[],
  ): Promise<MatchDecision[]>;
  /** Which of these customer keys the store has, including customers written earlier in this run. */
  existingCustomerKeys(keys: readonly string[]): Promise<Set<string>>;
  /** Upserts contacts, addresses or sales agents, as `applyBatch` does customers (history included). */
  applyEntityBatch(
    entity: RelatedEntityKind,
    records: readonly EntityRecord[],
  ): Promise<BatchResult>;
  /**
   * Which of these salesperson codes have a sales agent; `storeHasAgents` is false when the store
   * has no sales agent at all (no sales agent export is imported, so codes cannot be checked).
   */
  lookupSalesAgents(
    codes: readonly string[],
  ): Promise<{ storeHasAgents: boolean; known: Set<string> }>;
}

export interface RunRecord {
  /** See RunSummary.lastModifiedMax. */
  lastModifiedMax?: string | null;
  id: number;
  file: string;
  sha256: string;
  sizeBytes: number;
  format: string;
  mode: ImportMode;
  job: string | null;
  source: string;
  instance: string;
  status: RunStatus;
  counts: ImportCounts;
  error: RunError | null;
  duplicateOfRunId: number | null;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
}

export interface RunDetail extends RunRecord {
  /** The run's row issues by line (up to GetRunOptions.maxIssues). */
  issues: RowIssue[];
  /** How many row issues the run has in all. */
  issueCount: number;
}

export interface GetRunOptions {
  /** At most this many issues (the first by line); default all. A run may have millions. */
  maxIssues?: number;
}

export interface HistoryEntry {
  runId: number;
  key: string;
  operation: 'inserted' | 'updated' | 'deactivated' | 'reactivated' | 'failed';
  changes: {
    field: string;
    old: FieldValue | undefined;
    new: FieldValue | undefined;
  }[];
  line: number | null;
  at: string;
  note: string | null;
}

export interface CustomerDetail {
  customer: StoredCustomer;
  history: HistoryEntry[];
  /** The customer's contacts and addresses (by key), and the sales agent its salespersonCode names. */
  contacts?: StoredEntity[];
  addresses?: StoredEntity[];
  salesAgent?: StoredEntity | null;
}

/** A customer created on our side (e.g. by a webstore): it gets an id, but no ERP key yet. */
export interface NewCustomer {
  data: Record<string, FieldValue>;
  /** Who created it, e.g. `webstore`. */
  source: string;
  /** Default active. */
  status?: CustomerStatus;
}

export interface ListCustomersQuery {
  search?: string;
  limit: number;
  offset?: number;
  status?: CustomerStatus;
}

export interface BeginImportOptions {
  dryRun: boolean;
  /** Re-import content that an earlier run already committed (CLI --force). */
  force: boolean;
  /** Status of customers this run creates (unless their row asks for `blocked`). Default active. */
  newStatus?: ImportedStatus;
  /**
   * Whether batch results list the field-level `changes` of each record. Default true. The
   * pipeline keeps them for dry runs only; without them a back-end skips building (PostgreSQL:
   * sending) a change list per written record. History is written either way.
   */
  collectChanges?: boolean;
  /**
   * With `collectChanges`: the changes of at most this many records in all, the first ones
   * written (a dry run lists its first 1 000); later records count as usual but bring none, and
   * the back-end stops building them (PostgreSQL: computing and sending a change list per record,
   * which took a 1 000 000-row dry run from 25 s and 200 MB to 65 s and 400 MB). Default: all.
   */
  maxChanges?: number;
  /**
   * Bulk mode: `applyBatch` may hold records back and write them later in one large set-based
   * step (PostgreSQL: COPY tens of thousands of rows, then one upsert), returning their results
   * from a later `applyBatch` or from `flush()`. Every other session call writes held-back
   * records first, so it sees them. The caller must add up the results of `flush()` too, before
   * `commit`. Default false: each `applyBatch` returns the results of its own records.
   */
  deferResults?: boolean;
}

/** Where a dropped file is in its life; kept in the store so it survives restarts. */
export const FILE_STATES = [
  'waiting',
  'not-ready',
  'claimed',
  'imported',
  'archived',
  'failed',
  'duplicate',
] as const;
export type FileState = (typeof FILE_STATES)[number];

export interface FileStateEntry {
  /** Watch job name. */
  job: string;
  /** Path of the file now (the drop path while waiting, the processing/ path once claimed, …). */
  path: string;
  /** File name as dropped. */
  name: string;
  state: FileState;
  sha256: string | null;
  sizeBytes: number | null;
  runId: number | null;
  /** Short reason (e.g. "locked: EBUSY", "moved to archive/x"); no customer data. */
  detail: string | null;
  /**
   * While the file is `claimed` or `not-ready`: the instance that holds the claim and keeps
   * `updatedAt` fresh with {@link CustomerStore.touchFileStates} (the heartbeat another instance
   * checks before taking a claim over). Absent when nobody has touched it.
   */
  owner?: string;
  updatedAt: string;
}

export interface CustomerStore {
  readonly kind: 'sqlite' | 'postgres';
  /** The committed run that imported this content, if any (the exactly-once check). */
  findSucceededRunBySha(sha256: string): Promise<RunRecord | null>;
  /**
   * changed-since `last-transfer`: the newest last-modified value recorded by the latest
   * succeeded run of this source that recorded one; null when there is none.
   */
  findLastTransfer(source: string): Promise<string | null>;
  beginImport(
    meta: RunMeta,
    options: BeginImportOptions,
  ): Promise<ImportSession>;
  /** Records that a dropped file duplicated an earlier run's content; returns the new run id. */
  recordDuplicateRun(meta: RunMeta, duplicateOfRunId: number): Promise<number>;
  /** Records a run that was rejected before its data transaction began (e.g. unreadable file). */
  recordRejectedRun(meta: RunMeta, summary: RunSummary): Promise<number>;
  /** Marks runs left `running` by a crashed process as `aborted`; returns how many. */
  abortStaleRuns(instance: string): Promise<number>;
  listRuns(query: { limit: number; offset?: number }): Promise<RunRecord[]>;
  getRun(id: number, options?: GetRunOptions): Promise<RunDetail | null>;
  listCustomers(query: ListCustomersQuery): Promise<StoredCustomer[]>;
  getCustomer(key: string): Promise<CustomerDetail | null>;
  countCustomers(): Promise<number>;
  /** Creates or replaces the state of a file, keyed by (job, name of the drop, claim id). */
  saveFileState(entry: FileStateEntry & { id: string }): Promise<void>;
  listFileStates(query: {
    job?: string;
    states?: readonly FileState[];
  }): Promise<(FileStateEntry & { id: string })[]>;
  /**
   * The claim heartbeat: sets `owner` and `updatedAt` of the given file states, but only of those
   * still `claimed` or `not-ready` (a state written meanwhile, e.g. `archived`, is never undone).
   * Returns how many were touched.
   */
  touchFileStates(
    ids: readonly string[],
    owner: string,
    updatedAt: string,
  ): Promise<number>;
  /** Creates a customer without ERP key (id from the numbering sequence); imports may match it later. */
  createCustomer(customer: NewCustomer): Promise<StoredCustomer>;
  /** A customer by its surrogate id (the only handle of a customer without ERP key). */
  getCustomerById(id: number): Promise<CustomerDetail | null>;
  /** History of one contact, address or sales agent, newest first; `customerKey` null for sales agents. */
  getEntityHistory(
    entity: RelatedEntityKind,
    customerKey: string | null,
    key: string,
  ): Promise<HistoryEntry[]>;
  close(): Promise<void>;
}

/**
 * True for the AppError('DUPLICATE_RUN') that `ImportSession.commit` throws when another run
 * committed the same content first; `details.duplicateOfRunId` names that run.
 */
export function isDuplicateRunError(e: unknown): e is AppError {
  return isAppError(e) && e.code === ErrorCode.DUPLICATE_RUN;
}
