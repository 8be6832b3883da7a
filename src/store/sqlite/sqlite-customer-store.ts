import { mkdirSync } from 'node:fs';
import { toRowIssue } from '../store-rows.js';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import type { StoredCustomer } from '../../domain/customer.js';
import type { RelatedEntityKind } from '../../domain/entity.js';
import { emptyCounts } from '../../domain/file-outcome.js';
import { AppError, ErrorCode, coerceError } from '../../errors.js';
import type { Clock } from '../../util/clock.js';
import type {
  BeginImportOptions,
  CustomerDetail,
  CustomerStore,
  FileState,
  FileStateEntry,
  ImportSession,
  HistoryEntry,
  ListCustomersQuery,
  NewCustomer,
  GetRunOptions,
  RunDetail,
  RunMeta,
  RunRecord,
  RunSummary,
} from '../customer-store.js';
import {
  likePattern,
  restoreInsertedChanges,
  withInsertedEntry,
} from '../record-diff.js';
import { wrapSqliteError } from './sqlite-errors.js';
import { SqliteEntities } from './sqlite-entities.js';
import { SqliteImportSession } from './sqlite-import-session.js';
import type { SessionHost } from './sqlite-import-session.js';
import { migrateSqlite } from './sqlite-migrator.js';
import type { MigrationResult } from './sqlite-migrator.js';
import { SQLITE_MIGRATIONS } from './migrations/index.js';
import {
  toFileStateEntry,
  toHistoryEntry,
  toRunRecord,
  toStoredCustomer,
} from './sqlite-rows.js';
import type { CustomerRow, FileStateRow } from './sqlite-rows.js';
import { prepareStatements } from './sqlite-statements.js';
import type { SqliteStatements } from './sqlite-statements.js';
import {
  finishRunParams,
  insertRun,
  insertRunIssues,
} from './sqlite-run-writes.js';
import type { SqliteStoreConfig } from './sqlite-store-config.js';

export interface SqliteStoreDeps {
  clock: Clock;
}

/**
 * The embedded store: one better-sqlite3 connection on a real file, in WAL mode so readers
 * (`runs list` in another process) never wait for an import.
 *
 * One connection means one transaction at a time. An import session holds it across many async
 * calls, so the store's own small writes made meanwhile (a file state saved by the watcher, a
 * duplicate run recorded) land inside the session's transaction. They must not vanish when the
 * run fails, so they are remembered and applied again after a rollback ({@link #sideWrite}).
 * Sessions themselves take turns: `beginImport` waits up to `busyTimeoutMs` for the previous
 * one, just as SQLite makes another process wait for the lock.
 */
