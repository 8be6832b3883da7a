// `npm run bench`: generates ERP-like exports, imports them with the real CLI (one child
// process per import, so each peak RSS is that process's own) and compares against the raw
// `sqlite3 .import` / `psql \copy` of the same files. It reports and never gates: the exit
// code is 0 whatever the ratios are (non-zero only when the bench itself cannot run).
//
//   npm run bench                    100 000 and 1 000 000 rows, SQLite, PostgreSQL if configured
//   npm run bench -- --rows 100000   one size only (quick)
//   npm run bench -- --skip-pg       no PostgreSQL rows
//   npm run bench -- --no-build      reuse bench/out/dist from the last run
//   npm run bench -- --ref HEAD      bench a commit (git archive) instead of the working tree
//   npm run bench -- --profile       also write a V8 CPU profile of each import to bench/out/profiles
//
// Besides the targets' rows it shows three without a target: `.import` into a WAL database (the
// store's journal mode), the write floor (write-floor.mjs: the rows the full import stored,
// written again with nothing else) and the staging floor (psql alone doing what the PostgreSQL
// store's bulk path does: \copy into a staging table, then INSERT … ON CONFLICT), so that a
// ratio can be read against what writing costs.
//
// PostgreSQL rows need BENCH_DATABASE_URL (or TEST_DATABASE_URL): a server where the bench may
// create and drop the database `customer_import_bench`.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  GENERATOR_VERSION,
  HEADER,
  ensureExport,
  formatDefinitionYaml,
  isChangedRow,
} from './generate.mjs';
import { measure, rssSource } from './measure.mjs';
import {
  dropDatabase,
  pgCopy,
  pgStagedCopy,
  recreateDatabase,
  sqliteAvailable,
  sqliteImport,
  SQLITE3,
} from './references.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'bench', 'out');
const DIST = join(OUT, 'dist');
const PG_DATABASE = 'customer_import_bench';

const TARGETS = {
  full: 1.5,
  reimport: 1.0,
  pg: 1.5,
  rssMb: 250,
  rssGrowth: 1.3,
};

const { values: flags } = parseArgs({
  options: {
    rows: { type: 'string' },
    'skip-pg': { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    ref: { type: 'string' },
  },
});

const sizes =
  flags.rows === undefined
    ? [100_000, 1_000_000]
    : [Number(flags.rows.replaceAll('_', ''))];
if (sizes.some((n) => !Number.isInteger(n) || n < 100)) {
  console.error(
    `--rows must be a whole number of at least 100, got ${flags.rows}`,
  );
  process.exit(2);
}

const ENCODINGS = { utf8: 'utf-8', cp1252: 'windows-1252' };

main().catch((e) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(1);
});

async function main() {
  const startedMs = Date.now();
  mkdirSync(OUT, { recursive: true });
  console.log(
    `customer-import benchmark · node ${process.version} · ${cpus().length} cores (${cpus()[0]?.model ?? '?'}) · ${Math.round(totalmem() / 1024 ** 3)} GB RAM`,
  );
  console.log(`peak RSS: ${rssSource}`);
  if (!flags['no-build']) {
    build();
  }
  if (!existsSync(join(DIST, 'cli', 'main.js'))) {
    throw new Error(`${DIST}/cli/main.js is missing; run without --no-build`);
  }
  const files = prepareFiles();
  const pg = flags['skip-pg']
    ? { skipped: 'skipped: --skip-pg' }
    : await probePostgres();

  const results = [];
  for (const n of sizes) {
    results.push(...(await runSize(n, files[n], pg)));
  }
  if (pg.url !== undefined) {
    await dropDatabase(pg.adminUrl, PG_DATABASE);
  }

  const rssChecks = rssGrowth(results);
  printReport(results, rssChecks, pg);
  writeFileSync(
    join(OUT, 'results.json'),
    `${JSON.stringify({ at: new Date().toISOString(), node: process.version, cores: cpus().length, results, rssChecks, pg: pg.skipped ?? 'ran' }, null, 2)}\n`,
  );
  console.log(
    `\nbench finished in ${((Date.now() - startedMs) / 1000).toFixed(0)} s; results in bench/out/results.json`,
  );
}

/**
 * Compiles src/ into bench/out/dist, so the bench never touches the dist/ others may be using.
 * With --ref, the sources of that commit are compiled instead (a working tree that others are
 * editing at the same moment is not always a consistent program).
 */
