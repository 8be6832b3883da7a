import type { Database, Statement } from 'better-sqlite3';
import type { MatchDecision, MatchField } from '../../domain/customer-match.js';
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
  customerSearchText,
  planUpsert,
  restoreInsertedChanges,
  withInsertedEntry,
  type CustomerData,
} from '../record-diff.js';
import { SQLITE_MATCH_EXPRESSIONS } from './sqlite-match-sql.js';
import {
  toHistoryEntry,
  toStoredCustomer,
  type CustomerRow,
  type HistoryRow,
} from './sqlite-rows.js';

/**
 * Contacts, addresses and sales agents, fallback matching and customers without ERP key on
 * SQLite. Kept apart from the customer upsert (sqlite-import-session.ts), whose fast path this
 * must not slow down: nothing here runs unless a format asks for it. Statements are prepared
 * once per store; callers own the transaction.
 */

interface EntityStateRow {
  data: string;
  content_hash: string;
  row_hash: string | null;
}

interface EntityRow extends EntityStateRow {
  customer_key: string | null;
  key: string;
  source: string | null;
  created_at: string;
  updated_at: string;
  created_run_id: number | null;
  updated_run_id: number | null;
  created_line: number | null;
}

interface EntityWriteParams {
  customerKey: string | null;
  key: string;
  data: string;
  contentHash: string;
  rowHash: string;
  source: string;
  at: string;
  runId: number | null;
  line: number;
}

interface EntityStatements {
  selectState: Statement<[string | null, string], EntityStateRow>;
  insert: Statement<[EntityWriteParams]>;
  update: Statement<[EntityWriteParams]>;
  refreshRowHash: Statement<[string, string | null, string]>;
  listByCustomer: Statement<[string], EntityRow>;
  selectOne: Statement<[string | null, string], EntityRow>;
}

/** Where a write happens: the run (null in dry runs: no history), its source and time. */
export interface EntityWriteContext {
  runId: number | null;
  source: string;
  at: string;
}

export class SqliteEntities {
  readonly #db: Database;
  readonly #tables: Record<RelatedEntityKind, EntityStatements>;
  readonly #insertHistory: Statement<
    [
      number,
      string,
      string | null,
      string,
      string,
      string,
      number | null,
      string,
    ]
  >;
  readonly #selectHistory: Statement<
    [string, string | null, string],
    HistoryRow & { customer_key: string | null }
  >;
  readonly #customerHistory: Statement<
    [number, string, string, string, number | null, string, string]
  >;
  readonly #countAgents: Statement<[], { n: number }>;
  readonly #insertCustomer: Statement<
    [
      {
        data: string;
        contentHash: string;
        searchText: string;
        status: string;
        source: string;
        at: string;
      },
    ]
  >;
  readonly #selectCustomerById: Statement<[number], CustomerRow>;
  readonly #assignKey: Statement<
    [
      {
        id: number;
        key: string;
        searchText: string;
        at: string;
        runId: number | null;
      },
    ]
  >;

