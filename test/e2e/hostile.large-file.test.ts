import { spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { once } from 'node:events';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/temp-dir.js';
import { TEST_CONFIG_YAML, writeTree } from '../helpers/run-cli.js';

/**
 * Memory stays flat however large the file: the compiled CLI (`node dist/cli/main.js import`,
 * built by `npm test` before vitest runs) imports a generated ~300 MB export in a child
 * process, and the child's peak resident set size (VmHWM, read from /proc/self/status by a
 * preloaded module when the process exits) must stay under a bound far below the file size.
 * A 2 GB export takes the same path (streamed parse, batched upserts), so this file stands in
 * for it without a 2 GB fixture. A 50 MB line without a line break is stopped by the record
 * limit with the same flat memory.
 *
 * Takes 30-90 s on a two-core machine (generating the file, then importing 1.4 million rows),
 * so SKIP_LARGE_FILE_TEST=1 skips it for quick local runs; CI and `npm test` run it.
 */

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = join(REPO, 'dist', 'cli', 'main.js');
const TARGET_BYTES = 300 * 1024 * 1024;
/**
 * Measured here: ~300-310 MB for this file with 1000-row batches and every key in memory; 178 MB
 * since batches are 250 rows (they die young in V8's heap), text is read 16 KiB at a time and the
 * index of keys seen in the file (for duplicate-key reports, src/pipeline/key-lines.ts) keeps
 * 2¹⁷ keys in memory and moves to a temporary file beyond them, which this file's 1.4 million
 * keys do (hostile.many-keys.test.ts checks that memory stays flat once it has moved); 196 MB
 * since a file this large is read in a worker thread (pipeline/row-source.ts: a second V8 heap).
 * The bound is issue #6's target for 1 000 000 rows; the rest is room for V8's run-to-run noise.
 */
const MAX_PEAK_RSS_MB = 250;

const FORMAT = `
id: big
type: delimited
delimiter: ";"
decimalSeparator: ","
dateFormat: dd.MM.yyyy
columns:
  - { source: Nr, field: customerNo, required: true }
  - { source: Name, field: name, required: true }
  - { source: Strasse, field: street }
  - { source: PLZ, field: postalCode }
  - { source: Ort, field: city }
  - { source: EMail, field: email, type: email }
  - { source: Kreditlimit, field: creditLimit, type: decimal }
  - { source: Seit, field: customerSince, type: date }
  - { source: Notiz, field: attributes.note }
`;

// Test setup may read the environment (as test/helpers/backends.ts does); src/ never does.
const SKIP = process.env['SKIP_LARGE_FILE_TEST'] === '1';
if (SKIP) {
  console.warn(
    '\n*** The large-file memory test is SKIPPED (SKIP_LARGE_FILE_TEST=1). ***\n',
  );
}

let dir = '';
let rows = 0;

/** Writes rows until the file reaches `bytes`, respecting back-pressure; returns the row count. */
async function writeExport(path: string, bytes: number): Promise<number> {
  const out = createWriteStream(path);
  out.write('Nr;Name;Strasse;PLZ;Ort;EMail;Kreditlimit;Seit;Notiz\n');
  let written = 0;
  let count = 0;
  while (written < bytes) {
    let chunk = '';
    for (let i = 0; i < 2000; i++, count++) {
      const day = String((count % 28) + 1).padStart(2, '0');
      chunk +=
        `K${String(count).padStart(9, '0')};Kundin Nummer ${count} GmbH & Co. KG;Musterstraße ${count % 500} Hinterhaus;` +
        `${String(count % 99999).padStart(5, '0')};Stadt ${count % 1000};kunde${count}@example.com;${count % 10000},50;` +
        `${day}.06.2019;eine Notiz mit etwas Text, damit die Zeile so lang wird wie in echten Exporten\n`;
    }
    written += Buffer.byteLength(chunk);
    if (!out.write(chunk)) {
      await once(out, 'drain');
    }
  }
  out.end();
  await once(out, 'finish');
  return count;
}

interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
  peakRssMb: number;
  durationMs: number;
}