function build() {
  const tsc = join(ROOT, 'node_modules', '.bin', 'tsc');
  rmSync(DIST, { recursive: true, force: true });
  let project = join(ROOT, 'tsconfig.build.json');
  if (flags.ref !== undefined) {
    const tree = join(OUT, 'src-ref');
    rmSync(tree, { recursive: true, force: true });
    mkdirSync(tree, { recursive: true });
    const archive = spawnSync(
      'sh',
      ['-c', `git archive "$REF" src | tar -x -C "$TREE"`],
      {
        cwd: ROOT,
        env: { ...process.env, REF: flags.ref, TREE: tree },
        encoding: 'utf8',
      },
    );
    if (archive.status !== 0) {
      throw new Error(`git archive ${flags.ref} failed: ${archive.stderr}`);
    }
    project = join(tree, 'tsconfig.json');
    writeFileSync(
      project,
      JSON.stringify({
        extends: join(ROOT, 'tsconfig.build.json'),
        compilerOptions: { rootDir: 'src' },
        include: ['src'],
      }),
    );
    const rev = spawnSync('git', ['rev-parse', '--short', flags.ref], {
      cwd: ROOT,
      encoding: 'utf8',
    }).stdout.trim();
    console.log(`benching commit ${rev} (${flags.ref})`);
  }
  const result = spawnSync(
    tsc,
    [
      '-p',
      project,
      '--outDir',
      DIST,
      '--declaration',
      'false',
      '--sourceMap',
      'false',
    ],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  if (result.status !== 0) {
    // tsc still emits on type errors; the bench can run, but say so.
    console.warn(
      `warning: tsc reported errors (the build was emitted anyway):\n${(result.stdout + result.stderr).split('\n').slice(0, 10).join('\n')}`,
    );
  }
}

function prepareFiles() {
  const dataDir = join(OUT, 'data');
  const formatsDir = join(OUT, 'formats');
  mkdirSync(formatsDir, { recursive: true });
  for (const [tag, encoding] of Object.entries(ENCODINGS)) {
    writeFileSync(
      join(formatsDir, `bench-erp-${tag}.yaml`),
      formatDefinitionYaml(`bench-erp-${tag}`, encoding),
    );
  }
  const files = {};
  for (const n of sizes) {
    const name = (tag, variant) =>
      join(
        dataDir,
        `bench-erp-${tag}-${n}${variant}.v${GENERATOR_VERSION}.txt`,
      );
    files[n] = {
      utf8: name('utf8', ''),
      cp1252: name('cp1252', ''),
      cp1252Changed: name('cp1252', '-changed'),
    };
    const t0 = Date.now();
    let made = 0;
    if (n === Math.min(...sizes)) {
      made += ensureExport(files[n].utf8, {
        rows: n,
        encoding: 'utf-8',
        changedCopy: false,
      })
        ? 1
        : 0;
    }
    made += ensureExport(files[n].cp1252, {
      rows: n,
      encoding: 'windows-1252',
      changedCopy: false,
    })
      ? 1
      : 0;
    made += ensureExport(files[n].cp1252Changed, {
      rows: n,
      encoding: 'windows-1252',
      changedCopy: true,
    })
      ? 1
      : 0;
    if (made > 0) {
      console.log(
        `generated ${made} file(s) of ${n.toLocaleString('en-US')} rows in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
      );
    }
  }
  return files;
}

/** PostgreSQL rows run when a URL is set and the PostgreSQL store exists in this build. */
async function probePostgres() {
  const adminUrl =
    process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (adminUrl === undefined || adminUrl === '') {
    return {
      skipped:
        'skipped: set BENCH_DATABASE_URL (or TEST_DATABASE_URL) to a server where the bench may create a database',
    };
  }
  let url;
  try {
    url = await recreateDatabase(adminUrl, PG_DATABASE);
  } catch (e) {
    return { skipped: `skipped: ${e.message}` };
  }
  try {
    const { createStore } = await import(
      pathToFileURL(join(DIST, 'store', 'create-store.js')).href
    );
    const { NULL_LOGGER } = await import(
      pathToFileURL(join(DIST, 'logging', 'logger.js')).href
    );
    const store = await createStore(
      { type: 'postgres', url, schema: 'public', poolSize: 4 },
      { logger: NULL_LOGGER },
    );
    await store.close();
  } catch (e) {
    await dropDatabase(adminUrl, PG_DATABASE);
    return {
      skipped: `skipped: the PostgreSQL store cannot be used in this build (${e.message})`,
    };
  }
  return { url, adminUrl };
}

async function runSize(n, files, pg) {
  const results = [];
  const changedRows = countChanged(n);
  const refs = {};
  // The windows-1252 file is the ERP case every target is measured on; the UTF-8 file runs at
  // the smallest size only (it checks the other decoder path), which keeps a full run short.
  const tags = n === Math.min(...sizes) ? ['utf8', 'cp1252'] : ['cp1252'];
  if (sqliteAvailable()) {
    for (const tag of tags) {
      const ref = await sqliteImport(
        files[tag],
        join(OUT, 'db', `ref-${tag}-${n}.db`),
        HEADER.length,
      );
      refs[tag] = ref;
      results.push(
        row({
          n,
          scenario: `sqlite3 .import (${ENCODINGS[tag]})`,
          kind: 'reference',
          m: ref,
          ok: ref.code === 0 && ref.rows === n,
        }),
      );
    }
    // Not a target's reference: what WAL mode, which the store runs in, costs `.import` itself.
    const wal = await sqliteImport(
      files.cp1252,
      join(OUT, 'db', `ref-wal-cp1252-${n}.db`),
      HEADER.length,
      { journalMode: 'wal' },
    );
    results.push(
      row({
        n,
        scenario: 'sqlite3 .import into a WAL database (windows-1252)',
        kind: 'reference',
        m: wal,
        ok: wal.code === 0 && wal.rows === n,
        ref: refs.cp1252 && {
          label: 'sqlite3 .import',
          wallMs: refs.cp1252.wallMs,
        },
      }),
    );
  }
  for (const tag of tags) {
    const db = join(OUT, 'db', `ci-${tag}-${n}.db`);
    removeDb(db);
    const config = writeConfig(`sqlite-${tag}-${n}`, {
      type: 'sqlite',
      path: db,
    });
    const m = await importFile(
      config,
      files[tag],
      `bench-erp-${tag}`,
      `sqlite-full-${tag}-${n}`,
    );
    const stored = countSqlite(db);
    results.push(
      row({
        n,
        scenario: `full import, SQLite (${ENCODINGS[tag]})`,
        kind: 'full',
        m,
        ok: m.json?.inserted === n && m.json?.skipped === 0 && stored === n,
        ref: refs[tag] && {
          label: `sqlite3 .import (${ENCODINGS[tag]})`,
          wallMs: refs[tag].wallMs,
        },
        target: TARGETS.full,
      }),
    );
    if (tag === 'cp1252' && m.code === 0) {
      results.push(await writeFloor(db, n, refs.cp1252));
    }
    if (tag === 'cp1252') {
      const re = await importFile(
        config,
        files.cp1252Changed,
        'bench-erp-cp1252',
        `sqlite-reimport-${n}`,
      );
      results.push(
        row({
          n,
          scenario: 're-import, 1 % changed, SQLite (windows-1252)',
          kind: 'reimport',
          m: re,
          ok:
            re.json?.updated === changedRows &&
            re.json?.unchanged === n - changedRows &&
            re.json?.inserted === 0,
          ref: refs.cp1252 && {
            label: 'sqlite3 .import of the full file',
            wallMs: refs.cp1252.wallMs,
          },
          target: TARGETS.reimport,
        }),
      );
    }
  }
  if (pg.url !== undefined) {
    const ref = await pgCopy(
      pg.url,
      files.cp1252,
      HEADER.length,
      'windows-1252',
    );
    results.push(
      row({
        n,
        scenario: 'psql \\copy (windows-1252)',
        kind: 'reference',
        m: ref,
        ok: ref.code === 0 && ref.rows === n,
      }),
    );
    const staged = await pgStagedCopy(
      pg.url,
      files.cp1252,
      HEADER.length,
      'windows-1252',
    );
    results.push(
      row({
        n,
        scenario:
          'staging floor: psql \\copy into a staging table, then INSERT … ON CONFLICT (the bulk path alone)',
        kind: 'floor',
        m: { ...staged, peakRssKb: null },
        ok: staged.code === 0 && staged.rows === n,
        ref: { label: 'psql \\copy', wallMs: ref.wallMs },
      }),
    );
    await recreateDatabase(pg.adminUrl, PG_DATABASE);
    const config = writeConfig(`pg-${n}`, { type: 'postgres', url: pg.url });
    const m = await importFile(
      config,
      files.cp1252,
      'bench-erp-cp1252',
      `pg-full-${n}`,
    );
    results.push(
      row({
        n,
        scenario: 'full import, PostgreSQL (windows-1252)',
        kind: 'pg',
        m,
        ok: m.json?.inserted === n && m.json?.skipped === 0,
        ref: { label: 'psql \\copy', wallMs: ref.wallMs },
        target: TARGETS.pg,
      }),
    );
    if (n !== Math.min(...sizes)) {
      // Not a target, and at a million rows the longest step of a run: the small size shows it.
      return results;
    }
    const re = await importFile(
      config,
      files.cp1252Changed,
      'bench-erp-cp1252',
      `pg-reimport-${n}`,
    );
    results.push(
      row({
        n,
        scenario: 're-import, 1 % changed, PostgreSQL (windows-1252)',
        kind: 'pg-reimport',
        m: re,
        ok:
          re.json?.updated === changedRows &&
          re.json?.unchanged === n - changedRows,
        ref: { label: 'psql \\copy of the full file', wallMs: ref.wallMs },
      }),
    );
  }
  return results;
}

/**
 * The rows a full import stored, written again with nothing else (write-floor.mjs): the time
 * no import that stores them can beat. Its wall time is the script's own insert + commit time.
 */
async function writeFloor(db, n, ref) {
  const scratch = join(OUT, 'db', `floor-${n}.db`);
  const m = await measure(process.execPath, [
    join(ROOT, 'bench', 'write-floor.mjs'),
    db,
    scratch,
  ]);
  // As large as the store (about 700 MB at 1 000 000 rows), and of no use afterwards.
  removeDb(scratch);
  let out = null;
  try {
    out = JSON.parse(m.stdout);
  } catch {
    console.error(
      `write floor failed (exit ${m.code}):\n${m.stderr.slice(0, 2000)}`,
    );
  }
  return row({
    n,
    scenario: `write floor: the stored rows written again, nothing else (${out?.bytesPerRow ?? '?'} bytes a row, .import ${refBytesPerRow(n) ?? '?'})`,
    kind: 'floor',
    m: {
      wallMs: out?.writeMs ?? m.wallMs,
      cpuMs: out?.cpuMs ?? null,
      peakRssKb: null,
    },
    ok: m.code === 0 && out?.rows === n,
    ref: ref && { label: 'sqlite3 .import', wallMs: ref.wallMs },
  });
}

/** Size of the `.import` reference's database per row (windows-1252 file). */
function refBytesPerRow(n) {
  const path = join(OUT, 'db', `ref-cp1252-${n}.db`);
  return existsSync(path) ? Math.round(statSync(path).size / n) : null;
}

function countChanged(n) {
  let c = 0;
  for (let i = 0; i < n; i++) {
    c += isChangedRow(i) ? 1 : 0;
  }
  return c;
}

function removeDb(path) {
  mkdirSync(dirname(path), { recursive: true });
  for (const suffix of ['', '-journal', '-wal', '-shm']) {
    rmSync(path + suffix, { force: true });
  }
}

function countSqlite(db) {
  if (!sqliteAvailable()) {
    return null;
  }
  const r = spawnSync(SQLITE3, [db, 'SELECT count(*) FROM customers'], {
    encoding: 'utf8',
  });
  return Number(r.stdout.trim());
}

function writeConfig(name, store) {
  const path = join(OUT, 'configs', `${name}.json`);
  mkdirSync(dirname(path), { recursive: true });
  const config = {
    instanceName: 'bench',
    formatsDir: join(OUT, 'formats'),
    store,
    logging: { level: 'warn', file: false },
  };
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`);
  return path;
}

/** One import through the real CLI, as a child process. */
async function importFile(configPath, file, formatId, label) {
  const nodeArgs = [];
  // Every thread writes its own profile (a large text file is parsed in a worker thread), named
  // by Node with the thread id; they are renamed after the import.
  const profileDir = join(OUT, 'profiles', `${label}.tmp`);
  if (flags.profile) {
    rmSync(profileDir, { recursive: true, force: true });
    mkdirSync(profileDir, { recursive: true });
    nodeArgs.push('--cpu-prof', '--cpu-prof-dir', profileDir);
  }
  const m = await measure(process.execPath, [
    ...nodeArgs,
    join(DIST, 'cli', 'main.js'),
    '--config',
    configPath,
    'import',
    file,
    '--format',
    formatId,
    '--json',
    '--no-progress',
    '--no-report',
  ]);
  if (flags.profile) {
    nameProfiles(profileDir, label);
  }
  try {
    m.json = JSON.parse(m.stdout);
  } catch {
    m.json = null;
  }
  if (m.code !== 0 || m.json === null) {
    console.error(
      `import ${label} failed (exit ${m.code}):\n${m.stderr.slice(0, 2000)}\n${m.stdout.slice(0, 2000)}`,
    );
  }
  return m;
}

/**
 * `CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile` → `<label>.cpuprofile` for the main
 * thread (id 0) and `<label>.thread-<id>.cpuprofile` for the others.
 */
function nameProfiles(dir, label) {
  for (const name of readdirSync(dir)) {
    const tid = name.split('.').at(-3);
    const target =
      tid === '0' ? `${label}.cpuprofile` : `${label}.thread-${tid}.cpuprofile`;
    renameSync(join(dir, name), join(dir, '..', target));
  }
  rmSync(dir, { recursive: true, force: true });
}

function row({ n, scenario, kind, m, ok, ref, target }) {
  const ratio = ref ? m.wallMs / ref.wallMs : null;
  return {
    rows: n,
    scenario,
    kind,
    wallMs: Math.round(m.wallMs),
    cpuMs: m.cpuMs ?? null,
    rowsPerSecond: Math.round(n / (m.wallMs / 1000)),
    peakRssMb: m.peakRssKb === null ? null : Math.round(m.peakRssKb / 1024),
    reference: ref?.label ?? null,
    ratio: ratio === null ? null : Math.round(ratio * 100) / 100,
    target: target ?? null,
    // A run that failed or counted wrong has no meaningful time: no verdict.
    pass:
      target === undefined || ratio === null || !ok ? null : ratio <= target,
    countsOk: ok,
  };
}

/** Peak RSS of each import, and its growth from the smallest to the largest file. */
function rssGrowth(results) {
  const imports = results.filter(
    (r) => r.kind !== 'reference' && r.kind !== 'floor',
  );
  const checks = imports
    .filter((r) => r.countsOk)
    .map((r) => ({
      what: `${r.scenario}, ${r.rows.toLocaleString('en-US')} rows`,
      value: r.peakRssMb,
      target: `≤ ${TARGETS.rssMb} MB`,
      pass: r.peakRssMb !== null && r.peakRssMb <= TARGETS.rssMb,
    }));
  if (sizes.length > 1) {
    const [small, large] = [Math.min(...sizes), Math.max(...sizes)];
    for (const scenario of new Set(imports.map((r) => r.scenario))) {
      const a = imports.find(
        (r) => r.scenario === scenario && r.rows === small,
      );
      const b = imports.find(
        (r) => r.scenario === scenario && r.rows === large,
      );
      if (a?.countsOk && b?.countsOk && a.peakRssMb && b.peakRssMb) {
        const growth = b.peakRssMb / a.peakRssMb;
        checks.push({
          what: `${scenario}: peak RSS ${large.toLocaleString('en-US')} / ${small.toLocaleString('en-US')} rows`,
          value: Math.round(growth * 100) / 100,
          target: `≤ ${TARGETS.rssGrowth}×`,
          pass: growth <= TARGETS.rssGrowth,
        });
      }
    }
  }
  return checks;
}

function printReport(results, rssChecks, pg) {
  const fmt = (v, d = 0) =>
    v === null || v === undefined
      ? '–'
      : Number(v).toLocaleString('en-US', {
          maximumFractionDigits: d,
          minimumFractionDigits: d,
        });
  console.log(
    '\n| rows | run | wall s | cpu s | rows/s | peak RSS MB | ratio to reference | target | |',
  );
  console.log('|---:|---|---:|---:|---:|---:|---|---|---|');
  for (const r of results) {
    const ratio = r.ratio === null ? '' : `${fmt(r.ratio, 2)}× ${r.reference}`;
    const verdict = !r.countsOk
      ? 'RUN FAILED'
      : r.pass === null
        ? ''
        : r.pass
          ? 'PASS'
          : 'FAIL';
    const counts = r.countsOk ? '' : ' (WRONG COUNTS)';
    console.log(
      `| ${fmt(r.rows)} | ${r.scenario}${counts} | ${fmt(r.wallMs / 1000, 1)} | ${r.cpuMs === null ? '–' : fmt(r.cpuMs / 1000, 1)} | ${fmt(r.rowsPerSecond)} | ${fmt(r.peakRssMb)} | ${ratio} | ${r.target === null ? '' : `≤ ${r.target}×`} | ${verdict} |`,
    );
  }
  console.log('\n| memory | value | target | |');
  console.log('|---|---:|---|---|');
  for (const c of rssChecks) {
    console.log(
      `| ${c.what} | ${c.value ?? '–'} | ${c.target} | ${c.pass ? 'PASS' : 'FAIL'} |`,
    );
  }
  if (pg.skipped !== undefined) {
    console.log(`\nPostgreSQL: ${pg.skipped}`);
  }
  if (!sqliteAvailable()) {
    console.log(
      `\nsqlite3 CLI not found at ${SQLITE3}: no .import reference, so no SQLite ratios.`,
    );
  }
  if (results.some((r) => !r.countsOk)) {
    console.log(
      '\nWARNING: some runs did not give the expected counts (see WRONG COUNTS); their times mean nothing.',
    );
  }
}