  constructor(db: Database) {
    this.#db = db;
    const prepare = (table: string): EntityStatements => ({
      selectState: db.prepare(
        `SELECT data, content_hash, row_hash FROM ${table} WHERE customer_key IS ? AND key = ?`,
      ),
      insert: db.prepare(
        `INSERT INTO ${table}
           (customer_key, key, data, content_hash, row_hash, source, created_at, updated_at, created_run_id, updated_run_id,
            created_line)
         VALUES (@customerKey, @key, @data, @contentHash, @rowHash, @source, @at, @at, @runId, @runId, @line)`,
      ),
      update: db.prepare(
        `UPDATE ${table}
           SET data = @data, content_hash = @contentHash, row_hash = @rowHash, source = @source,
               updated_at = @at, updated_run_id = @runId
         WHERE customer_key IS @customerKey AND key = @key`,
      ),
      refreshRowHash: db.prepare(
        `UPDATE ${table} SET row_hash = ? WHERE customer_key IS ? AND key = ?`,
      ),
      listByCustomer: db.prepare(
        `SELECT * FROM ${table} WHERE customer_key = ? ORDER BY key`,
      ),
      selectOne: db.prepare(
        `SELECT * FROM ${table} WHERE customer_key IS ? AND key = ?`,
      ),
    });
    this.#tables = {
      contact: prepare('contacts'),
      address: prepare('addresses'),
      salesAgent: prepare('sales_agents'),
    };
    this.#insertHistory = db.prepare(
      `INSERT INTO entity_history (run_id, entity, customer_key, key, operation, changes, line, at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#selectHistory = db.prepare(
      'SELECT * FROM entity_history WHERE entity = ? AND customer_key IS ? AND key = ? ORDER BY id DESC',
    );
    this.#customerHistory = db.prepare(
      'INSERT INTO customer_history (run_id, key, operation, changes, line, at, note) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.#countAgents = db.prepare(
      'SELECT count(*) AS n FROM (SELECT 1 FROM sales_agents LIMIT 1)',
    );
    this.#insertCustomer = db.prepare(
      `INSERT INTO customers (key, data, content_hash, row_hash, search_text, status, source, created_at, updated_at)
       VALUES (NULL, @data, @contentHash, NULL, @searchText, @status, @source, @at, @at)`,
    );
    this.#selectCustomerById = db.prepare(
      'SELECT * FROM customers WHERE id = ?',
    );
    // Only while it has no key: a customer is paired once, and never takes a second ERP key.
    this.#assignKey = db.prepare(
      `UPDATE customers SET key = @key, search_text = @searchText, updated_at = @at, updated_run_id = @runId
       WHERE id = @id AND key IS NULL`,
    );
  }

  /** See ImportSession.matchCustomers. */
  matchCustomers(
    records: readonly StagedRecord[],
    on: readonly MatchField[],
    ctx: EntityWriteContext,
  ): MatchDecision[] {
    const existing = this.existingCustomerKeys(records.map((r) => r.key));
    if (existing.size === records.length) {
      return records.map(() => ({ kind: 'none' }));
    }
    const decisions = planMatches(
      records,
      existing,
      this.#candidates(records, on),
      on,
    );
    decisions.forEach((decision, i) => {
      const record = records[i];
      if (decision.kind !== 'matched' || record === undefined) {
        return;
      }
      const row = this.#selectCustomerById.get(decision.customerId);
      const data =
        row === undefined
          ? {}
          : (JSON.parse(row.data) as Record<string, FieldValue>);
      this.#assignKey.run({
        id: decision.customerId,
        key: record.key,
        searchText: customerSearchText(record.key, data),
        at: ctx.at,
        runId: ctx.runId,
      });
      if (ctx.runId !== null) {
        const note = matchNote(decision.field, decision.customerId, record.key);
        this.#customerHistory.run(
          ctx.runId,
          record.key,
          'updated',
          '[]',
          record.line,
          ctx.at,
          note,
        );
      }
    });
    return decisions;
  }

  existingCustomerKeys(keys: readonly string[]): Set<string> {
    if (keys.length === 0) {
      return new Set();
    }
    const rows = this.#db
      .prepare<[string], { key: string }>(
        'SELECT key FROM customers WHERE key IN (SELECT value FROM json_each(?))',
      )
      .all(JSON.stringify([...new Set(keys)]));
    return new Set(rows.map((r) => r.key));
  }

  /** Upserts one entity's records, in order, with history (not in dry runs). */
  applyEntityBatch(
    entity: RelatedEntityKind,
    records: readonly EntityRecord[],
    ctx: EntityWriteContext,
  ): BatchResult {
    const st = this.#tables[entity];
    const result: BatchResult = {
      inserted: 0,
      updated: 0,
      unchanged: 0,
      changes: [],
    };
    for (const record of records) {
      const stored = st.selectState.get(record.customerKey, record.key);
      const plan = planUpsert(
        stored && {
          rowHash: stored.row_hash,
          contentHash: stored.content_hash,
          dataJson: stored.data,
        },
        record.fields,
      );
      if (plan.action === 'unchanged') {
        if (plan.refreshRowHash) {
          st.refreshRowHash.run(plan.rowHash, record.customerKey, record.key);
        }
        result.unchanged++;
        continue;
      }
      const params: EntityWriteParams = {
        customerKey: record.customerKey,
        key: record.key,
        data: plan.dataJson,
        contentHash: plan.contentHash,
        rowHash: plan.rowHash,
        source: ctx.source,
        at: ctx.at,
        runId: ctx.runId,
        line: record.line,
      };
      const operation = plan.action === 'insert' ? 'inserted' : 'updated';
      if (operation === 'inserted') {
        st.insert.run(params);
        result.inserted++;
      } else {
        st.update.run(params);
        result.updated++;
      }
      // As for customers: an insert's history entry is derived from the row (withInsertedEntry).
      if (ctx.runId !== null && operation === 'updated') {
        this.#insertHistory.run(
          ctx.runId,
          entity,
          record.customerKey,
          record.key,
          operation,
          JSON.stringify(plan.changes),
          record.line,
          ctx.at,
        );
      }
      result.changes.push({
        key: entityDisplayKey(record),
        line: record.line,
        operation,
        changes: plan.changes,
      });
    }
    return result;
  }

  lookupSalesAgents(codes: readonly string[]): {
    storeHasAgents: boolean;
    known: Set<string>;
  } {
    const storeHasAgents = (this.#countAgents.get()?.n ?? 0) > 0;
    if (!storeHasAgents || codes.length === 0) {
      return { storeHasAgents, known: new Set() };
    }
    const rows = this.#db
      .prepare<[string], { key: string }>(
        'SELECT key FROM sales_agents WHERE key IN (SELECT value FROM json_each(?))',
      )
      .all(JSON.stringify([...new Set(codes)]));
    return { storeHasAgents, known: new Set(rows.map((r) => r.key)) };
  }

  /** Inserts a customer without ERP key; returns its id. */
  createCustomer(customer: NewCustomer, at: string): number {
    const row = newCustomerRow(customer);
    const result = this.#insertCustomer.run({
      ...row,
      source: customer.source,
      at,
    });
    return Number(result.lastInsertRowid);
  }

  customerById(id: number): StoredCustomer | null {
    const row = this.#selectCustomerById.get(id);
    return row === undefined ? null : toStoredCustomer(row);
  }

  /** The contacts and addresses of a customer, and the sales agent its salespersonCode names. */
  relations(customer: StoredCustomer): {
    contacts: StoredEntity[];
    addresses: StoredEntity[];
    salesAgent: StoredEntity | null;
  } {
    const key = customer.key;
    const contacts =
      key === null
        ? []
        : this.#tables.contact.listByCustomer
            .all(key)
            .map((r) => toStoredEntity('contact', r));
    const addresses =
      key === null
        ? []
        : this.#tables.address.listByCustomer
            .all(key)
            .map((r) => toStoredEntity('address', r));
    const code = customer.data['salespersonCode'];
    const agent =
      typeof code === 'string' && code !== ''
        ? this.#tables.salesAgent.selectOne.get(null, code)
        : undefined;
    return {
      contacts,
      addresses,
      salesAgent:
        agent === undefined ? null : toStoredEntity('salesAgent', agent),
    };
  }

  history(
    entity: RelatedEntityKind,
    customerKey: string | null,
    key: string,
  ): HistoryEntry[] {
    const displayKey = entityDisplayKey({ customerKey, key });
    const entries = this.#selectHistory
      .all(entity, customerKey, key)
      .map((row) => ({ ...toHistoryEntry(row), key: displayKey }));
    const current = this.#tables[entity].selectOne.get(customerKey, key);
    return current === undefined
      ? entries
      : restoreInsertedChanges(
          JSON.parse(current.data) as CustomerData,
          withInsertedEntry(entries, displayKey, {
            runId: current.created_run_id,
            at: current.created_at,
            line: current.created_line,
          }),
        );
  }

  /** Customers without ERP key that share a normalised value with the batch (index scans). */
  #candidates(
    records: readonly StagedRecord[],
    on: readonly MatchField[],
  ): MatchCandidate[] {
    const values = matchValues(records, on);
    const byId = new Map<number, MatchCandidate>();
    for (const field of on) {
      if (values[field].length === 0) {
        continue;
      }
      const expression = SQLITE_MATCH_EXPRESSIONS[field];
      const rows = this.#db
        .prepare<[string], { id: number; value: string }>(
          `SELECT id, ${expression} AS value FROM customers
           WHERE key IS NULL AND ${expression} IN (SELECT value FROM json_each(?))`,
        )
        .all(JSON.stringify(values[field]));
      for (const row of rows) {
        const candidate = byId.get(row.id) ?? { id: row.id, values: {} };
        candidate.values[field] = row.value;
        byId.set(row.id, candidate);
      }
    }
    return [...byId.values()];
  }
}

function toStoredEntity(
  entity: RelatedEntityKind,
  row: EntityRow,
): StoredEntity {
  return {
    entity,
    customerKey: row.customer_key,
    key: row.key,
    data: JSON.parse(row.data) as Record<string, FieldValue>,
    source: row.source,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    createdRunId: row.created_run_id,
    updatedRunId: row.updated_run_id,
  };
}
