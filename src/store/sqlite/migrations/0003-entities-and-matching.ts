import type { Database } from 'better-sqlite3';
import type { SqliteMigration } from '../sqlite-migrator.js';
import { SQLITE_MATCH_EXPRESSIONS } from '../sqlite-match-sql.js';

/**
 * Customers get a surrogate id and a nullable ERP key, so a customer created on our side (a
 * webstore's) can exist before any ERP row is matched to it; contacts, addresses and sales
 * agents get their own tables, with one history table for the three.
 *
 * SQLite cannot drop a PRIMARY KEY, so the customers table is rebuilt the way the SQLite manual
 * prescribes (create new, copy, drop, rename, re-create indexes). The new table's statement is
 * the stored one with two edits, and columns are copied by name, so columns that other
 * migrations added (before or after this one in version order) come along unchanged. Existing
 * customers are numbered 1…n in the order they were created; AUTOINCREMENT never gives an id
 * twice, even after the newest customer was removed by hand.
 */
export const entitiesAndMatching: SqliteMigration = {
  version: 3,
  name: 'entities-and-matching',
  up(db) {
    rebuildCustomersWithId(db);
    db.exec(`
      CREATE INDEX customers_keyless_vat_idx ON customers (${SQLITE_MATCH_EXPRESSIONS.vatId}) WHERE key IS NULL;
      CREATE INDEX customers_keyless_email_idx ON customers (${SQLITE_MATCH_EXPRESSIONS.email}) WHERE key IS NULL;

      ${entityTable('contacts', 'customer_key TEXT NOT NULL', 'PRIMARY KEY (customer_key, key)')}
      ${entityTable('addresses', 'customer_key TEXT NOT NULL', 'PRIMARY KEY (customer_key, key)')}
      ${entityTable('sales_agents', 'customer_key TEXT', 'PRIMARY KEY (key)')}

      CREATE TABLE entity_history (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs (id),
        entity TEXT NOT NULL CHECK (entity IN ('contact', 'address', 'salesAgent')),
        customer_key TEXT,
        key TEXT NOT NULL,
        operation TEXT NOT NULL CHECK (operation IN ('inserted', 'updated')),
        changes TEXT NOT NULL,
        line INTEGER,
        at TEXT NOT NULL,
        note TEXT
      );
      CREATE INDEX entity_history_key_idx ON entity_history (entity, customer_key, key, id);
      CREATE INDEX entity_history_run_idx ON entity_history (run_id);
    `);
  },
};

/** Contacts and addresses point at their customer by its ERP key (`customer_key`); sales agents have none. */
function entityTable(
  name: string,
  customerKey: string,
  primaryKey: string,
): string {
  return `CREATE TABLE ${name} (
        ${customerKey},
        key TEXT NOT NULL,
        data TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        row_hash TEXT,
        source TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        created_run_id INTEGER,
        updated_run_id INTEGER,
        ${primaryKey}
      );`;
}

function rebuildCustomersWithId(db: Database): void {
  const table = db
    .prepare<[], { sql: string }>(
      "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'customers'",
    )
    .get();
  if (table === undefined) {
    throw new Error('the customers table is missing');
  }
  const opening = /^CREATE TABLE\s+"?customers"?\s*\(/i;
  const keyColumn = /\bkey TEXT PRIMARY KEY\b/;
  if (!opening.test(table.sql) || !keyColumn.test(table.sql)) {
    throw new Error(
      'the customers table does not have the expected shape (key TEXT PRIMARY KEY)',
    );
  }
  const createSql = table.sql
    .replace(
      opening,
      'CREATE TABLE customers_migrating (\n        id INTEGER PRIMARY KEY AUTOINCREMENT,',
    )
    .replace(keyColumn, 'key TEXT UNIQUE');
  const columns = db
    .prepare<[], { name: string }>(
      "SELECT name FROM pragma_table_info('customers')",
    )
    .all()
    .map((c) => `"${c.name}"`)
    .join(', ');
  const indexes = db
    .prepare<[], { sql: string }>(
      "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'customers' AND sql IS NOT NULL",
    )
    .all();

  db.exec(createSql);
  db.exec(
    `INSERT INTO customers_migrating (${columns}) SELECT ${columns} FROM customers ORDER BY created_at, key`,
  );
  db.exec('DROP TABLE customers');
  db.exec('ALTER TABLE customers_migrating RENAME TO customers');
  for (const index of indexes) {
    db.exec(index.sql);
  }
}
