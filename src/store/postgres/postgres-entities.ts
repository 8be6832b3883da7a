import type { MatchDecision, MatchField } from '../../domain/customer-match.js';
import { toFieldChanges, type StoredChange } from '../store-rows.js';
import type {
  FieldValue,
  StagedRecord,
  StoredCustomer,
} from '../../domain/customer.js';
import {
  entityDisplayKey,
  type EntityRecord,
  type RelatedEntityKind,
  type StoredEntity,
} from '../../domain/entity.js';
import type {
  BatchResult,
  HistoryEntry,
  NewCustomer,
} from '../customer-store.js';
import {
  matchNote,
  matchValues,
  planMatches,
  type MatchCandidate,
} from '../match-plan.js';
import { newCustomerRow } from '../new-customer.js';
import {
  SEARCH_FIELDS,
  planUpsert,
  restoreInsertedChanges,
  withInsertedEntry,
  type StoredState,
} from '../record-diff.js';
import { POSTGRES_MATCH_EXPRESSIONS } from './postgres-match-sql.js';
import { toStoredCustomer, type CustomerRow } from './postgres-rows.js';
import type { Queryable } from './postgres-run-writes.js';

/**
 * Contacts, addresses and sales agents, fallback matching and customers without ERP key on
 * PostgreSQL. Kept apart from the set-based customer upsert, whose speed this must not touch:
 * nothing here runs unless a format asks for it. Entity batches are planned in JavaScript with
 * the same `planUpsert` as SQLite (entity files are small next to customer files) and written
 * with one statement per batch; content hashes are computed in JavaScript and only ever
 * compared with hashes computed the same way.
 */

interface TableSql {
  /** $1 customer keys, $2 keys: the stored rows, locked. */
  selectStates: string;
  /** Arrays per column; inserts or updates (created_* kept). */
  upsert: string;
  /** $1 row hashes, $2 customer keys, $3 keys. */
  refreshRowHash: string;
  listByCustomer: string;
  selectOne: string;
}

interface EntityStateRow {
  customer_key: string | null;
  key: string;
  data: Record<string, FieldValue>;
  content_hash: string;
  row_hash: string | null;
}

interface EntityRow extends EntityStateRow {
  source: string | null;
  created_at: Date;
  updated_at: Date;
  created_run_id: string | number | null;
  updated_run_id: string | number | null;
  created_line: number | null;
}

/** Where a write happens: the run (null in dry runs: no history), its source and time. */
export interface EntityWriteContext {
  runId: number | null;
  source: string;
  at: string;
}

interface PendingWrite {
  customerKey: string | null;
  key: string;
  dataJson: string;
  contentHash: string;
  rowHash: string;
  /** The line of the row that created the record (kept as created_line by an insert). */
  line: number;
}

export class PostgresEntities {
  readonly #s: string;
  readonly #tables: Record<RelatedEntityKind, TableSql>;