export class SqliteCustomerStore implements CustomerStore {
  readonly kind = 'sqlite' as const;
  readonly #db: Database;
  readonly #path: string;
  readonly #busyTimeoutMs: number;
  readonly #clock: Clock;
  readonly #statements: SqliteStatements;
  readonly #entities: SqliteEntities;
  readonly #host: SessionHost;
  #session: {
    session: SqliteImportSession;
    ended: Promise<void>;
    release: () => void;
  } | null = null;
  /** The store's own writes done inside the open session's transaction, to replay after a rollback. */
  #sideWrites: (() => void)[] = [];
  #closed = false;

  private constructor(
    db: Database,
    config: SqliteStoreConfig,
    deps: SqliteStoreDeps,
  ) {
    this.#db = db;
    this.#path = config.path;
    this.#busyTimeoutMs = config.busyTimeoutMs;
    this.#clock = deps.clock;
    this.#statements = prepareStatements(db);
    this.#entities = new SqliteEntities(db);
    this.#host = {
      db,
      statements: this.#statements,
      entities: this.#entities,
      path: config.path,
      clock: deps.clock,
      rollback: () => this.#rollbackSession(),
      release: () => this.#releaseSession(),
    };
  }

  /**
   * Opens (creating the file and its folder if needed) and migrates. Throws STORE_UNAVAILABLE
   * when the file cannot be opened or stays locked, STORE_MIGRATION_FAILED when a migration fails.
   */
  static open(
    config: SqliteStoreConfig,
    deps: SqliteStoreDeps,
  ): { store: SqliteCustomerStore; migration: MigrationResult } {
    try {
      mkdirSync(dirname(config.path), { recursive: true });
    } catch (e) {
      throw new AppError(
        ErrorCode.STORE_UNAVAILABLE,
        `Cannot create the folder of the SQLite store at ${config.path}: ${coerceError(e).message}. Check the store path and its permissions.`,
        { cause: e, details: { path: config.path } },
      );
    }
    let db: Database | undefined;
    try {
      db = new BetterSqlite3(config.path, { timeout: config.busyTimeoutMs });
      // WAL: readers and the one writer do not block each other; NORMAL is durable enough with
      // WAL (a power cut may lose the last commit, never corrupt the file).
      // 16 KiB pages (SQLite's default is 4 KiB): a first import of 1 000 000 rows writes some
      // 740 MB twice (WAL, then checkpoint), and took 5–7 % less wall time so; a re-import took
      // as long as before. Only a new file takes it: an existing store keeps its page size.
      db.pragma('page_size = 16384');
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      const migration = migrateSqlite(db, SQLITE_MIGRATIONS, {
        path: config.path,
        clock: deps.clock,
      });
      return { store: new SqliteCustomerStore(db, config, deps), migration };
    } catch (e) {
      db?.close();
      throw wrapSqliteError(e, 'be opened', config.path);
    }
  }

  async findSucceededRunBySha(sha256: string): Promise<RunRecord | null> {
    return this.#read('look up a run by sha256', () => {
      const row = this.#statements.findSucceededBySha.get(sha256);
      return row === undefined ? null : toRunRecord(row);
    });
  }

  async findLastTransfer(source: string): Promise<string | null> {
    return this.#read(
      'look up the last transfer',
      () =>
        this.#statements.findLastTransfer.get(source)?.last_modified_max ??
        null,
    );
  }

  async beginImport(
    meta: RunMeta,
    options: BeginImportOptions,
  ): Promise<ImportSession> {
    await this.#waitForSessionSlot(meta);
    this.#assertOpen();
    let runId: number | null = null;
    try {
      if (!options.dryRun) {
        // Committed on its own, before the data transaction: a crash leaves a `running` trace.
        runId = insertRun(this.#statements, {
          id: null,
          meta,
          status: 'running',
          duplicateOfRunId: null,
          summary: null,
        });
      }
      this.#db.exec('BEGIN IMMEDIATE');
    } catch (e) {
      const error = wrapSqliteError(
        e,
        `begin the import of '${meta.file}'`,
        this.#path,
      );
      if (runId !== null) {
        this.#markStartFailed(runId, error);
      }
      throw error;
    }
    let release!: () => void;
    const ended = new Promise<void>((resolve) => {
      release = resolve;
    });
    const session = new SqliteImportSession(this.#host, {
      runId,
      meta,
      dryRun: options.dryRun,
      force: options.force,
      newStatus: options.newStatus ?? 'active',
      maxChanges:
        (options.collectChanges ?? true) ? (options.maxChanges ?? Infinity) : 0,
    });
    this.#session = { session, ended, release };
    this.#sideWrites = [];
    return session;
  }

  async recordDuplicateRun(
    meta: RunMeta,
    duplicateOfRunId: number,
  ): Promise<number> {
    let id: number | null = null;
    return this.#write('record a duplicate run', () => {
      id = insertRun(this.#statements, {
        id,
        meta,
        status: 'duplicate',
        duplicateOfRunId,
        summary: {
          counts: emptyCounts(),
          issues: [],
          error: null,
          finishedAt: meta.startedAt,
          durationMs: 0,
        },
      });
      return id;
    });
  }

  async recordRejectedRun(meta: RunMeta, summary: RunSummary): Promise<number> {
    let id: number | null = null;
    return this.#write('record a rejected run', () =>
      this.#db
        .transaction(() => {
          id = insertRun(this.#statements, {
            id,
            meta,
            status: 'failed',
            duplicateOfRunId: null,
            summary,
          });
          insertRunIssues(this.#statements, id, summary.issues);
          return id;
        })
        .immediate(),
    );
  }

  async abortStaleRuns(instance: string): Promise<number> {
    // The open session's own run is running for a good reason.
    const keep = this.#session?.session.runId ?? -1;
    const at = this.#isoNow();
    return this.#write(
      'abort stale runs',
      () => this.#statements.abortStaleRuns.run({ instance, at, keep }).changes,
    );
  }

  async listRuns(query: {
    limit: number;
    offset?: number;
  }): Promise<RunRecord[]> {
    return this.#read('list runs', () =>
      this.#statements.listRuns
        .all(query.limit, query.offset ?? 0)
        .map((row) => toRunRecord(row)),
    );
  }

  async getRun(
    id: number,
    options: GetRunOptions = {},
  ): Promise<RunDetail | null> {
    return this.#read(`read run ${id}`, () => {
      const row = this.#statements.selectRun.get(id);
      if (row === undefined) {
        return null;
      }
      const issues = this.#statements.selectIssues
        .all(id, options.maxIssues ?? -1)
        .map((r) => toRowIssue(r));
      const issueCount = this.#statements.countIssues.get(id) ?? 0;
      return { ...toRunRecord(row), issues, issueCount };
    });
  }

  async listCustomers(query: ListCustomersQuery): Promise<StoredCustomer[]> {
    return this.#read('list customers', () => {
      const where: string[] = [];
      const params: Record<string, string | number> = {
        limit: query.limit,
        offset: query.offset ?? 0,
      };
      if (query.status !== undefined) {
        where.push('status = @status');
        params['status'] = query.status;
      }
      if (query.search !== undefined && query.search !== '') {
        where.push("search_text LIKE @pattern ESCAPE '\\'");
        params['pattern'] = likePattern(query.search);
      }
      const sql = `SELECT * FROM customers ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
                   ORDER BY key IS NULL, key, id LIMIT @limit OFFSET @offset`;
      return this.#db
        .prepare<Record<string, string | number>, CustomerRow>(sql)
        .all(params)
        .map((row) => toStoredCustomer(row));
    });
  }

  async getCustomer(key: string): Promise<CustomerDetail | null> {
    return this.#read('read a customer', () => {
      const row = this.#statements.selectCustomer.get(key);
      if (row === undefined) {
        return null;
      }
      const customer = toStoredCustomer(row);
      const stored = this.#statements.selectHistory
        .all(key)
        .map((r) => toHistoryEntry(r));
      const history = restoreInsertedChanges(
        customer.data,
        withInsertedEntry(stored, key, {
          runId: row.created_run_id,
          at: row.created_at,
          line: row.created_line,
        }),
      );
      return { customer, history, ...this.#entities.relations(customer) };
    });
  }

  async getCustomerById(id: number): Promise<CustomerDetail | null> {
    const customer = this.#read('read a customer', () =>
      this.#entities.customerById(id),
    );
    if (customer === null) {
      return null;
    }
    if (customer.key !== null) {
      return this.getCustomer(customer.key);
    }
    // No ERP key, so no import wrote history for it yet.
    return {
      customer,
      history: [],
      contacts: [],
      addresses: [],
      salesAgent: null,
    };
  }

  async createCustomer(customer: NewCustomer): Promise<StoredCustomer> {
    let id: number | null = null;
    const at = this.#isoNow();
    // A side write inside an open session is replayed after a rollback: keep the id it got first.
    const created = this.#write('create a customer', () => {
      if (id !== null && this.#entities.customerById(id) !== null) {
        return id;
      }
      id = this.#entities.createCustomer(customer, at);
      return id;
    });
    const stored = this.#read('read a customer', () =>
      this.#entities.customerById(created),
    );
    if (stored === null) {
      throw new AppError(
        ErrorCode.INTERNAL,
        `Customer #${created} vanished right after it was created.`,
      );
    }
    return stored;
  }

  async getEntityHistory(
    entity: RelatedEntityKind,
    customerKey: string | null,
    key: string,
  ): Promise<HistoryEntry[]> {
    return this.#read('read history', () =>
      this.#entities.history(entity, customerKey, key),
    );
  }

  async countCustomers(): Promise<number> {
    return this.#read(
      'count customers',
      () => this.#statements.countCustomers.get()?.n ?? 0,
    );
  }

  async saveFileState(entry: FileStateEntry & { id: string }): Promise<void> {
    const row: FileStateRow = {
      id: entry.id,
      job: entry.job,
      path: entry.path,
      name: entry.name,
      state: entry.state,
      sha256: entry.sha256,
      size_bytes: entry.sizeBytes,
      run_id: entry.runId,
      detail: entry.detail,
      owner: entry.owner ?? null,
      updated_at: entry.updatedAt,
    };
    this.#write('save a file state', () => {
      this.#statements.upsertFileState.run(row);
    });
  }

  async touchFileStates(
    ids: readonly string[],
    owner: string,
    updatedAt: string,
  ): Promise<number> {
    if (ids.length === 0) {
      return 0;
    }
    return this.#write(
      'touch file states',
      () =>
        this.#statements.touchFileStates.run({
          ids: JSON.stringify(ids),
          owner,
          at: updatedAt,
        }).changes,
    );
  }

  async listFileStates(query: {
    job?: string;
    states?: readonly FileState[];
  }): Promise<(FileStateEntry & { id: string })[]> {
    return this.#read('list file states', () => {
      const where: string[] = [];
      const params: (string | number)[] = [];
      if (query.job !== undefined) {
        where.push('job = ?');
        params.push(query.job);
      }
      if (query.states !== undefined) {
        if (query.states.length === 0) {
          return [];
        }
        where.push(`state IN (${query.states.map(() => '?').join(', ')})`);
        params.push(...query.states);
      }
      const sql = `SELECT * FROM file_states ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
                   ORDER BY updated_at, id`;
      return this.#db
        .prepare<(string | number)[], FileStateRow>(sql)
        .all(...params)
        .map((row) => toFileStateEntry(row));
    });
  }

  async close(): Promise<void> {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    try {
      // A session left open is rolled back; its run stays `running` until abortStaleRuns.
      this.#session?.session.abandon();
    } finally {
      this.#db.close();
    }
  }

  /** Waits (up to busyTimeoutMs, like SQLite's own lock wait) for the session before to end. */
  async #waitForSessionSlot(meta: RunMeta): Promise<void> {
    const deadline = Date.now() + this.#busyTimeoutMs;
    while (this.#session !== null) {
      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0) {
        throw new AppError(
          ErrorCode.STORE_UNAVAILABLE,
          `Cannot begin the import of '${meta.file}': run ${this.#session.session.runId ?? '(dry run)'} still holds ` +
            `the SQLite store at ${this.#path} after ${this.#busyTimeoutMs} ms; it will be tried again.`,
          { details: { path: this.#path } },
        );
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.#session.ended,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, remainingMs);
        }),
      ]);
      clearTimeout(timer);
    }
  }

  #rollbackSession(): void {
    const replay = this.#sideWrites;
    this.#sideWrites = [];
    if (this.#db.inTransaction) {
      this.#db.exec('ROLLBACK');
    }
    if (replay.length > 0) {
      this.#db
        .transaction(() => replay.forEach((write) => write()))
        .immediate();
    }
  }

  #releaseSession(): void {
    const current = this.#session;
    this.#session = null;
    this.#sideWrites = [];
    current?.release();
  }

  /**
   * Runs one of the store's own writes. Inside an open session's transaction it is kept for a
   * replay after a rollback, so it has to be safe to run twice (inserts pin their id the first time).
   */
  #write<T>(what: string, write: () => T): T {
    this.#assertOpen();
    try {
      const result = write();
      if (this.#session !== null && this.#db.inTransaction) {
        this.#sideWrites.push(write);
      }
      return result;
    } catch (e) {
      throw wrapSqliteError(e, what, this.#path);
    }
  }

  #read<T>(what: string, read: () => T): T {
    this.#assertOpen();
    try {
      return read();
    } catch (e) {
      throw wrapSqliteError(e, what, this.#path);
    }
  }

  /** The run row is committed but its transaction could not start: say so instead of leaving it running. */
  #markStartFailed(runId: number, error: AppError): void {
    try {
      this.#statements.finishRun.run({
        ...finishRunParams(runId, 'failed', null, {
          counts: emptyCounts(),
          issues: [],
          error: { code: error.code, message: error.message },
          finishedAt: this.#isoNow(),
          durationMs: 0,
        }),
        durationMs: null,
      });
    } catch {
      // Still locked: the row stays `running` and abortStaleRuns settles it at the next start.
    }
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new AppError(
        ErrorCode.INTERNAL,
        `The SQLite store at ${this.#path} is closed.`,
      );
    }
  }

  #isoNow(): string {
    return new Date(this.#clock.now()).toISOString();
  }
}
