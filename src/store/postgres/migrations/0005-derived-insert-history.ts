import type { PostgresMigration } from '../postgres-migrator.js';

/** The tables whose records keep their own `inserted` history entry, with their entity name. */
const ENTITY_TABLES = [
  ['contacts', 'contact'],
  ['addresses', 'address'],
  ['sales_agents', 'salesAgent'],
] as const;

/**
 * As SQLite's migration 5: the `inserted` history entry of a customer, contact, address or sales
 * agent is derived from the record's own row (`created_run_id`, `created_at` and the new
 * `created_line`) instead of being a history row. Existing `inserted` rows give their line to
 * the record and are deleted, so reads follow one rule for old and new records.
 */
export const derivedInsertHistory: PostgresMigration = {
  version: 5,
  name: 'derived-insert-history',
  sql: (s) => `
    ALTER TABLE ${s}.customers ADD COLUMN created_line integer;
    UPDATE ${s}.customers c SET created_line = h.line
      FROM (SELECT DISTINCT ON (key) key, line FROM ${s}.customer_history
            WHERE operation = 'inserted' ORDER BY key, id) h
      WHERE c.key = h.key;
    DELETE FROM ${s}.customer_history WHERE operation = 'inserted';
    ${ENTITY_TABLES.map(
      ([table, entity]) => `
    ALTER TABLE ${s}.${table} ADD COLUMN created_line integer;
    UPDATE ${s}.${table} t SET created_line = h.line
      FROM (SELECT DISTINCT ON (customer_key, key) customer_key, key, line FROM ${s}.entity_history
            WHERE entity = '${entity}' AND operation = 'inserted' ORDER BY customer_key, key, id) h
      WHERE t.customer_key IS NOT DISTINCT FROM h.customer_key AND t.key = h.key;`,
    ).join('')}
    DELETE FROM ${s}.entity_history WHERE operation = 'inserted';
  `,
};