  /** `s` is the quoted schema name. */
  constructor(s: string) {
    this.#s = s;
    this.#tables = {
      contact: tableSql(s, 'contacts', true),
      address: tableSql(s, 'addresses', true),
      salesAgent: tableSql(s, 'sales_agents', false),
    };
  }

  /** See ImportSession.matchCustomers; `db` is the run's transaction. */
  async matchCustomers(
    db: Queryable,
    records: readonly StagedRecord[],
    on: readonly MatchField[],
    ctx: EntityWriteContext,
  ): Promise<MatchDecision[]> {
    const existing = await this.existingCustomerKeys(
      db,
      records.map((r) => r.key),
    );
    if (existing.size === records.length) {
      return records.map(() => ({ kind: 'none' }));
    }
    const decisions = planMatches(
      records,
      existing,
      await this.#candidates(db, records, on),
      on,
    );
    for (const [i, decision] of decisions.entries()) {
      const record = records[i];
      if (decision.kind !== 'matched' || record === undefined) {
        continue;
      }
      // Only while it has no key: a customer is paired once and never takes a second ERP key.
      await db.query(
        `UPDATE ${this.#s}.customers
           SET key = $2, search_text = ${searchText('$2::text', 'data')}, updated_at = $3::timestamptz, updated_run_id = $4::bigint
         WHERE id = $1 AND key IS NULL`,
        [decision.customerId, record.key, ctx.at, ctx.runId],
      );
      if (ctx.runId !== null) {
        await db.query(
          `INSERT INTO ${this.#s}.customer_history (run_id, key, operation, changes, line, at, note)
           VALUES ($1, $2, 'updated', '[]'::jsonb, $3, $4::timestamptz, $5)`,
          [
            ctx.runId,
            record.key,
            record.line,
            ctx.at,
            matchNote(decision.field, decision.customerId, record.key),
          ],
        );
      }
    }
    return decisions;
  }

  async existingCustomerKeys(
    db: Queryable,
    keys: readonly string[],
  ): Promise<Set<string>> {
    if (keys.length === 0) {
      return new Set();
    }
    const { rows } = await db.query<{ key: string }>(
      `SELECT key FROM ${this.#s}.customers WHERE key = ANY ($1::text[])`,
      [[...new Set(keys)]],
    );
    return new Set(rows.map((r) => r.key));
  }

  async applyEntityBatch(
    db: Queryable,
    entity: RelatedEntityKind,
    records: readonly EntityRecord[],
    ctx: EntityWriteContext,
  ): Promise<BatchResult> {
    const result: BatchResult = {
      inserted: 0,
      updated: 0,
      unchanged: 0,
      changes: [],
    };
    if (records.length === 0) {
      return result;
    }
    const sql = this.#tables[entity];
    const { rows } = await db.query<EntityStateRow>(sql.selectStates, [
      records.map((r) => r.customerKey),
      records.map((r) => r.key),
    ]);
    // What each key holds as the batch goes on: a key twice in a batch sees its first row's write.
    const states = new Map<string, StoredState>();
    for (const row of rows) {
      states.set(
        entityDisplayKey({ customerKey: row.customer_key, key: row.key }),
        {
          rowHash: row.row_hash,
          contentHash: row.content_hash,
          dataJson: JSON.stringify(row.data),
        },
      );
    }
    const writes = new Map<string, PendingWrite>();
    const refreshes = new Map<
      string,
      { customerKey: string | null; key: string; rowHash: string }
    >();
    const history: {
      customerKey: string | null;
      key: string;
      changes: string;
      line: number;
    }[] = [];
    for (const record of records) {
      const id = entityDisplayKey(record);
      const plan = planUpsert(states.get(id), record.fields);
      if (plan.action === 'unchanged') {
        if (plan.refreshRowHash) {
          refreshes.set(id, {
            customerKey: record.customerKey,
            key: record.key,
            rowHash: plan.rowHash,
          });
        }
        result.unchanged++;
        continue;
      }
      states.set(id, {
        rowHash: plan.rowHash,
        contentHash: plan.contentHash,
        dataJson: plan.dataJson,
      });
      // A key written twice in a batch keeps the line of the row that created it.
      const earlier = writes.get(id);
      writes.set(id, {
        customerKey: record.customerKey,
        key: record.key,
        ...plan,
        line: earlier?.line ?? record.line,
      });
      refreshes.delete(id);
      const operation = plan.action === 'insert' ? 'inserted' : 'updated';
      result[operation]++;
      // As for customers: an insert's history entry is derived from the row (withInsertedEntry).
      if (operation === 'updated') {
        history.push({
          customerKey: record.customerKey,
          key: record.key,
          changes: JSON.stringify(plan.changes),
          line: record.line,
        });
      }
      result.changes.push({
        key: id,
        line: record.line,
        operation,
        changes: plan.changes,
      });
    }
    if (writes.size > 0) {
      const list = [...writes.values()];
      await db.query(sql.upsert, [
        list.map((w) => w.customerKey),
        list.map((w) => w.key),
        list.map((w) => w.dataJson),
        list.map((w) => w.contentHash),
        list.map((w) => w.rowHash),
        ctx.source,
        ctx.at,
        ctx.runId,
        list.map((w) => w.line),
      ]);
    }
    if (refreshes.size > 0) {
      const list = [...refreshes.values()];
      await db.query(sql.refreshRowHash, [
        list.map((r) => r.rowHash),
        list.map((r) => r.customerKey),
        list.map((r) => r.key),
      ]);
    }
    if (ctx.runId !== null && history.length > 0) {
      await db.query(
        `INSERT INTO ${this.#s}.entity_history (run_id, entity, customer_key, key, operation, changes, line, at)
         SELECT $1::bigint, $2::text, h.customer_key, h.key, 'updated', h.changes::jsonb, h.line, $7::timestamptz
         FROM unnest($3::text[], $4::text[], $5::text[], $6::int[]) WITH ORDINALITY
           AS h (customer_key, key, changes, line, seq)
         ORDER BY h.seq`,
        [
          ctx.runId,
          entity,
          history.map((h) => h.customerKey),
          history.map((h) => h.key),
          history.map((h) => h.changes),
          history.map((h) => h.line),
          ctx.at,
        ],
      );
    }
    return result;
  }

  async lookupSalesAgents(
    db: Queryable,
    codes: readonly string[],
  ): Promise<{ storeHasAgents: boolean; known: Set<string> }> {
    const { rows } = await db.query<{ any: boolean; known: string[] | null }>(
      `SELECT EXISTS (SELECT 1 FROM ${this.#s}.sales_agents) AS any,
              (SELECT array_agg(key) FROM ${this.#s}.sales_agents WHERE key = ANY ($1::text[])) AS known`,
      [[...new Set(codes)]],
    );
    const row = rows[0];
    return {
      storeHasAgents: row?.any ?? false,
      known: new Set(row?.known ?? []),
    };
  }

  async createCustomer(
    db: Queryable,
    customer: NewCustomer,
    at: string,
  ): Promise<StoredCustomer> {
    const row = newCustomerRow(customer);
    // The content hash as the set-based upsert computes it (of jsonb's text), not the JS one.
    const { rows } = await db.query<CustomerRow>(
      `INSERT INTO ${this.#s}.customers (key, data, content_hash, row_hash, search_text, status, source, created_at, updated_at)
       SELECT NULL, d.data, encode(sha256(convert_to(d.data::text, 'UTF8')), 'hex'), NULL, ${searchText('NULL', 'd.data')},
              $2, $3, $4::timestamptz, $4::timestamptz
       FROM (SELECT $1::jsonb AS data) d
       RETURNING *`,
      [row.data, row.status, customer.source, at],
    );
    const created = rows[0];
    if (created === undefined) {
      throw new Error('INSERT … RETURNING gave no row');
    }
    return toStoredCustomer(created);
  }

  async customerById(
    db: Queryable,
    id: number,
  ): Promise<StoredCustomer | null> {
    const { rows } = await db.query<CustomerRow>(
      `SELECT * FROM ${this.#s}.customers WHERE id = $1`,
      [id],
    );
    const row = rows[0];
    return row === undefined ? null : toStoredCustomer(row);
  }

  async relations(
    db: Queryable,
    customer: StoredCustomer,
  ): Promise<{
    contacts: StoredEntity[];
    addresses: StoredEntity[];
    salesAgent: StoredEntity | null;
  }> {
    const key = customer.key;
    const list = async (entity: RelatedEntityKind): Promise<StoredEntity[]> => {
      if (key === null) {
        return [];
      }
      const { rows } = await db.query<EntityRow>(
        this.#tables[entity].listByCustomer,
        [key],
      );
      return rows.map((r) => toStoredEntity(entity, r));
    };
    const code = customer.data['salespersonCode'];
    let salesAgent: StoredEntity | null = null;
    if (typeof code === 'string' && code !== '') {
      const { rows } = await db.query<EntityRow>(
        this.#tables.salesAgent.selectOne,
        [null, code],
      );
      salesAgent =
        rows[0] === undefined ? null : toStoredEntity('salesAgent', rows[0]);
    }
    return {
      contacts: await list('contact'),
      addresses: await list('address'),
      salesAgent,
    };
  }

  async history(
    db: Queryable,
    entity: RelatedEntityKind,
    customerKey: string | null,
    key: string,
  ): Promise<HistoryEntry[]> {
    const { rows } = await db.query<{
      run_id: string | number;
      operation: string;
      changes: StoredChange[];
      line: number | null;
      at: Date;
      note: string | null;
    }>(
      `SELECT run_id, operation, changes, line, at, note FROM ${this.#s}.entity_history
       WHERE entity = $1 AND customer_key IS NOT DISTINCT FROM $2 AND key = $3 ORDER BY id DESC`,
      [entity, customerKey, key],
    );
    const displayKey = entityDisplayKey({ customerKey, key });
    const entries = rows.map((r) => ({
      runId: Number(r.run_id),
      key: displayKey,
      operation: r.operation as HistoryEntry['operation'],
      changes: toFieldChanges(r.changes),
      line: r.line,
      at: r.at.toISOString(),
      note: r.note,
    }));
    const current = await db.query<EntityRow>(this.#tables[entity].selectOne, [
      customerKey,
      key,
    ]);
    const row = current.rows[0];
    return row === undefined
      ? entries
      : restoreInsertedChanges(
          row.data,
          withInsertedEntry(entries, displayKey, {
            runId:
              row.created_run_id === null ? null : Number(row.created_run_id),
            at: row.created_at.toISOString(),
            line: row.created_line,
          }),
        );
  }

  /** Customers without ERP key that share a normalised value with the batch, locked for this run. */
  async #candidates(
    db: Queryable,
    records: readonly StagedRecord[],
    on: readonly MatchField[],
  ): Promise<MatchCandidate[]> {
    const values = matchValues(records, on);
    const byId = new Map<number, MatchCandidate>();
    for (const field of on) {
      if (values[field].length === 0) {
        continue;
      }
      const expression = POSTGRES_MATCH_EXPRESSIONS[field];
      const { rows } = await db.query<{ id: string | number; value: string }>(
        `SELECT id, ${expression} AS value FROM ${this.#s}.customers
         WHERE key IS NULL AND ${expression} = ANY ($1::text[])
         ORDER BY id FOR UPDATE`,
        [values[field]],
      );
      for (const row of rows) {
        const id = Number(row.id);
        const candidate = byId.get(id) ?? { id, values: {} };
        candidate.values[field] = row.value;
        byId.set(id, candidate);
      }
    }
    return [...byId.values()];
  }
}

