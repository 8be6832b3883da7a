// The raw references the targets are ratios of: the sqlite3 CLI's `.import` and psql's `\copy`
// of the same file into a 20-column table whose first column is the primary key. They parse
// CSV in C and write without any validation, history or hashing, so they are the floor.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { measure } from './measure.mjs';

export const SQLITE3 = '/usr/bin/sqlite3';

/** Columns c1 … c20, c1 the primary key (the customer number). */
function columnsDdl(count) {
  const cols = [];
  for (let i = 1; i <= count; i++) {
    cols.push(i === 1 ? 'c1 TEXT PRIMARY KEY' : `c${i} TEXT`);
  }
  return cols.join(', ');
}

export function sqliteAvailable() {
  return existsSync(SQLITE3);
}

/**
 * `.import` of `file` (header skipped) into a fresh database file with sqlite3's defaults, or,
 * with `journalMode: 'wal'`, in WAL mode as the store runs (the rows are written twice then:
 * into the WAL, and by the checkpoint into the database).
 */
export async function sqliteImport(file, dbPath, columnCount, options = {}) {
  mkdirSync(dirname(dbPath), { recursive: true });
  for (const suffix of ['', '-journal', '-wal', '-shm']) {
    rmSync(dbPath + suffix, { force: true });
  }
  const script = [
    ...(options.journalMode === undefined
      ? []
      : [`PRAGMA journal_mode = ${options.journalMode};`]),
    `CREATE TABLE ref (${columnsDdl(columnCount)});`,
    '.mode csv',
    '.separator ;',
    `.import --skip 1 '${file.replaceAll("'", "''")}' ref`,
    'SELECT count(*) FROM ref;',
  ].join('\n');
  const result = await measure(SQLITE3, ['-bail', dbPath], {
    input: `${script}\n`,
  });
  const count = Number(result.stdout.trim().split('\n').pop());
  return { ...result, rows: count };
}

/** psql with a URL; `-X` so a ~/.psqlrc cannot change timing or output. */
function psql(url, args, input) {
  return measure(
    'psql',
    ['-X', '-v', 'ON_ERROR_STOP=1', '-q', '-t', '-A', url, ...args],
    { input },
  );
}

/** Drops and creates a database next to `url` (same server); returns the new database's URL. */
export async function recreateDatabase(url, name) {
  const result = await psql(
    url,
    [],
    `DROP DATABASE IF EXISTS ${name} WITH (FORCE);\nCREATE DATABASE ${name};\n`,
  );
  if (result.code !== 0) {
    throw new Error(
      `psql could not create database ${name}: ${result.stderr.trim()}`,
    );
  }
  const target = new URL(url);
  target.pathname = `/${name}`;
  return target.toString();
}

export async function dropDatabase(url, name) {
  await psql(url, [], `DROP DATABASE IF EXISTS ${name} WITH (FORCE);\n`);
}

/** `\copy` of `file` into a fresh table with a primary key; only the copy itself is timed. */
export async function pgCopy(url, file, columnCount, encoding) {
  return withReferenceTable(url, columnCount, () =>
    psql(url, ['-c', copyCommand('ref', file, encoding)]),
  );
}

/** `\copy` of `file` into `table`, as psql writes it (CSV, `;`, header, the file's encoding). */
function copyCommand(table, file, encoding) {
  const pgEncoding = encoding === 'windows-1252' ? 'WIN1252' : 'UTF8';
  return `\\copy ${table} FROM '${file.replaceAll("'", "''")}' WITH (FORMAT csv, DELIMITER ';', HEADER true, ENCODING '${pgEncoding}')`;
}

/**
 * Creates the reference table `ref` (c1 the primary key), runs `load`, counts the table's rows
 * and drops it: the measured result of `load` with that count.
 */
async function withReferenceTable(url, columnCount, load) {
  const setup = await psql(
    url,
    [],
    `DROP TABLE IF EXISTS ref;\nCREATE TABLE ref (${columnsDdl(columnCount)});\n`,
  );
  if (setup.code !== 0) {
    throw new Error(
      `psql could not create the reference table: ${setup.stderr.trim()}`,
    );
  }
  const result = await load();
  const count = await psql(url, ['-c', 'SELECT count(*) FROM ref']);
  await psql(url, ['-c', 'DROP TABLE ref']);
  return { ...result, rows: Number(count.stdout.trim()) };
}

/**
 * The floor of the store's PostgreSQL bulk path, in psql alone: `\copy` of `file` into a
 * temporary staging table, then one `INSERT … ON CONFLICT … DO UPDATE … WHERE` the row changed
 * into the same primary-keyed table as pgCopy's, in one transaction. No import that stages its
 * rows this way (as the store does) can be faster than this plus its own parsing.
 */
export async function pgStagedCopy(url, file, columnCount, encoding) {
  const columns = Array.from({ length: columnCount }, (_, i) => `c${i + 1}`);
  const sets = columns
    .slice(1)
    .map((c) => `${c} = EXCLUDED.${c}`)
    .join(', ');
  const script = [
    'BEGIN;',
    `CREATE TEMP TABLE staging (${columns.map((c) => `${c} TEXT`).join(', ')}) ON COMMIT DROP;`,
    copyCommand('staging', file, encoding),
    `INSERT INTO ref SELECT * FROM staging ON CONFLICT (c1) DO UPDATE SET ${sets} WHERE ref IS DISTINCT FROM EXCLUDED;`,
    'COMMIT;',
  ].join('\n');
  return withReferenceTable(url, columnCount, () =>
    psql(url, [], `${script}\n`),
  );
}
