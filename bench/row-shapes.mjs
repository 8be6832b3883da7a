// How fast better-sqlite3 can write a customers row of each shape the store could have: the
// measurement behind the README's "How much a stored row costs". It takes the rows a full import
// stored (run `npm run bench` first), lays each one out as every shape below, and times writing
// them into a fresh WAL database of the store's page size, in one transaction, with nothing else:
// no parsing, no validation, no hashing (values are computed before the clock starts). Next to
// them, `sqlite3 .import` of the same export, which parses its CSV as well.
//
//   node bench/row-shapes.mjs                    1 000 000 rows, two rounds, the best of each
//   node bench/row-shapes.mjs --rows 100000 --rounds 3
//
// Each shape runs in a child process of its own (the rows take some GB of heap to hold), the
// shapes in turn, round after round, so that a slow minute on this shared machine hits all.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { sqliteAvailable, sqliteImport } from './references.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'bench', 'out');

/** The columns of the store's customers table that an import writes, as it writes them. */
const STORE_COLUMNS = [
  'key',
  'data',
  'content_hash',
  'row_hash',
  'search_text',
  'status',
  'source',
  'created_at',
  'updated_at',
  'created_run_id',
  'updated_run_id',
  'created_line',
  'type',
];
const STATUS_INDEX =
  'CREATE INDEX customers_source_status_idx ON customers (source, status)';

/**
 * A shape: the table, the columns written, and how a stored row (`r`, see loadRows) becomes its
 * values. `fields`: the data's field names, sorted.
 */
function shapes(fields) {
  const quoted = fields.map((f) => `"${f}"`);
  const meta = (drop) => STORE_COLUMNS.filter((c) => !drop.includes(c));
  const table = (columns, types = {}) =>
    `CREATE TABLE customers (id INTEGER PRIMARY KEY AUTOINCREMENT, ${columns
      .map((c) => (c === 'key' ? 'key TEXT UNIQUE' : `${c} ${types[c] ?? ''}`))
      .join(', ')})`;
  const slim = ['search_text', 'created_at', 'updated_at'];
  const integerHashes = { content_hash: 'INTEGER', row_hash: 'INTEGER' };
  const storeShape = (label, options) => {
    const columns = meta(options.drop ?? []);
    const typed = options.typed === true;
    const written = typed
      ? columns.flatMap((c) => (c === 'data' ? quoted : [c]))
      : columns;
    return {
      label,
      ddl: [
        table(written, options.types),
        ...(options.statusIndex === true ? [STATUS_INDEX] : []),
      ],
      columns: written,
      values: (r) =>
        columns.flatMap((c) =>
          c === 'data' && typed
            ? r.fieldValues
            : [options.value?.(c, r) ?? r.stored[c]],
        ),
    };
  };
  const hashAsInteger = (c, r) =>
    c === 'content_hash' || c === 'row_hash' ? r.integerHashes[c] : undefined;
  return [
    storeShape('the store today (data as JSON)', {}),
    storeShape('with the (source, status) index (before migration 7)', {
      statusIndex: true,
    }),
    storeShape('without search_text', { drop: ['search_text'] }),
    storeShape('times as integers (ms)', {
      types: { created_at: 'INTEGER', updated_at: 'INTEGER' },
      value: (c, r) =>
        c === 'created_at' || c === 'updated_at'
          ? Date.parse(r.stored[c])
          : undefined,
    }),
    storeShape('hashes as 64-bit integers', {
      types: integerHashes,
      value: hashAsInteger,
    }),
    storeShape('JSON, slim: no search_text or times, integer hashes', {
      drop: slim,
      types: integerHashes,
      value: hashAsInteger,
    }),
    storeShape('typed: a column per field', { typed: true }),
    storeShape('typed, slim', {
      typed: true,
      drop: slim,
      types: integerHashes,
      value: hashAsInteger,
    }),
    {
      label: "`.import`'s table (the fields as text, the key its primary key)",
      ddl: [
        `CREATE TABLE customers (${quoted.map((q) => `${q} TEXT`).join(', ')}, PRIMARY KEY ("customerNo"))`,
      ],
      columns: quoted,
      values: (r) => r.fieldTexts,
    },
  ];
}

/** 64 bits of the sha1 of a hash's text: what an integer hash column would hold. */
function integerHash(text) {
  return text === null
    ? null
    : createHash('sha1').update(text).digest().readBigInt64BE(0);
}

function loadRows(path) {
  const db = new Database(path, { readonly: true });
  const stored = db
    .prepare(`SELECT ${STORE_COLUMNS.join(', ')} FROM customers ORDER BY id`)
    .all();
  db.close();
  const fields = Object.keys(JSON.parse(stored[0].data)).sort();
  const rows = stored.map((s) => {
    const data = JSON.parse(s.data);
    const fieldValues = fields.map((f) => {
      const v = data[f];
      return v === undefined ? null : typeof v === 'boolean' ? Number(v) : v;
    });
    return {
      stored: s,
      fieldValues,
      fieldTexts: fieldValues.map((v) => (v === null ? null : String(v))),
      integerHashes: {
        content_hash: integerHash(s.content_hash),
        row_hash: integerHash(s.row_hash),
      },
    };
  });
  return { rows, fields };
}

