import type pg from 'pg';
import { emptyCounts } from '../../domain/file-outcome.js';
import { AppError, ErrorCode, coerceError } from '../../errors.js';
import type { Clock } from '../../util/clock.js';
import type { CustomerType, ImportedStatus } from '../../domain/customer.js';
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
import { isUniqueViolation, wrapPostgresError } from './postgres-errors.js';
import { toFieldChanges, type StoredChange } from '../store-rows.js';
import {
  finishRunParams,
  insertRun,
  insertRunIssues,
} from './postgres-run-writes.js';
import { copyIntoStaging, StagingChunk } from './postgres-staging.js';
import { StepQueue } from './postgres-step-queue.js';
import type { PostgresStatements } from './postgres-statements.js';
import type {
  EntityWriteContext,
  PostgresEntities,
} from './postgres-entities.js';
import type { MatchDecision, MatchField } from '../../domain/customer-match.js';
import type { EntityRecord, RelatedEntityKind } from '../../domain/entity.js';

/** What a session needs from the store that opened it. */
export interface SessionHost {
  readonly pool: pg.Pool;
  readonly sql: PostgresStatements;
  /** Contacts, addresses, sales agents and fallback matching (postgres-entities.ts). */
  readonly entities: PostgresEntities;
  /** Redacted URL and schema, for messages. */
  readonly location: string;
  readonly clock: Clock;
  /** First key of the runs' advisory locks (per schema); the run id is the second. */
  readonly lockNamespace: number;
  /** The session is over; the store forgets it. */
  ended(session: PostgresImportSession): void;
}

export interface SessionOptions {
  meta: RunMeta;
  dryRun: boolean;
  force: boolean;
  /** Status of customers this run creates (unless their row asks for `blocked`). */
  newStatus: ImportedStatus;
  /** See BeginImportOptions.deferResults. */
  deferResults: boolean;
  /** Records whose changes batch results still list (BeginImportOptions.collectChanges, maxChanges). */
  maxChanges: number;
}

/**
 * Bulk mode writes the staged rows once this many are together: large enough that the
 * per-statement cost (planning, the CTE chain, a round trip) is spread thin, small enough that
 * the staging table and one statement's work stay modest. Measured on 200 000 rows: 1 000-row
 * chunks 26 s for a first import, 10 000–200 000 rows 8–9 s; re-imports were best at 10 000–20 000
 * (5–7 s; 200 000: 7.7 s). ANALYZE of the staging table made both slower (13 s, 10 s).
 */
const BULK_CHUNK_ROWS = 20_000;

/**
 * Bulk mode: batches are COPY'd together once they hold this many rows (or the chunk is full),
 * so small batches (the pipeline's default is a few hundred rows) do not cost a COPY each. A
 * COPY takes several turns of the event loop, which the pipeline's thread gives once a batch:
 * a first import of 1 000 000 rows took 32.6–35.7 s with 1 000 rows a COPY, 30.3–30.6 s with
 * 2 500 and 25.5–27.5 s with 5 000 (back to back). The staged text waits as UTF-8 bytes, about
 * 2.5 MB per COPY.
 */
const COPY_ROWS = 5000;

/**
 * Bulk mode: how many server steps (a COPY of about COPY_ROWS rows, a chunk's upsert) may wait
 * while the caller prepares the next batch. Each waiting COPY holds its text (see COPY_ROWS), so
 * this bounds the memory the overlap costs; while a chunk's upsert runs, the caller can still
 * prepare this many COPYs. (24 instead of 4 gained nothing measurable and cost about 28 MB.)
 */
const MAX_QUEUED_STEPS = 4;
/** The changes an upsert round returns at most (a bound for Infinity, as an int parameter). */
const MAX_CHANGES_A_ROUND = 2 ** 31 - 1;

/** The partial unique index on runs that is the database-side exactly-once claim. */
const CLAIM_INDEX = 'runs_claim_sha256_key';

/**
 * `open`: the data transaction is running. `rolled-back`: it is gone (an error, a lost
 * connection), only `fail` may follow, to record the run. `done`: nothing may follow.
 */
type SessionState = 'open' | 'rolled-back' | 'done';

interface UpsertRoundRow {
  total: number;
  inserted: number;
  updated: number;
  reactivated: number;
  conflicts: {
    key: string;
    line: number;
    stored: CustomerType;
    incoming: CustomerType;
  }[];
  changes: {
    seq: number;
    key: string;
    line: number;
    operation: 'inserted' | 'updated';
    changes: StoredChange[];
  }[];
}

