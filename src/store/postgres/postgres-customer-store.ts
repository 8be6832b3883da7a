import pg from 'pg';
import { toRowIssue } from '../store-rows.js';
import type { StoredCustomer } from '../../domain/customer.js';
import type { RelatedEntityKind } from '../../domain/entity.js';
import { emptyCounts } from '../../domain/file-outcome.js';
import { AppError, ErrorCode, coerceError } from '../../errors.js';
import { redactUrl } from '../../logging/redact.js';
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
import { wrapPostgresError } from './postgres-errors.js';
import { PostgresEntities } from './postgres-entities.js';
import { PostgresImportSession } from './postgres-import-session.js';
import type { SessionHost } from './postgres-import-session.js';
import { migratePostgres, quoteIdent } from './postgres-migrator.js';
import type { MigrationResult } from './postgres-migrator.js';
import { POSTGRES_MIGRATIONS } from './migrations/index.js';
import {
  toFileStateEntry,
  toHistoryEntry,
  toRunRecord,
  toStoredCustomer,
} from './postgres-rows.js';
import type {
  CustomerRow,
  FileStateRow,
  HistoryRow,
  RunIssueRow,
  RunRow,
} from './postgres-rows.js';
import { insertRun, insertRunIssues } from './postgres-run-writes.js';
import type { Queryable } from './postgres-run-writes.js';
import { postgresStatements } from './postgres-statements.js';
import type { PostgresStatements } from './postgres-statements.js';
import type { PostgresStoreConfig } from './postgres-store-config.js';

export interface PostgresStoreDeps {
  clock: Clock;
}

/** How long to wait for a pooled connection (also: for the server to answer a connect). */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * The shared store: PostgreSQL, for teams whose other systems read the customers and for several
 * instances on one exchange folder. Every table lives in the configured schema.
 *
 * Unlike SQLite there is no single connection to share: each import session takes its own pooled
 * connection for its transaction, and everything else (run records, file states, reads) runs on
 * the pool in autocommit. So writes made while a session is open never end up in its transaction,
 * and a failing run cannot take them along. Several sessions may run at once, in this process or
 * in other instances; the row locks of the upsert and the claim index keep them apart.
 */
export class PostgresCustomerStore implements CustomerStore {
  readonly kind = 'postgres' as const;
  readonly #pool: pg.Pool;
  readonly #sql: PostgresStatements;
  readonly #entities: PostgresEntities;
  readonly #location: string;
  readonly #clock: Clock;
  readonly #lockNamespace: number;
  readonly #host: SessionHost;
  readonly #sessions = new Set<PostgresImportSession>();
  #closed = false;

