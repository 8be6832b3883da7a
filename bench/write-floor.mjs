// The write floor of a full SQLite import: the rows an import stored, inserted again into a
// fresh database of the same schema and page size, in one transaction in WAL mode, through
// better-sqlite3 as the store binds them, with nothing else (no parsing, validation, hashing or
// serialization). Reading the stored rows is not timed.
//
//   node bench/write-floor.mjs <database an import wrote> <scratch database>
//
// Prints JSON: { rows, insertMs, commitMs, writeMs, cpuMs, bytesPerRow }. run-bench.mjs shows
// `writeMs` next to `.import`: no import that stores these rows can be faster than writing them.
import Database from 'better-sqlite3';
import { rmSync, statSync } from 'node:fs';

const [sourcePath, targetPath] = process.argv.slice(2);
if (sourcePath === undefined || targetPath === undefined) {
  console.error('usage: node bench/write-floor.mjs <imported.db> <scratch.db>');
  process.exit(2);
}
for (const suffix of ['', '-wal', '-shm', '-journal']) {
  rmSync(targetPath + suffix, { force: true });
}
const source = new Database(sourcePath, { readonly: true });
const target = new Database(targetPath);
// As the store opens a new database (sqlite-customer-store.ts), with the source's page size.
target.pragma(`page_size = ${source.pragma('page_size', { simple: true })}`);
target.pragma('journal_mode = WAL');
target.pragma('synchronous = NORMAL');
// The customers table and its indexes, exactly as the migrations left them.
const ddl = source
  .prepare(
    "SELECT sql FROM sqlite_master WHERE tbl_name = 'customers' AND sql IS NOT NULL ORDER BY type DESC",
  )
  .pluck()
  .all();
for (const sql of ddl) {
  target.exec(sql);
}
const columns = source
  .prepare("SELECT name FROM pragma_table_info('customers') WHERE name <> 'id'")
  .pluck()
  .all();
const insert = target.prepare(
  `INSERT INTO customers (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
);
const read = source
  .prepare(`SELECT ${columns.join(', ')} FROM customers ORDER BY id`)
  .raw(true);

const BATCH = 250;
const batch = [];
let rows = 0;
let insertNs = 0n;
let cpu = { user: 0, system: 0 };
const addCpu = (since) => {
  const d = process.cpuUsage(since);
  cpu = { user: cpu.user + d.user, system: cpu.system + d.system };
};
const flush = () => {
  const c = process.cpuUsage();
  const t = process.hrtime.bigint();
  for (const values of batch) {
    insert.run(values);
  }
  insertNs += process.hrtime.bigint() - t;
  addCpu(c);
  rows += batch.length;
  batch.length = 0;
};
target.exec('BEGIN IMMEDIATE');
for (const values of read.iterate()) {
  batch.push(values);
  if (batch.length === BATCH) {
    flush();
  }
}
flush();
const c = process.cpuUsage();
const t = process.hrtime.bigint();
target.exec('COMMIT');
// Closing checkpoints what is left of the WAL; an import's process does the same at exit.
target.close();
const commitNs = process.hrtime.bigint() - t;
addCpu(c);
source.close();
const insertMs = Number(insertNs) / 1e6;
const commitMs = Number(commitNs) / 1e6;
console.log(
  JSON.stringify({
    rows,
    insertMs: Math.round(insertMs),
    commitMs: Math.round(commitMs),
    writeMs: Math.round(insertMs + commitMs),
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    bytesPerRow:
      rows === 0 ? null : Math.round(statSync(targetPath).size / rows),
  }),
);