/** Runs the compiled CLI in `dir` and returns its exit code, output and peak RSS. */
async function runChild(args: string[]): Promise<ChildResult> {
  const hwmFile = join(dir, 'vmhwm.txt');
  await rm(hwmFile, { force: true });
  const preload = join(dir, 'record-peak-rss.mjs');
  // VmHWM is the kernel's high-water mark of the resident set: the true peak, not a sample.
  await writeFile(
    preload,
    `import { readFileSync, writeFileSync } from 'node:fs';
process.on('exit', () => {
  const status = readFileSync('/proc/self/status', 'utf8');
  writeFileSync(${JSON.stringify(hwmFile)}, /VmHWM:\\s+(\\d+) kB/.exec(status)?.[1] ?? '');
});
`,
  );
  const started = Date.now();
  const child = spawn(
    process.execPath,
    ['--import', pathToFileURL(preload).href, CLI, ...args],
    { cwd: dir, stdio: 'pipe' },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const [code] = (await once(child, 'close')) as [number | null];
  const kb = Number(await readFile(hwmFile, 'utf8'));
  return {
    code,
    stdout,
    stderr,
    peakRssMb: kb / 1024,
    durationMs: Date.now() - started,
  };
}

beforeAll(async () => {
  if (SKIP) {
    return;
  }
  if (!existsSync(CLI)) {
    throw new Error(
      `${CLI} is missing: run "npm run build" first (npm test does)`,
    );
  }
  dir = await makeTempDir('large-file-');
  await writeTree(dir, {
    'customer-import.config.yaml': TEST_CONFIG_YAML,
    'formats/big.yaml': FORMAT,
  });
  rows = await writeExport(join(dir, 'big.csv'), TARGET_BYTES);
}, 120_000);

afterAll(async () => {
  if (dir !== '') {
    await rm(dir, { recursive: true, force: true });
  }
});

describe.skipIf(SKIP)(
  'a large export through the compiled CLI in a child process',
  () => {
    it(`imports a ~300 MB file with a peak RSS under ${MAX_PEAK_RSS_MB} MB`, async () => {
      const size = (await stat(join(dir, 'big.csv'))).size;
      expect(size).toBeGreaterThanOrEqual(TARGET_BYTES);
      const result = await runChild([
        'import',
        'big.csv',
        '--format',
        'big',
        '--json',
        '--no-progress',
      ]);
      expect(result.code, result.stderr).toBe(0);
      const json = JSON.parse(result.stdout) as {
        outcome: string;
        read: number;
        inserted: number;
        skipped: number;
      };
      expect(json).toMatchObject({
        outcome: 'imported',
        read: rows,
        inserted: rows,
        skipped: 0,
      });
      console.info(
        `large-file test: ${rows} rows, ${Math.round(size / 2 ** 20)} MB, peak RSS ${Math.round(result.peakRssMb)} MB, ${result.durationMs} ms`,
      );
      // The file is ~300 MB; holding it (or its rows, or one entry per key in a Map) would show here.
      expect(result.peakRssMb).toBeGreaterThan(10);
      expect(
        result.peakRssMb,
        `peak RSS ${Math.round(result.peakRssMb)} MB for ${Math.round(size / 2 ** 20)} MB`,
      ).toBeLessThan(MAX_PEAK_RSS_MB);
    }, 240_000);

    it('stops a single 50 MB line at the record limit, with exit code 1 and flat memory', async () => {
      const line = `Nr;Name\nK1;${'x'.repeat(50 * 1024 * 1024)}\n`;
      await writeFile(join(dir, 'long.csv'), line);
      const result = await runChild([
        'import',
        'long.csv',
        '--format',
        'big',
        '--json',
        '--no-progress',
      ]);
      expect(result.code).toBe(1);
      const json = JSON.parse(result.stdout) as {
        error: { code: string; message: string } | null;
      };
      expect(json.error?.code).toBe('PARSE_FAILED');
      expect(json.error?.message).toContain("'long.csv'");
      expect(json.error?.message).toContain('line 2');
      expect(result.peakRssMb).toBeLessThan(200);
    }, 60_000);
  },
);
