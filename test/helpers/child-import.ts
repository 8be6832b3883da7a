import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect } from 'vitest';

/**
 * Imports a file through the compiled library's processFile (dist/, built by `npm test`) in a
 * child process of its own, with V8's heap growing as the CLI sets it, into a new SQLite store,
 * and gives the outcome's counts and the child's peak RSS: for tests that memory stays flat as
 * a file grows. Temporary files go to a folder of their own, which must be empty afterwards.
 */

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DIST_INDEX = join(REPO, 'dist', 'index.js');

/** Imports one file through processFile and prints the outcome's counts and the peak RSS. */
const CHILD = `
const [distUrl, csv, db, tempDir, formatJson, maxMemoryKeys, maxMemoryIssues] = process.argv.slice(2);
const lib = await import(distUrl);
const format = lib.FormatDefinitionSchema.parse(JSON.parse(formatJson));
const store = await lib.createStore(
  { type: 'sqlite', path: db, busyTimeoutMs: 2000 },
  { logger: lib.NULL_LOGGER },
);
const outcome = await lib.processFile(
  { path: csv, displayName: 'export.csv', format, mode: 'update', job: null },
  {
    store,
    logger: lib.NULL_LOGGER,
    parserFor: lib.parserFactory({ excel: { maxHeapMb: 64, timeoutSeconds: 10, maxFileBytes: 1 } }),
    instance: 'test',
    batchSize: 250,
    maxFileBytes: 2 ** 40,
    defaultTimeZone: 'UTC',
    keyIndex: { tempDir, ...(maxMemoryKeys === '' ? {} : { maxMemoryKeys: Number(maxMemoryKeys) }) },
    issueLog: { tempDir, ...(maxMemoryIssues === '' ? {} : { maxMemoryIssues: Number(maxMemoryIssues) }) },
  },
);
const issues = outcome.issues.length;
lib.releaseOutcome(outcome);
await store.close();
// maxRSS: the kernel's high-water mark of this process's resident set, in KiB.
process.stdout.write(JSON.stringify({
  status: outcome.status,
  read: outcome.counts.read,
  inserted: outcome.counts.inserted,
  warnings: outcome.counts.warnings,
  issues,
  peakRssKb: process.resourceUsage().maxRSS,
}));
`;

export interface ChildImportResult {
  status: string;
  read: number;
  inserted: number;
  warnings: number;
  issues: number;
  peakRssKb: number;
}

export interface ChildImportOptions {
  /** A format definition as written in `formats/` (parsed by the child). */
  format: Record<string, unknown>;
  maxMemoryKeys?: number;
  maxMemoryIssues?: number;
}

/** Throws unless dist/ is built (`npm test` builds it before vitest runs). */
export function requireDist(): void {
  if (!existsSync(DIST_INDEX)) {
    throw new Error(
      `${DIST_INDEX} is missing: run "npm run build" first (npm test does)`,
    );
  }
}

/** Imports `dir/csv` in a child process; see the module comment. */
export async function importInChild(
  dir: string,
  csv: string,
  options: ChildImportOptions,
): Promise<ChildImportResult> {
  const script = join(dir, 'child-import.mjs');
  if (!existsSync(script)) {
    await writeFile(script, CHILD);
  }
  const tempDir = join(dir, `tmp-${csv}`);
  await mkdir(tempDir);
  const child = spawn(
    process.execPath,
    [
      // As the CLI runs (src/cli/main.ts): without it, V8 sizes the heaps of the pipeline and
      // its parse thread by their own rules, which swings the peaks by more than the data do.
      '--heap-growing-percent=50',
      script,
      pathToFileURL(DIST_INDEX).href,
      join(dir, csv),
      join(dir, `${csv}.db`),
      tempDir,
      JSON.stringify(options.format),
      options.maxMemoryKeys === undefined ? '' : String(options.maxMemoryKeys),
      options.maxMemoryIssues === undefined
        ? ''
        : String(options.maxMemoryIssues),
    ],
    { cwd: dir, stdio: 'pipe' },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const [code] = (await once(child, 'close')) as [number | null];
  expect(code, stderr).toBe(0);
  // The run's temporary files (key index, row issues) are gone with it.
  expect(readdirSync(tempDir)).toEqual([]);
  return JSON.parse(stdout) as ChildImportResult;
}

/**
 * The flat-memory check of the N / 4N tests: prints both peaks (`what` names the runs, e.g.
 * "keys") and expects the 4N run's peak within `maxGrowthMb` of the N run's, which must have
 * measured something (over 10 MB).
 */
export function expectFlatPeak(
  test: string,
  what: { small: string; large: string },
  small: ChildImportResult,
  large: ChildImportResult,
  maxGrowthMb: number,
): void {
  const growthMb = (large.peakRssKb - small.peakRssKb) / 1024;
  console.info(
    `${test}: peak RSS ${Math.round(small.peakRssKb / 1024)} MB for ${what.small}, ` +
      `${Math.round(large.peakRssKb / 1024)} MB for ${what.large}`,
  );
  expect(small.peakRssKb).toBeGreaterThan(10 * 1024);
  expect(growthMb).toBeLessThan(maxGrowthMb);
}