/**
 * One import run on its own pooled connection: the run row is inserted and committed on its own
 * first (a crash leaves a `running` trace), then BEGIN opens the data transaction that every
 * `applyBatch` writes into and `commit` ends, together with the run record.
 *
 * Inside the transaction the session holds a transaction-level advisory lock on its run id.
 * PostgreSQL releases it when the transaction ends or the connection dies, so `abortStaleRuns`
 * (of this or any other instance) can tell a run that is still going from one whose process is gone.
 *
 * A connection that drops mid-run takes the transaction with it (PostgreSQL rolls it back). The
 * session notices through the client's `error` event or the failing query; later calls throw
 * STORE_UNAVAILABLE, and `fail` records the run on another pooled connection if it can.
 */
export class PostgresImportSession implements ImportSession {
  readonly runId: number | null;
  readonly #host: SessionHost;
  readonly #meta: RunMeta;
  readonly #force: boolean;
  readonly #newStatus: ImportedStatus;
  /** rebuild: every staged key also goes into the present-keys TEMP table, for deactivateMissing. */
  readonly #trackKeys: boolean;
  #presentCreated = false;
  #client: pg.PoolClient | null;
  /** The connection failed (terminated backend, network): it must be destroyed, not reused. */
  #lost: Error | null = null;
  #stagingCreated = false;
  /** The rows staged but not applied yet (bulk mode holds several batches). */
  readonly #chunk = new StagingChunk();
  /** Bulk mode: the COPYs and upserts not done yet, in order (see postgres-step-queue.ts). */
  readonly #steps = new StepQueue();
  /** Bulk mode: COPY text of staged batches not handed to #steps yet, and its rows. */
  #copyText: Buffer[] = [];
  #copyRows = 0;
  /** Results of applied chunks, not returned yet. */
  #ready: BatchResult = { inserted: 0, updated: 0, unchanged: 0, changes: [] };
  /** BeginImportOptions.deferResults. */
  readonly #deferResults: boolean;
  /** Records whose changes are still to be listed; 0: the upserts build none. */
  #changesLeft: number;
  #state: SessionState = 'open';
  readonly #onClientError = (e: Error): void => {
    this.#lost ??= e;
  };

  private constructor(
    host: SessionHost,
    client: pg.PoolClient,
    runId: number | null,
    options: SessionOptions,
  ) {
    this.#host = host;
    this.#client = client;
    this.runId = runId;
    this.#meta = options.meta;
    this.#force = options.force;
    this.#newStatus = options.newStatus;
    this.#trackKeys = options.meta.mode === 'rebuild';
    this.#deferResults = options.deferResults;
    this.#changesLeft = options.maxChanges;
    client.on('error', this.#onClientError);
  }

  /** Inserts the `running` run (unless dry), then opens the data transaction. */
  static async begin(
    host: SessionHost,
    options: SessionOptions,
  ): Promise<PostgresImportSession> {
    const what = `begin the import of '${options.meta.file}'`;
    let client: pg.PoolClient;
    try {
      client = await host.pool.connect();
    } catch (e) {
      throw wrapPostgresError(e, what, host.location);
    }
    // Until the session exists, a dropped connection must not crash the process either.
    const early = (): void => undefined;
    client.on('error', early);
    let runId: number | null = null;
    try {
      if (!options.dryRun) {
        runId = await insertRun(client, host.sql, {
          meta: options.meta,
          status: 'running',
          duplicateOfRunId: null,
          summary: null,
        });
      }
      await client.query('BEGIN');
      await client.query(host.sql.importSettings);
      if (runId !== null) {
        await client.query(host.sql.lockRun, [host.lockNamespace, runId]);
      }
    } catch (e) {
      const error = wrapPostgresError(e, what, host.location);
      client.off('error', early);
      client.release(coerceError(e));
      if (runId !== null) {
        await markStartFailed(host, runId, error);
      }
      throw error;
    }
    client.off('error', early);
    return new PostgresImportSession(host, client, runId, options);
  }

  async applyBatch(records: readonly StagedRecord[]): Promise<BatchResult> {
    const client = this.#openClient('apply a batch');
    try {
      if (!this.#deferResults) {
        // Every batch is its own chunk, written before this call returns.
        if (records.length > 0) {
          await this.#copy(client, [
            Buffer.from(this.#chunk.stage(records), 'utf8'),
          ]);
        }
        await this.#applyChunk(client);
      } else {
        this.#steps.throwIfFailed();
        if (records.length > 0) {
          // As UTF-8 at once: the bytes wait for their COPY, not the (often two-byte) string.
          this.#copyText.push(Buffer.from(this.#chunk.stage(records), 'utf8'));
          this.#copyRows += records.length;
        }
        const chunkFull = this.#chunk.rows >= BULK_CHUNK_ROWS;
        if (chunkFull || this.#copyRows >= COPY_ROWS) {
          this.#enqueueCopy(client);
        }
        if (chunkFull) {
          const staged = this.#chunk.take();
          void this.#steps.enqueue(() => this.#applyStaged(client, staged));
        }
        // The steps advance only when the event loop reads the connection, which it does not
        // while the caller hands in batch after batch without waiting for I/O (the parse
        // thread's batches are there already): let it, once a batch.
        await yieldToEventLoop();
        // The server writes while the caller prepares the next batches, a few of them at most.
        await this.#steps.waitUntilAtMost(MAX_QUEUED_STEPS);
      }
    } catch (e) {
      // Half a batch may be in the transaction now; nothing of this run may be committed any more.
      await this.#rollbackQuietly();
      this.#state = 'rolled-back';
      throw this.#wrap(e, `apply a batch of run ${this.runId ?? '(dry run)'}`);
    }
    return this.#takeResults();
  }

  async flush(): Promise<BatchResult> {
    await this.#inData('write the held-back records', async () => undefined);
    return this.#takeResults();
  }

  /** COPYs staged text into the staging table, made once per transaction (ON COMMIT DROP). */
  async #copy(client: pg.PoolClient, text: readonly Buffer[]): Promise<void> {
    if (!this.#stagingCreated) {
      await client.query(this.#host.sql.createStaging);
      this.#stagingCreated = true;
    }
    await copyIntoStaging(client, this.#host.sql, text);
  }

  /** Bulk mode: hands the staged text not yet copied to #steps, as one COPY. */
  #enqueueCopy(client: pg.PoolClient): void {
    if (this.#copyRows === 0) {
      return;
    }
    const text = this.#copyText;
    this.#copyText = [];
    this.#copyRows = 0;
    void this.#steps.enqueue(() => this.#copy(client, text));
  }

  /**
   * Writes everything held back, now: the steps still queued (bulk mode), then the rest of the
   * chunk. Throws the failure of any of them.
   */
  async #applyChunk(client: pg.PoolClient): Promise<void> {
    this.#enqueueCopy(client);
    await this.#steps.settle();
    await this.#applyStaged(client, this.#chunk.take());
  }

  /**
   * Applies a staged chunk: one set-based upsert per round (see postgres-staging.ts), with the
   * counts, changes and history computed by the database; then empties the staging table. The
   * results wait in #ready for the next applyBatch or flush.
   */
  async #applyStaged(
    client: pg.PoolClient,
    chunk: { rows: number; rounds: number },
  ): Promise<void> {
    if (chunk.rows === 0) {
      return;
    }
    const { sql } = this.#host;
    if (this.#trackKeys) {
      await this.#ensurePresent(client);
      await client.query(sql.addStagedPresent);
    }
    const at = this.#now();
    // Added to #ready at the end: a caller may take the results meanwhile (bulk mode).
    const result: BatchResult = {
      inserted: 0,
      updated: 0,
      unchanged: 0,
      changes: [],
    };
    const changes: UpsertRoundRow['changes'] = [];
    for (let round = 0; round < chunk.rounds; round++) {
      const { rows } = await client.query<UpsertRoundRow>(sql.upsertRound, [
        round,
        this.#meta.source,
        at,
        this.runId,
        this.#newStatus,
        // Rounds run one after another: each asks for what the ones before left.
        Math.min(this.#changesLeft, MAX_CHANGES_A_ROUND),
      ]);
      const row = rows[0];
      if (row === undefined) {
        throw new AppError(
          ErrorCode.INTERNAL,
          'The upsert statement returned no row.',
        );
      }
      result.inserted += row.inserted;
      result.updated += row.updated;
      result.unchanged += row.total - row.inserted - row.updated;
      // Absent when none, as on SQLite (the parity suite compares batch results).
      if (row.reactivated > 0) {
        result.reactivated = (result.reactivated ?? 0) + row.reactivated;
      }
      if (row.conflicts.length > 0) {
        (result.typeConflicts ??= []).push(...row.conflicts);
      }
      changes.push(...row.changes);
      this.#changesLeft -= row.changes.length;
    }
    // Rounds were applied one after another; callers expect the changes in the records' order.
    changes.sort((a, b) => a.seq - b.seq);
    for (const c of changes) {
      result.changes.push({
        key: c.key,
        line: c.line,
        operation: c.operation,
        changes: toFieldChanges(c.changes),
      });
    }
    await client.query(sql.truncateStaging);
    addResults(this.#ready, result);
  }

  /** The results applied but not yet returned; the next call starts from nothing. */
  #takeResults(): BatchResult {
    const result = this.#ready;
    this.#ready = { inserted: 0, updated: 0, unchanged: 0, changes: [] };
    return result;
  }

  async deactivateMissing(
    request: DeactivateMissingRequest,
  ): Promise<DeactivateMissingResult> {
    const client = this.#openClient('deactivate missing customers');
    const { sql } = this.#host;
    const source = this.#meta.source;
    try {
      await this.#applyChunk(client);
      await this.#ensurePresent(client);
      if (request.keep.length > 0) {
        await client.query(sql.addPresentKeys, [[...request.keep]]);
      }
      const counted = await client.query<{ active: number; missing: number }>(
        sql.countSourceActive,
        [source],
      );
      const active = counted.rows[0]?.active ?? 0;
      const missing = counted.rows[0]?.missing ?? 0;
      if (missing === 0 || missing * 100 > active * request.maxPercent) {
        return { active, missing, deactivated: 0, refused: missing > 0 };
      }
      const done = await client.query<{ n: number }>(sql.deactivateMissing, [
        source,
        this.#now(),
        this.runId,
        request.note,
      ]);
      return {
        active,
        missing,
        deactivated: done.rows[0]?.n ?? 0,
        refused: false,
      };
    } catch (e) {
      await this.#rollbackQuietly();
      this.#state = 'rolled-back';
      throw this.#wrap(
        e,
        `deactivate missing customers in run ${this.runId ?? '(dry run)'}`,
      );
    }
  }

  async unchangedRows(rows: readonly SourceRow[]): Promise<boolean[]> {
    const client = this.#openClient('look up unchanged rows');
    try {
      this.#steps.throwIfFailed();
      const unchanged = rows.map(() => true);
      if (rows.length === 0) {
        return unchanged;
      }
      const { sql, pool } = this.#host;
      const params = [rows.map((r) => r.key), rows.map((r) => r.rowHash)];
      // A read of committed rows needs no place in the transaction's queue of COPYs and upserts:
      // another connection answers at once (unless the pool has only this one).
      const reader = (pool.options.max ?? 10) > 1 ? pool : client;
      const result = await reader.query<{ i: number }>(
        sql.selectUnsettledRows,
        params,
      );
      for (const { i } of result.rows) {
        unchanged[i - 1] = false;
      }
      if (this.#trackKeys) {
        const present = rows.filter((_, i) => unchanged[i]).map((r) => r.key);
        if (present.length > 0) {
          const add = async (): Promise<void> => {
            await this.#ensurePresent(client);
            await client.query(sql.addPresentKeys, [present]);
          };
          if (this.#deferResults) {
            void this.#steps.enqueue(add);
          } else {
            await add();
          }
        }
      }
      return unchanged;
    } catch (e) {
      await this.#rollbackQuietly();
      this.#state = 'rolled-back';
      throw this.#wrap(
        e,
        `look up unchanged rows in run ${this.runId ?? '(dry run)'}`,
      );
    }
  }

  /** The present-keys TEMP table of a rebuild, made once per transaction (ON COMMIT DROP). */
  async #ensurePresent(client: pg.PoolClient): Promise<void> {
    if (!this.#presentCreated) {
      await client.query(this.#host.sql.createPresent);
      this.#presentCreated = true;
    }
  }

  async matchCustomers(
    records: readonly StagedRecord[],
    on: readonly MatchField[],
  ): Promise<MatchDecision[]> {
    return this.#inData('match customers', (client) =>
      this.#host.entities.matchCustomers(
        client,
        records,
        on,
        this.#entityContext(),
      ),
    );
  }

  async existingCustomerKeys(keys: readonly string[]): Promise<Set<string>> {
    return this.#inData('look up customers', (client) =>
      this.#host.entities.existingCustomerKeys(client, keys),
    );
  }

  async applyEntityBatch(
    entity: RelatedEntityKind,
    records: readonly EntityRecord[],
  ): Promise<BatchResult> {
    const result = await this.#inData(
      `apply a batch of ${entity} records`,
      (client) =>
        this.#host.entities.applyEntityBatch(
          client,
          entity,
          records,
          this.#entityContext(),
        ),
    );
    // Entities build their change lists for history anyway; the results list what is asked.
    const changes = result.changes.slice(0, this.#changesLeft);
    this.#changesLeft -= changes.length;
    return { ...result, changes };
  }

  async lookupSalesAgents(
    codes: readonly string[],
  ): Promise<{ storeHasAgents: boolean; known: Set<string> }> {
    return this.#inData('look up sales agents', (client) =>
      this.#host.entities.lookupSalesAgents(client, codes),
    );
  }

  /**
   * Runs a step inside the run's transaction, as applyBatch does: an error rolls the whole run
   * back (part of the step may be written), and only `fail` may follow.
   */
  async #inData<T>(
    what: string,
    step: (client: pg.PoolClient) => Promise<T>,
  ): Promise<T> {
    const client = this.#openClient(what);
    try {
      // Held-back records first: the step must see them (bulk mode).
      await this.#applyChunk(client);
      return await step(client);
    } catch (e) {
      await this.#rollbackQuietly();
      this.#state = 'rolled-back';
      throw this.#wrap(e, `${what} in run ${this.runId ?? '(dry run)'}`);
    }
  }

  #entityContext(): EntityWriteContext {
    return { runId: this.runId, source: this.#meta.source, at: this.#now() };
  }

  async commit(summary: RunSummary): Promise<void> {
    const client = this.#openClient('commit');
    const runId = this.runId;
    if (runId === null) {
      // A dry run computed everything a real run would; now it leaves no trace.
      await this.#end(async () => {
        await client.query('ROLLBACK');
      }, 'roll back the dry run');
      return;
    }
    const claim = this.#force ? null : this.#meta.sha256;
    const { sql } = this.#host;
    try {
      // Normally flushed by the caller already; the data must be complete whatever happens.
      await this.#applyChunk(client);
      await client.query(
        sql.finishRun,
        finishRunParams(runId, 'succeeded', claim, summary),
      );
      await insertRunIssues(client, sql, runId, summary.issues);
      await client.query('COMMIT');
    } catch (e) {
      await this.#rollbackQuietly();
      if (claim !== null && isUniqueViolation(e, CLAIM_INDEX)) {
        await this.#end(
          () => this.#recordDuplicate(runId, claim, summary, e),
          'record the duplicate run',
        );
      }
      this.#state = 'rolled-back';
      throw this.#wrap(e, `commit run ${runId}`);
    }
    this.#release();
  }

  async fail(summary: RunSummary): Promise<void> {
    if (this.#state === 'done') {
      throw this.#finished('record a failure');
    }
    const runId = this.runId;
    if (this.#state === 'open') {
      await this.#rollbackQuietly();
    }
    await this.#end(
      async () => {
        if (runId === null) {
          return;
        }
        // On the pool, not on the session's connection: that one may be the reason for the failure.
        // Only a run still `running` is touched: a COMMIT whose answer was lost may have succeeded.
        await this.#inTransaction(async (db) => {
          const updated = await db.query(
            this.#host.sql.failRun,
            finishRunParams(runId, 'failed', null, summary),
          );
          if (updated.rowCount === 1) {
            await insertRunIssues(db, this.#host.sql, runId, summary.issues);
          }
        });
      },
      `record run ${runId ?? '(dry run)'} as failed`,
    );
  }

  /** Used by the store's `close()`: the run row stays `running`, for `abortStaleRuns` to find. */
  async abandon(): Promise<void> {
    if (this.#state === 'done') {
      return;
    }
    const wasOpen = this.#state === 'open';
    this.#state = 'done';
    if (wasOpen) {
      await this.#rollbackQuietly();
    }
    this.#release();
  }

  /** The winner of the claim is known only after the unique violation; record this run as its duplicate. */
  async #recordDuplicate(
    runId: number,
    claim: string,
    summary: RunSummary,
    cause: unknown,
  ): Promise<never> {
    const { pool, sql } = this.#host;
    const winner = await pool.query<{ id: string }>(sql.findClaimWinner, [
      claim,
    ]);
    const winnerId =
      winner.rows[0] === undefined ? null : Number(winner.rows[0].id);
    if (winnerId === null) {
      // The winner vanished again (a forced re-run cannot remove a claim): report the original error.
      throw cause;
    }
    await pool.query(
      sql.finishRun,
      finishRunParams(runId, 'duplicate', null, summary, {
        // Nothing of this run was committed, so it wrote nothing.
        nothingWritten: true,
        duplicateOfRunId: winnerId,
        errorCode: ErrorCode.DUPLICATE_RUN,
        errorMessage: `Run ${winnerId} imported the same content first.`,
      }),
    );
    throw new AppError(
      ErrorCode.DUPLICATE_RUN,
      `Run ${runId} of '${this.#meta.file}' was not committed: run ${winnerId} imported the same content ` +
        '(same sha256) first. Its data was rolled back.',
      { cause, details: { runId, duplicateOfRunId: winnerId, sha256: claim } },
    );
  }

  async #inTransaction(
    work: (db: pg.PoolClient) => Promise<void>,
  ): Promise<void> {
    const client = await this.#host.pool.connect();
    const ignore = (): void => undefined;
    client.on('error', ignore);
    let failed: Error | undefined;
    try {
      await client.query('BEGIN');
      await work(client);
      await client.query('COMMIT');
    } catch (e) {
      failed = coerceError(e);
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.off('error', ignore);
      client.release(failed);
    }
  }

  /** Runs the last step of a session; whatever happens, the session is over afterwards. */
  async #end(step: () => Promise<void>, what: string): Promise<void> {
    this.#state = 'done';
    try {
      await step();
    } catch (e) {
      throw this.#wrap(e, what);
    } finally {
      this.#release();
    }
  }

  /** The client, if the transaction is still usable; otherwise the right error. */
  #openClient(action: string): pg.PoolClient {
    if (this.#state === 'done') {
      throw this.#finished(action);
    }
    if (this.#state === 'open' && this.#lost !== null) {
      // PostgreSQL rolled the transaction back when the connection went.
      this.#state = 'rolled-back';
      throw this.#wrap(
        this.#lost,
        `${action} for run ${this.runId ?? '(dry run)'}: the connection was lost`,
      );
    }
    if (this.#state === 'rolled-back' || this.#client === null) {
      throw new AppError(
        ErrorCode.INTERNAL,
        `Cannot ${action}: the data transaction of run ${this.runId ?? '(dry run)'} was rolled back after an error; call fail().`,
      );
    }
    return this.#client;
  }

  async #rollbackQuietly(): Promise<void> {
    // No queued step may reach the connection after the ROLLBACK (it would run in autocommit).
    await this.#steps.stop();
    if (this.#client === null || this.#lost !== null) {
      return;
    }
    try {
      await this.#client.query('ROLLBACK');
    } catch (e) {
      // The first error is the one worth reporting; a connection that cannot roll back is dropped.
      this.#lost ??= coerceError(e);
    }
  }

  /** Gives the connection back (or destroys it when it failed) and tells the store. */
  #release(): void {
    this.#state = 'done';
    const client = this.#client;
    this.#client = null;
    if (client !== null) {
      client.off('error', this.#onClientError);
      // A lost connection is destroyed; pg-pool needs some listener for its last words.
      if (this.#lost !== null) {
        client.on('error', () => undefined);
      }
      client.release(this.#lost ?? undefined);
    }
    this.#host.ended(this);
  }

  #wrap(e: unknown, what: string): AppError {
    return wrapPostgresError(e, what, this.#host.location);
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

/** Adds the results of a chunk to those not returned yet. */
function addResults(into: BatchResult, from: BatchResult): void {
  into.inserted += from.inserted;
  into.updated += from.updated;
  into.unchanged += from.unchanged;
  into.changes.push(...from.changes);
  if (from.reactivated !== undefined) {
    into.reactivated = (into.reactivated ?? 0) + from.reactivated;
  }
  if (from.typeConflicts !== undefined) {
    (into.typeConflicts ??= []).push(...from.typeConflicts);
  }
}

/** The run row is committed but its transaction could not start: say so instead of leaving it running. */
async function markStartFailed(
  host: SessionHost,
  runId: number,
  error: AppError,
): Promise<void> {
  const now = new Date(host.clock.now()).toISOString();
  try {
    await host.pool.query(
      host.sql.failRun,
      finishRunParams(runId, 'failed', null, {
        counts: emptyCounts(),
        issues: [],
        error: { code: error.code, message: error.message },
        finishedAt: now,
        durationMs: 0,
      }),
    );
  } catch {
    // Still unreachable: the row stays `running` and abortStaleRuns settles it at the next start.
  }
}

/** Resolves after the event loop has run its pending I/O callbacks once. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
