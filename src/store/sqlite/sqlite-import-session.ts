import type { Database } from 'better-sqlite3';
import { AppError, ErrorCode } from '../../errors.js';
import type { Clock } from '../../util/clock.js';
import type {
  CustomerStatus,
  CustomerType,
  ImportedStatus,
} from '../../domain/customer.js';
import type {
  BatchResult,
  DeactivateMissingRequest,
  DeactivateMissingResult,
  ImportSession,
  RunMeta,
  RunSummary,
  SourceRow,
  StagedRecord,
} from '../customer-store.js';
import {
  planStatus,
  planType,
  statusChange,
  typeChangeIgnoredNote,
} from '../customer-state.js';
import {
  customerSearchText,
  planUpsert,
  type PlanOptions,
} from '../record-diff.js';
import { isUniqueViolation, wrapSqliteError } from './sqlite-errors.js';
import type { SqliteStatements } from './sqlite-statements.js';
import { finishRunParams, insertRunIssues } from './sqlite-run-writes.js';
import type { EntityWriteContext, SqliteEntities } from './sqlite-entities.js';
import type { MatchDecision, MatchField } from '../../domain/customer-match.js';
import type { EntityRecord, RelatedEntityKind } from '../../domain/entity.js';

/**
 * The row hash as the customers table keeps it: NULL when it equals the content hash, which it
 * does for every row whose record had no nulls (most rows of a first import), so those rows are
 * 27 bytes shorter. A NULL row hash reads as the content hash. That is sound for every row, also
 * for a customer created on our side (row hash NULL since before this rule): an incoming record
 * whose hash equals the content hash serializes exactly as the stored data, so it changes nothing.
 */
function storedRowHash(
  rowHash: string,
  contentHash: string | undefined,
): string | null {
  return rowHash === contentHash ? null : rowHash;
}

/** A stored customer as the upsert sees it; `data` only once read or written in this batch. */
interface CustomerState {
  content_hash: string;
  row_hash: string | null;
  status: string;
  type: string | null;
  data?: string;
}

/** What a session needs from the store that opened it. */
export interface SessionHost {
  readonly db: Database;
  readonly statements: SqliteStatements;
  /** Contacts, addresses, sales agents and fallback matching (sqlite-entities.ts). */
  readonly entities: SqliteEntities;
  readonly path: string;
  readonly clock: Clock;
  /**
   * Rolls the data transaction back (if SQLite has not already done so) and re-applies the
   * store's own writes that happened inside it (see SqliteCustomerStore#sideWrite).
   */
  rollback(): void;
  /** The session is over; the next `beginImport` may start. */
  release(): void;
}

export interface SessionOptions {
  runId: number | null;
  meta: RunMeta;
  dryRun: boolean;
  force: boolean;
  /** Status of customers this run creates (unless their row asks for `blocked`). */
  newStatus: ImportedStatus;
  /** Records whose changes batch results still list (BeginImportOptions.collectChanges, maxChanges). */
  maxChanges: number;
}

/**
 * `open`: the data transaction is running. `rolled-back`: it is gone (an error), only `fail`
 * may follow, to record the run. `done`: committed or failed; nothing may follow.
 */
type SessionState = 'open' | 'rolled-back' | 'done';

/**
 * One import run's data transaction on the store's connection. The transaction is opened with
 * BEGIN IMMEDIATE by the store and spans many async `applyBatch` calls, which is why it is
 * managed by hand instead of with better-sqlite3's synchronous `db.transaction()`.
 */
export class SqliteImportSession implements ImportSession {
  readonly runId: number | null;
  readonly #host: SessionHost;
  readonly #meta: RunMeta;
  readonly #force: boolean;
  readonly #newStatus: ImportedStatus;
  /** rebuild: the keys applied so far go into temp.present_keys, for deactivateMissing. */
  readonly #trackKeys: boolean;
  #keysCleared = false;
  #state: SessionState = 'open';
  /** BeginImportOptions.collectChanges: without it, inserts skip building their field list. */
  /** Records whose changes are still to be listed; 0: build none. */
  #changesLeft: number;
  #planOptions: PlanOptions;