  private constructor(
    pool: pg.Pool,
    config: PostgresStoreConfig,
    location: string,
    deps: PostgresStoreDeps,
  ) {
    this.#pool = pool;
    this.#sql = postgresStatements(quoteIdent(config.schema));
    this.#entities = new PostgresEntities(quoteIdent(config.schema));
    this.#location = location;
    this.#clock = deps.clock;
    this.#lockNamespace = lockNamespace(config.schema);
    this.#host = {
      pool,
      sql: this.#sql,
      entities: this.#entities,
      location,
      clock: deps.clock,
      lockNamespace: this.#lockNamespace,
      ended: (session) => this.#sessions.delete(session),
    };
  }

  /**
   * Connects and migrates. Throws STORE_UNAVAILABLE when the server cannot be reached,
   * STORE_MIGRATION_FAILED when a migration fails. Messages never contain the password.
   */
  static async open(
    config: PostgresStoreConfig,
    deps: PostgresStoreDeps,
  ): Promise<{ store: PostgresCustomerStore; migration: MigrationResult }> {
    const location = `${redactUrl(config.url)} (schema ${config.schema})`;
    const pool = new pg.Pool({
      connectionString: config.url,
      max: config.poolSize,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      application_name: 'customer-import',
    });
    // An idle pooled connection that dies (server restart) is dropped by the pool; without a
    // listener the 'error' event would crash the process.
    pool.on('error', () => undefined);
    try {
      const migration = await migratePostgres(pool, POSTGRES_MIGRATIONS, {
        schema: config.schema,
        location,
        clock: deps.clock,
      });
      return {
        store: new PostgresCustomerStore(pool, config, location, deps),
        migration,
      };
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw wrapPostgresError(e, 'be opened', location);
    }
  }

  async findSucceededRunBySha(sha256: string): Promise<RunRecord | null> {
    const { rows } = await this.#query<RunRow>(
      'look up a run by sha256',
      this.#sql.findSucceededBySha,
      [sha256],
    );
    return rows[0] === undefined ? null : toRunRecord(rows[0]);
  }

  async findLastTransfer(source: string): Promise<string | null> {
    const { rows } = await this.#query<{ last_modified_max: string }>(
      'look up the last transfer',
      this.#sql.findLastTransfer,
      [source],
    );
    return rows[0]?.last_modified_max ?? null;
  }

  async beginImport(
    meta: RunMeta,
    options: BeginImportOptions,
  ): Promise<ImportSession> {
    this.#assertOpen();
    const session = await PostgresImportSession.begin(this.#host, {
      meta,
      dryRun: options.dryRun,
      force: options.force,
      newStatus: options.newStatus ?? 'active',
      deferResults: options.deferResults ?? false,
      maxChanges:
        (options.collectChanges ?? true) ? (options.maxChanges ?? Infinity) : 0,
    });
    this.#sessions.add(session);
    return session;
  }

  async recordDuplicateRun(
    meta: RunMeta,
    duplicateOfRunId: number,
  ): Promise<number> {
    this.#assertOpen();
    try {
      return await insertRun(this.#pool, this.#sql, {
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
    } catch (e) {
      throw wrapPostgresError(e, 'record a duplicate run', this.#location);
    }
  }

  async recordRejectedRun(meta: RunMeta, summary: RunSummary): Promise<number> {
    return this.#transaction('record a rejected run', async (db) => {
      const id = await insertRun(db, this.#sql, {
        meta,
        status: 'failed',
        duplicateOfRunId: null,
        summary,
      });
      await insertRunIssues(db, this.#sql, id, summary.issues);
      return id;
    });
  }

  async abortStaleRuns(instance: string): Promise<number> {
    // Our own open sessions are running for a good reason (their locks say so too).
    const keep = [...this.#sessions]
      .map((s) => s.runId)
      .filter((id): id is number => id !== null);
    const result = await this.#query(
      'abort stale runs',
      this.#sql.abortStaleRuns,
      [instance, this.#isoNow(), keep, this.#lockNamespace],
    );
    return result.rowCount ?? 0;
  }

  async listRuns(query: {
    limit: number;
    offset?: number;
  }): Promise<RunRecord[]> {
    const { rows } = await this.#query<RunRow>(
      'list runs',
      this.#sql.listRuns,
      [query.limit, query.offset ?? 0],
    );
    return rows.map((row) => toRunRecord(row));
  }

  async getRun(
    id: number,
    options: GetRunOptions = {},
  ): Promise<RunDetail | null> {
    const { rows } = await this.#query<RunRow>(
      `read run ${id}`,
      this.#sql.selectRun,
      [id],
    );
    if (rows[0] === undefined) {
      return null;
    }
    const issues = await this.#query<RunIssueRow>(
      `read the issues of run ${id}`,
      this.#sql.selectIssues,
      [id, options.maxIssues ?? null],
    );
    const count = await this.#query<{ count: number }>(
      `count the issues of run ${id}`,
      this.#sql.countIssues,
      [id],
    );
    return {
      ...toRunRecord(rows[0]),
      issues: issues.rows.map((r) => toRowIssue(r)),
      issueCount: count.rows[0]?.count ?? 0,
    };
  }

  async listCustomers(query: ListCustomersQuery): Promise<StoredCustomer[]> {
    const where: string[] = [];
    const params: (string | number)[] = [query.limit, query.offset ?? 0];
    if (query.status !== undefined) {
      params.push(query.status);
      where.push(`status = $${params.length}`);
    }
    if (query.search !== undefined && query.search !== '') {
      params.push(likePattern(query.search));
      where.push(`search_text LIKE $${params.length} ESCAPE '\\'`);
    }
    const sql = `SELECT * FROM ${this.#sql.customersTable} ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
                 ORDER BY key IS NULL, key, id LIMIT $1 OFFSET $2`;
    const { rows } = await this.#query<CustomerRow>(
      'list customers',
      sql,
      params,
    );
    return rows.map((row) => toStoredCustomer(row));
  }

  async getCustomer(key: string): Promise<CustomerDetail | null> {
    const { rows } = await this.#query<CustomerRow>(
      'read a customer',
      this.#sql.selectCustomer,
      [key],
    );
    if (rows[0] === undefined) {
      return null;
    }
    const history = await this.#query<HistoryRow>(
      'read customer history',
      this.#sql.selectHistory,
      [key],
    );
    const customer = toStoredCustomer(rows[0]);
    const relations = await this.#onPool('read contacts and addresses', (db) =>
      this.#entities.relations(db, customer),
    );
    const entries = restoreInsertedChanges(
      customer.data,
      withInsertedEntry(
        history.rows.map((r) => toHistoryEntry(r)),
        key,
        {
          runId: customer.createdRunId,
          at: customer.createdAt,
          line: rows[0].created_line,
        },
      ),
    );
    return { customer, history: entries, ...relations };
  }

  async getCustomerById(id: number): Promise<CustomerDetail | null> {
    const customer = await this.#onPool('read a customer', (db) =>
      this.#entities.customerById(db, id),
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
    const at = new Date(this.#clock.now()).toISOString();
    return this.#onPool('create a customer', (db) =>
      this.#entities.createCustomer(db, customer, at),
    );
  }

  async getEntityHistory(
    entity: RelatedEntityKind,
    customerKey: string | null,
    key: string,
  ): Promise<HistoryEntry[]> {
    return this.#onPool('read history', (db) =>
      this.#entities.history(db, entity, customerKey, key),
    );
  }

  /** Reads or writes in autocommit on the pool, with errors wrapped as everywhere in the store. */
  async #onPool<T>(
    what: string,
    work: (db: Queryable) => Promise<T>,
  ): Promise<T> {
    this.#assertOpen();
    try {
      return await work(this.#pool);
    } catch (e) {
      throw wrapPostgresError(e, what, this.#location);
    }
  }

  async countCustomers(): Promise<number> {
    const { rows } = await this.#query<{ n: number }>(
      'count customers',
      this.#sql.countCustomers,
      [],
    );
    return rows[0]?.n ?? 0;
  }

  async saveFileState(entry: FileStateEntry & { id: string }): Promise<void> {
    await this.#query('save a file state', this.#sql.upsertFileState, [
      entry.id,
      entry.job,
      entry.path,
      entry.name,
      entry.state,
      entry.sha256,
      entry.sizeBytes,
      entry.runId,
      entry.detail,
      entry.owner ?? null,
      entry.updatedAt,
    ]);
  }

  async touchFileStates(
    ids: readonly string[],
    owner: string,
    updatedAt: string,
  ): Promise<number> {
    if (ids.length === 0) {
      return 0;
    }
    const result = await this.#query(
      'touch file states',
      this.#sql.touchFileStates,
      [[...ids], owner, updatedAt],
    );
    return result.rowCount ?? 0;
  }

  async listFileStates(query: {
    job?: string;
    states?: readonly FileState[];
  }): Promise<(FileStateEntry & { id: string })[]> {
    const where: string[] = [];
    const params: (string | string[])[] = [];
    if (query.job !== undefined) {
      params.push(query.job);
      where.push(`job = $${params.length}`);
    }
    if (query.states !== undefined) {
      if (query.states.length === 0) {
        return [];
      }
      params.push([...query.states]);
      where.push(`state = ANY ($${params.length}::text[])`);
    }
    const sql = `SELECT * FROM ${this.#sql.fileStatesTable} ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
                 ORDER BY updated_at, id`;
    const { rows } = await this.#query<FileStateRow>(
      'list file states',
      sql,
      params,
    );
    return rows.map((row) => toFileStateEntry(row));
  }

  async close(): Promise<void> {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    try {
      // A session left open is rolled back; its run stays `running` until abortStaleRuns.
      for (const session of [...this.#sessions]) {
        await session.abandon();
      }
    } finally {
      await this.#pool.end();
    }
  }

  async #query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    what: string,
    sql: string,
    params: readonly unknown[],
  ): Promise<pg.QueryResult<R>> {
    this.#assertOpen();
    try {
      return await this.#pool.query<R>(sql, [...params]);
    } catch (e) {
      throw wrapPostgresError(e, what, this.#location);
    }
  }

  async #transaction<T>(
    what: string,
    work: (db: Queryable) => Promise<T>,
  ): Promise<T> {
    this.#assertOpen();
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (e) {
      throw wrapPostgresError(e, what, this.#location);
    }
    const ignore = (): void => undefined;
    client.on('error', ignore);
    let failed: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (e) {
      failed = coerceError(e);
      await client.query('ROLLBACK').catch(() => undefined);
      throw wrapPostgresError(e, what, this.#location);
    } finally {
      client.off('error', ignore);
      client.release(failed);
    }
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new AppError(
        ErrorCode.INTERNAL,
        `The PostgreSQL store at ${this.#location} is closed.`,
      );
    }
  }

  #isoNow(): string {
    return new Date(this.#clock.now()).toISOString();
  }
}

/**
 * The first key of the runs' advisory locks: a positive 31-bit hash of the schema, so stores of
 * different schemas in one database (test suites, staging next to production) never read each
 * other's locks as their own. FNV-1a; collisions only make abortStaleRuns skip a run for a while.
 */
export function lockNamespace(schema: string): number {
  let hash = 0x811c9dc5;
  for (const char of `customer-import:runs:${schema}`) {
    hash ^= char.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash & 0x7fffffff;
}
