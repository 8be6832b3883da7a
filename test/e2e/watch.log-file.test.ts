import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createServiceProject,
  erpLines,
  type JsonLogLine,
  type ServiceProject,
} from '../helpers/service-process.js';
import { sleep } from '../helpers/wait-for.js';

/**
 * The service's log file in logs/: one JSON summary line per run with file, counts, duration
 * and status; rotated by size (logging.maxSize) with at most logging.maxFiles files kept.
 */

let project: ServiceProject | undefined;

afterEach(async () => {
  await project?.dispose();
  project = undefined;
});

const RUNS = 8;
const MAX_FILES = 2;

describe('watch process log file', () => {
  it('writes one summary line per run and rotates, keeping maxFiles files', async () => {
    const p = (project = await createServiceProject({
      config: {
        logging: {
          level: 'info',
          dir: './logs',
          file: true,
          maxFiles: MAX_FILES,
          maxSize: '2k',
        },
      },
      job: { pattern: 'customers-*.txt' },
    }));
    const proc = p.start();
    await proc.waitForEvent('service.started');
    const names = Array.from(
      { length: RUNS },
      (_, i) => `customers-${i + 1}.txt`,
    );
    for (const [i, name] of names.entries()) {
      await writeFile(join(p.exchange, name), erpLines(5, i * 10 + 1));
      await sleep(40);
    }
    await proc.waitForEvent('file.archived', undefined, RUNS, 30_000);
    // SIGTERM flushes and closes the log file before the process exits.
    expect(await proc.stop()).toEqual({ code: 0, signal: null });
    expect(
      proc
        .events('file.imported')
        .map((l) => l['file'])
        .sort(),
    ).toEqual([...names].sort());

    const logDir = join(p.root, 'logs');
    const files = (await readdir(logDir))
      .filter((n) => n.endsWith('.log'))
      .sort();
    expect(files).toHaveLength(MAX_FILES);
    // Rotated files are numbered customer-import-<day>.<n>.log; with only the newest kept, the
    // first ones are gone.
    const numbers = files.map((n) =>
      Number(/\.(\d+)\.log$/.exec(n)?.[1] ?? '0'),
    );
    expect(Math.max(...numbers)).toBeGreaterThan(MAX_FILES);

    const lines: JsonLogLine[] = [];
    for (const name of files) {
      for (const raw of (await readFile(join(logDir, name), 'utf8')).split(
        '\n',
      )) {
        if (raw.trim() !== '') {
          lines.push(JSON.parse(raw) as JsonLogLine);
        }
      }
    }
    const summaries = lines.filter((l) => l.event === 'file.imported');
    expect(summaries.length).toBeGreaterThan(0);
    // One line per run: no file is summarised twice, and the last run's line is there.
    const summarised = summaries.map((l) => l['file']);
    expect(new Set(summarised).size).toBe(summarised.length);
    const lastRun = proc.events('file.imported').at(-1)?.['file'];
    expect(summarised).toContain(lastRun);
    for (const line of summaries) {
      expect(line).toMatchObject({
        level: 'info',
        job: 'erp',
        status: 'imported',
        counts: { read: 5, inserted: 5, skipped: 0 },
      });
      expect(typeof line['durationMs']).toBe('number');
      expect(String(line['file'])).toMatch(/^customers-\d\.txt$/);
      expect(typeof line['timestamp']).toBe('string');
    }
  });
});
