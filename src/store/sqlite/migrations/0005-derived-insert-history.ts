import type { SqliteMigration } from '../sqlite-migrator.js';

/** The tables whose records keep their own `inserted` history entry, with their entity name. */
const ENTITY_TABLES = [
  ['contacts', 'contact'],
  ['addresses', 'address'],
  ['sales_agents', 'salesAgent'],
] as const;

/**
 * The `inserted` history entry of a customer, contact, address or sales agent is no longer a
 * history row: its run, time and line are the record's `created_run_id`, `created_at` and the new
 * `created_line`, and its fields were already restored on read (record-diff
 * withInsertedEntry / restoreInsertedChanges). A first import then writes one row per record
 * instead of two.
 *
 * Existing `inserted` rows give their line to the record and are deleted, so reads follow one
 * rule for old and new records. Rows stored before inserts were kept slim (with their fields)
 * go too: their fields are the ones restoring gives, since every later change keeps its old value.
 */
export const derivedInsertHistory: SqliteMigration = {
  version: 5,
  name: 'derived-insert-history',
  up(db) {
    db.exec(`
      ALTER TABLE customers ADD COLUMN created_line INTEGER;
      UPDATE customers SET created_line = (
        SELECT h.line FROM customer_history h
        WHERE h.key = customers.key AND h.operation = 'inserted'
        ORDER BY h.id LIMIT 1)
      WHERE key IS NOT NULL;
      DELETE FROM customer_history WHERE operation = 'inserted';
    `);
    for (const [table, entity] of ENTITY_TABLES) {
      db.exec(`
        ALTER TABLE ${table} ADD COLUMN created_line INTEGER;
        UPDATE ${table} SET created_line = (
          SELECT h.line FROM entity_history h
          WHERE h.entity = '${entity}' AND h.customer_key IS ${table}.customer_key AND h.key = ${table}.key
            AND h.operation = 'inserted'
          ORDER BY h.id LIMIT 1);
      `);
    }
    db.exec("DELETE FROM entity_history WHERE operation = 'inserted'");
  },
};