/** Child: writes the rows of `source` in shape number `index`, prints one JSON line. */
function writeShape(source, index, target) {
  const { rows, fields } = loadRows(source);
  const shape = shapes(fields)[index];
  const sourceDb = new Database(source, { readonly: true });
  const pageSize = sourceDb.pragma('page_size', { simple: true });
  sourceDb.close();
  for (const suffix of ['', '-wal', '-shm']) {
    rmSync(target + suffix, { force: true });
  }
  const db = new Database(target);
  db.pragma(`page_size = ${pageSize}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  for (const ddl of shape.ddl) {
    db.exec(ddl);
  }
  const insert = db.prepare(
    `INSERT INTO customers (${shape.columns.join(', ')}) VALUES (${shape.columns.map(() => '?').join(', ')})`,
  );
  const values = rows.map(shape.values);
  globalThis.gc?.();
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  db.exec('BEGIN IMMEDIATE');
  for (const v of values) {
    insert.run(v);
  }
  db.exec('COMMIT');
  db.close();
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const used = process.cpuUsage(cpu);
  console.log(
    JSON.stringify({
      wallMs,
      cpuMs: (used.user + used.system) / 1000,
      values: shape.columns.length,
      bytesPerRow: Math.round(statSync(target).size / rows.length),
    }),
  );
  rmSync(target, { force: true });
}

async function main() {
  const { values: args } = parseArgs({
    options: {
      rows: { type: 'string', default: '1000000' },
      rounds: { type: 'string', default: '2' },
      shape: { type: 'string' },
    },
  });
  const rows = Number(args.rows);
  const source = join(OUT, 'db', `ci-cp1252-${rows}.db`);
  if (args.shape !== undefined) {
    writeShape(source, Number(args.shape), join(OUT, 'db', 'row-shape.db'));
    return;
  }
  const exportFile = join(OUT, 'data', `bench-erp-cp1252-${rows}.v3.txt`);
  if (!existsSync(source) || !existsSync(exportFile)) {
    console.error(
      `${source} or ${exportFile} is missing: run \`npm run bench -- --rows ${rows} --skip-pg\` first`,
    );
    process.exit(2);
  }
  const db = new Database(source, { readonly: true });
  const fields = Object.keys(
    JSON.parse(db.prepare('SELECT data FROM customers LIMIT 1').pluck().get()),
  ).sort();
  db.close();
  const list = shapes(fields);
  const best = list.map(() => null);
  let reference = null;
  for (let round = 0; round < Number(args.rounds); round++) {
    if (sqliteAvailable()) {
      const ref = await sqliteImport(
        exportFile,
        join(OUT, 'db', 'row-shape-ref.db'),
        fields.length,
      );
      if (reference === null || ref.wallMs < reference.wallMs) {
        reference = ref;
      }
    }
    for (let i = 0; i < list.length; i++) {
      const child = spawnSync(
        process.execPath,
        [
          '--expose-gc',
          '--max-old-space-size=16000',
          fileURLToPath(import.meta.url),
          '--rows',
          String(rows),
          '--shape',
          String(i),
        ],
        { encoding: 'utf8' },
      );
      if (child.status !== 0) {
        throw new Error(`shape ${list[i].label} failed: ${child.stderr}`);
      }
      const result = JSON.parse(child.stdout.trim());
      if (best[i] === null || result.wallMs < best[i].wallMs) {
        best[i] = result;
      }
    }
  }
  const seconds = (ms) => (ms / 1000).toFixed(1);
  console.log(
    `${rows.toLocaleString('en')} stored rows written in each shape, best of ${args.rounds}`,
  );
  console.log('');
  console.log(
    '| shape | values a row | bytes a row | wall s | CPU s | ratio to `.import` |',
  );
  console.log('|---|---:|---:|---:|---:|---:|');
  if (reference !== null) {
    console.log(
      `| \`sqlite3 .import\` of the export (parses its CSV too) | | | ${seconds(reference.wallMs)} | ${seconds(reference.cpuMs ?? 0)} | 1.00× |`,
    );
  }
  for (let i = 0; i < list.length; i++) {
    const r = best[i];
    const ratio =
      reference === null ? '' : `${(r.wallMs / reference.wallMs).toFixed(2)}×`;
    console.log(
      `| ${list[i].label} | ${r.values} | ${r.bytesPerRow} | ${seconds(r.wallMs)} | ${seconds(r.cpuMs)} | ${ratio} |`,
    );
  }
  if (reference === null) {
    console.log('\nsqlite3 CLI not installed: no `.import` reference');
  }
}

await main();