  constructor(host: SessionHost, options: SessionOptions) {
    this.#host = host;
    this.runId = options.runId;
    this.#meta = options.meta;
    this.#force = options.force;
    this.#newStatus = options.newStatus;
    this.#trackKeys = options.meta.mode === 'rebuild';
    this.#changesLeft = options.maxChanges;
    this.#planOptions = { insertChanges: options.maxChanges > 0 };
  }

  /** Every batch is written and reported by its own applyBatch: nothing is held back. */
  async flush(): Promise<BatchResult> {
    this.#assertState('open', 'flush');
    return { inserted: 0, updated: 0, unchanged: 0, changes: [] };
  }

  async applyBatch(records: readonly StagedRecord[]): Promise<BatchResult> {
    this.#assertState('open', 'apply a batch');
    const { db, statements: st } = this.#host;
    const result: BatchResult = {
      inserted: 0,
      updated: 0,
      unchanged: 0,
      changes: [],
    };
    try {
      // SQLite rolls a transaction back by itself on some errors (SQLITE_FULL, IOERR). Writing on
      // in autocommit mode would then commit rows one by one: a partial import.
      if (!db.inTransaction) {
        throw new AppError(
          ErrorCode.STORE_UNAVAILABLE,
          `The import transaction on the SQLite store at ${this.#host.path} was rolled back by SQLite; the run cannot go on.`,
        );
      }
      const at = this.#now();
      const runId = this.runId;
      this.#rememberKeys(records);
      const states = this.#readStates(records);
      for (const record of records) {
        const stored = states.get(record.key);
        const plan = planUpsert(
          stored && {
            // No row hash stored: it is the content hash (see storedRowHash).
            rowHash: stored.row_hash ?? stored.content_hash,
            contentHash: stored.content_hash,
            dataJson: stored.data ?? (() => this.#readData(record.key)),
          },
          record.fields,
          this.#planOptions,
          record.rowHash,
        );
        const storedStatus = stored?.status as CustomerStatus | undefined;
        const status = planStatus(storedStatus, record.status, this.#newStatus);
        const typePlan = planType(
          stored === undefined
            ? undefined
            : (stored.type as CustomerType | null),
          record.type,
        );
        if (typePlan.conflict && stored?.type && record.type) {
          (result.typeConflicts ??= []).push({
            key: record.key,
            line: record.line,
            stored: stored.type as CustomerType,
            incoming: record.type,
          });
        }
        const stateChanged =
          stored !== undefined &&
          (status !== storedStatus ||
            typePlan.type !== (stored.type as CustomerType | null));
        // A row that derives another type is reported on every import: no fast path for it.
        const conflict = typePlan.conflict;
        if (plan.action === 'unchanged' && !stateChanged) {
          // Remember this row's hash, so the next import of the same row takes the fast path.
          if (stored !== undefined && plan.refreshRowHash && !conflict) {
            stored.row_hash = storedRowHash(plan.rowHash, stored.content_hash);
            st.refreshRowHash.run(stored.row_hash, record.key);
          }
          result.unchanged++;
          continue;
        }
        const base = {
          key: record.key,
          source: this.#meta.source,
          at,
          runId,
          status,
          type: typePlan.type,
        };
        let dataChanges: BatchResult['changes'][number]['changes'] = [];
        if (plan.action === 'unchanged') {
          const rowHash = conflict
            ? null
            : storedRowHash(plan.rowHash, stored?.content_hash);
          st.updateCustomerState.run({ ...base, rowHash });
          if (stored !== undefined) {
            states.set(record.key, {
              ...stored,
              row_hash: rowHash,
              status,
              type: typePlan.type,
            });
          }
        } else {
          const searchText = customerSearchText(record.key, plan.data);
          const { dataJson: data, contentHash: hash } = plan;
          // NULL reads as the content hash, which no incoming row hash equals but an identical record's.
          const rowHash = conflict ? null : storedRowHash(plan.rowHash, hash);
          if (plan.action === 'insert') {
            st.insertCustomer.run(
              data,
              hash,
              rowHash,
              searchText,
              base.source,
              at,
              at,
              runId,
              runId,
              record.line,
              status,
              typePlan.type,
              record.key,
            );
          } else {
            st.updateCustomer.run(
              data,
              hash,
              rowHash,
              searchText,
              base.source,
              at,
              runId,
              status,
              typePlan.type,
              status,
              status,
              record.key,
            );
          }
          dataChanges = plan.changes;
          // A key that comes again later in the batch sees this write.
          states.set(record.key, {
            content_hash: hash,
            row_hash: rowHash,
            status,
            type: typePlan.type,
            data,
          });
        }
        const inserted = stored === undefined;
        const reactivated =
          storedStatus === 'deactivated' && status !== 'deactivated';
        if (inserted) {
          result.inserted++;
        } else {
          result.updated++;
        }
        if (reactivated) {
          result.reactivated = (result.reactivated ?? 0) + 1;
        }
        // Status changes follow the data changes; a new customer's status is no change.
        const changes = inserted
          ? dataChanges
          : [...dataChanges, ...statusChange(storedStatus ?? status, status)];
        const note =
          typePlan.conflict && stored?.type && record.type
            ? typeChangeIgnoredNote(stored.type as CustomerType, record.type)
            : null;
        // Dry runs have no run to point at, and their writes are rolled back anyway. An insert
        // writes no history row: its entry is derived from the customer row (created_run_id,
        // created_at, created_line; record-diff withInsertedEntry).
        if (runId !== null && !inserted) {
          st.insertHistory.run(
            runId,
            record.key,
            reactivated ? 'reactivated' : 'updated',
            JSON.stringify(changes),
            record.line,
            at,
            note,
          );
        }
        if (this.#changesLeft > 0) {
          result.changes.push({
            key: record.key,
            line: record.line,
            operation: inserted ? 'inserted' : 'updated',
            changes,
          });
          this.#changesLeft -= 1;
          if (this.#changesLeft === 0) {
            this.#planOptions = { insertChanges: false };
          }
        }
      }
    } catch (e) {
      // Half a batch is in the transaction now; nothing of this run may be committed any more.
      this.#rollbackQuietly();
      this.#state = 'rolled-back';
      throw wrapSqliteError(
        e,
        `apply a batch of run ${this.runId ?? '(dry run)'}`,
        this.#host.path,
      );
    }
    return result;
  }

  async unchangedRows(rows: readonly SourceRow[]): Promise<boolean[]> {
    return this.#inData('look up unchanged rows', () => {
      if (rows.length === 0) {
        return [];
      }
      const stored = new Map(
        this.#host.statements.selectSettleableRowHashes.all(
          JSON.stringify(rows.map((r) => r.key)),
        ),
      );
      const unchanged = rows.map((r) => stored.get(r.key) === r.rowHash);
      if (this.#trackKeys) {
        this.#clearKeysOnce();
        const present = rows.filter((_, i) => unchanged[i]).map((r) => r.key);
        if (present.length > 0) {
          this.#host.statements.addPresentKeys.run(JSON.stringify(present));
        }
      }
      return unchanged;
    });
  }

  async deactivateMissing(
    request: DeactivateMissingRequest,
  ): Promise<DeactivateMissingResult> {
    this.#assertState('open', 'deactivate missing customers');
    const { statements: st } = this.#host;
    const source = this.#meta.source;
    try {
      this.#clearKeysOnce();
      if (request.keep.length > 0) {
        st.addPresentKeys.run(JSON.stringify(request.keep));
      }
      const counts = st.countSourceActive.get(source) ?? {
        active: 0,
        missing: 0,
      };
      const { active, missing } = counts;
      if (missing === 0 || missing * 100 > active * request.maxPercent) {
        return { active, missing, deactivated: 0, refused: missing > 0 };
      }
      const at = this.#now();
      const runId = this.runId;
      // History first: it needs each customer's status before the deactivation.
      if (runId !== null) {
        for (const gone of st.selectMissing.all(source)) {
          const changes = JSON.stringify(
            statusChange(gone.status as CustomerStatus, 'deactivated'),
          );
          st.insertHistory.run(
            runId,
            gone.key,
            'deactivated',
            changes,
            null,
            at,
            request.note,
          );
        }
      }
      const deactivated = st.deactivateMissing.run({
        source,
        at,
        runId,
      }).changes;
      return { active, missing, deactivated, refused: false };
    } catch (e) {
      this.#rollbackQuietly();
      this.#state = 'rolled-back';
      throw wrapSqliteError(
        e,
        `deactivate missing customers in run ${this.runId ?? '(dry run)'}`,
        this.#host.path,
      );
    }
  }

  async matchCustomers(
    records: readonly StagedRecord[],
    on: readonly MatchField[],
  ): Promise<MatchDecision[]> {
    return this.#inData('match customers', () =>
      this.#host.entities.matchCustomers(records, on, this.#entityContext()),
    );
  }

  async existingCustomerKeys(keys: readonly string[]): Promise<Set<string>> {
    return this.#inData('look up customers', () =>
      this.#host.entities.existingCustomerKeys(keys),
    );
  }

  async applyEntityBatch(
    entity: RelatedEntityKind,
    records: readonly EntityRecord[],
  ): Promise<BatchResult> {
    const result = await this.#inData(
      `apply a batch of ${entity} records`,
      () =>
        this.#host.entities.applyEntityBatch(
          entity,
          records,
          this.#entityContext(),
        ),
    );
    // Entities build their change lists for history anyway; the results list what is asked.
    const changes = result.changes.slice(0, this.#changesLeft);
    this.#changesLeft -= changes.length;
    if (this.#changesLeft === 0) {
      this.#planOptions = { insertChanges: false };
    }
    return { ...result, changes };
  }

  async lookupSalesAgents(
    codes: readonly string[],
  ): Promise<{ storeHasAgents: boolean; known: Set<string> }> {
    return this.#inData('look up sales agents', () =>
      this.#host.entities.lookupSalesAgents(codes),
    );
  }

  /**
   * Runs a step of the data transaction, as applyBatch does: an error rolls the whole run back
   * (part of the step may be written), and only `fail` may follow.
   */
  #inData<T>(what: string, step: () => T): T {
    this.#assertState('open', what);
    try {
      if (!this.#host.db.inTransaction) {
        throw new AppError(
          ErrorCode.STORE_UNAVAILABLE,
          `The import transaction on the SQLite store at ${this.#host.path} was rolled back by SQLite; the run cannot go on.`,
        );
      }
      return step();
    } catch (e) {
      this.#rollbackQuietly();
      this.#state = 'rolled-back';
      throw wrapSqliteError(
        e,
        `${what} in run ${this.runId ?? '(dry run)'}`,
        this.#host.path,
      );
    }
  }

  #entityContext(): EntityWriteContext {
    return { runId: this.runId, source: this.#meta.source, at: this.#now() };
  }

  async commit(summary: RunSummary): Promise<void> {
    this.#assertState('open', 'commit');
    const { db, statements: st } = this.#host;
    const runId = this.runId;
    if (runId === null) {
      // A dry run computed everything a real run would; now it leaves no trace.
      this.#end(() => this.#host.rollback(), 'roll back the dry run');
      return;
    }
    const claim = this.#force ? null : this.#meta.sha256;
    try {
      st.finishRun.run(finishRunParams(runId, 'succeeded', claim, summary));
      insertRunIssues(st, runId, summary.issues);
      db.exec('COMMIT');
    } catch (e) {
      this.#rollbackQuietly();
      if (claim !== null && isUniqueViolation(e)) {
        const winner = st.findClaimWinner.get(claim);
        if (winner !== undefined) {
          this.#end(
            () => this.#recordDuplicate(runId, winner.id, summary),
            'record the duplicate run',
          );
          throw new AppError(
            ErrorCode.DUPLICATE_RUN,
            `Run ${runId} of '${this.#meta.file}' was not committed: run ${winner.id} imported the same content ` +
              '(same sha256) first. Its data was rolled back.',
            {
              cause: e,
              details: { runId, duplicateOfRunId: winner.id, sha256: claim },
            },
          );
        }
      }
      this.#state = 'rolled-back';
      throw wrapSqliteError(e, `commit run ${runId}`, this.#host.path);
    }
    this.#state = 'done';
    this.#host.release();
  }

  async fail(summary: RunSummary): Promise<void> {
    if (this.#state === 'done') {
      throw this.#finished('record a failure');
    }
    const { db, statements: st } = this.#host;
    const runId = this.runId;
    const wasOpen = this.#state === 'open';
    this.#end(
      () => {
        if (wasOpen) {
          this.#host.rollback();
        }
        if (runId !== null) {
          db.transaction(() => {
            st.finishRun.run(finishRunParams(runId, 'failed', null, summary));
            insertRunIssues(st, runId, summary.issues);
          }).immediate();
        }
      },
      `record run ${runId ?? '(dry run)'} as failed`,
    );
  }

  /** Used by the store's `close()`: the run row stays `running`, for `abortStaleRuns` to find. */
  abandon(): void {
    if (this.#state === 'done') {
      return;
    }
    const wasOpen = this.#state === 'open';
    this.#state = 'done';
    try {
      if (wasOpen) {
        this.#host.rollback();
      }
    } finally {
      this.#host.release();
    }
  }

  #recordDuplicate(runId: number, winnerId: number, summary: RunSummary): void {
    this.#host.statements.finishRun.run({
      ...finishRunParams(runId, 'duplicate', null, summary),
      // Nothing of this run was committed, so it wrote nothing.
      inserted: 0,
      updated: 0,
      unchanged: 0,
      errorCode: ErrorCode.DUPLICATE_RUN,
      errorMessage: `Run ${winnerId} imported the same content first.`,
      duplicateOfRunId: winnerId,
    });
  }

  /** Runs the last step of a session; whatever happens, the session is over afterwards. */
  #end(step: () => void, what: string): void {
    this.#state = 'done';
    try {
      step();
    } catch (e) {
      throw wrapSqliteError(e, what, this.#host.path);
    } finally {
      this.#host.release();
    }
  }

  /**
   * What the store holds for the batch's keys, in one statement. The map is updated as the batch
   * is written, so a key that comes twice sees its first row's write.
   */
  #readStates(records: readonly StagedRecord[]): Map<string, CustomerState> {
    const keys = records.map((r) => r.key);
    const states = new Map<string, CustomerState>();
    for (const [
      key,
      contentHash,
      rowHash,
      status,
      type,
    ] of this.#host.statements.selectCustomerStates.all(JSON.stringify(keys))) {
      states.set(key, {
        content_hash: contentHash,
        row_hash: rowHash,
        status,
        type,
      });
    }
    return states;
  }

  #readData(key: string): string {
    const data = this.#host.statements.selectCustomerData.get(key);
    if (data === undefined) {
      throw new AppError(
        ErrorCode.INTERNAL,
        `Customer '${key}' vanished from the SQLite store at ${this.#host.path} inside the run's transaction.`,
      );
    }
    return data;
  }

  /** rebuild: notes the batch's keys as present in the file (rolled back with the run). */
  #rememberKeys(records: readonly StagedRecord[]): void {
    if (!this.#trackKeys) {
      return;
    }
    this.#clearKeysOnce();
    for (const record of records) {
      this.#host.statements.addPresentKey.run(record.key);
    }
  }

  /** The TEMP table outlives sessions on the connection; each rebuild starts it empty. */
  #clearKeysOnce(): void {
    if (!this.#keysCleared) {
      this.#host.statements.clearPresentKeys.run();
      this.#keysCleared = true;
    }
  }

  #rollbackQuietly(): void {
    try {
      this.#host.rollback();
    } catch {
      // The first error is the one worth reporting; SQLite drops the transaction on close anyway.
    }
  }

  #assertState(expected: SessionState, action: string): void {
    if (this.#state === expected) {
      return;
    }
    if (this.#state === 'done') {
      throw this.#finished(action);
    }
    throw new AppError(
      ErrorCode.INTERNAL,
      `Cannot ${action}: the data transaction of run ${this.runId ?? '(dry run)'} was rolled back after an error; call fail().`,
    );
  }

  #finished(action: string): AppError {
    return new AppError(
      ErrorCode.INTERNAL,
      `Cannot ${action}: the import session of run ${this.runId ?? '(dry run)'} is already finished.`,
    );
  }

  #now(): string {
    return new Date(this.#host.clock.now()).toISOString();
  }
}