/** Same text as customerSearchText() and the upsert's search text: key and search fields, lower-cased. */
function searchText(key: string, data: string): string {
  return `lower(concat_ws(E'\\n', ${key}, ${SEARCH_FIELDS.map((f) => `${data} ->> '${f}'`).join(', ')}))`;
}

function tableSql(s: string, table: string, perCustomer: boolean): TableSql {
  const t = `${s}.${table}`;
  // Contacts and addresses are found by (customer, key), sales agents by key alone: each by its primary key.
  const match = perCustomer
    ? 't.customer_key = u.customer_key AND t.key = u.key'
    : 't.key = u.key';
  const conflict = perCustomer ? '(customer_key, key)' : '(key)';
  return {
    selectStates: `SELECT t.customer_key, t.key, t.data, t.content_hash, t.row_hash
      FROM ${t} t JOIN unnest($1::text[], $2::text[]) AS u (customer_key, key) ON ${match}
      ORDER BY t.key FOR UPDATE OF t`,
    upsert: `INSERT INTO ${t} AS t
        (customer_key, key, data, content_hash, row_hash, source, created_at, updated_at, created_run_id, updated_run_id,
         created_line)
      SELECT w.customer_key, w.key, w.data::jsonb, w.content_hash, w.row_hash, $6::text, $7::timestamptz, $7::timestamptz,
             $8::bigint, $8::bigint, w.line
      FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $9::int[])
        AS w (customer_key, key, data, content_hash, row_hash, line)
      ORDER BY w.key
      ON CONFLICT ${conflict} DO UPDATE SET
        data = excluded.data, content_hash = excluded.content_hash, row_hash = excluded.row_hash,
        source = excluded.source, updated_at = excluded.updated_at, updated_run_id = excluded.updated_run_id`,
    refreshRowHash: `UPDATE ${t} t SET row_hash = u.row_hash
      FROM unnest($1::text[], $2::text[], $3::text[]) AS u (row_hash, customer_key, key)
      WHERE ${match}`,
    listByCustomer: `SELECT * FROM ${t} WHERE customer_key = $1 ORDER BY key`,
    selectOne: `SELECT * FROM ${t} WHERE customer_key IS NOT DISTINCT FROM $1 AND key = $2`,
  };
}

function toStoredEntity(
  entity: RelatedEntityKind,
  row: EntityRow,
): StoredEntity {
  return {
    entity,
    customerKey: row.customer_key,
    key: row.key,
    data: row.data,
    source: row.source,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    createdRunId:
      row.created_run_id === null ? null : Number(row.created_run_id),
    updatedRunId:
      row.updated_run_id === null ? null : Number(row.updated_run_id),
  };
}
