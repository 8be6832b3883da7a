import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NULL_LOGGER } from '../../src/logging/logger.js';
import { createStore } from '../../src/store/create-store.js';
import {
  createServiceProject,
  erpLines,
  type ServiceProject,
} from '../helpers/service-process.js';

/**
 * The watch process and its exit: SIGTERM lets the file being imported finish and exits 0;
 * `watch --once` imports what is in the folder and exits 0 on its own.
 */

let project: ServiceProject | undefined;

afterEach(async () => {
  await project?.dispose();
  project = undefined;
});

async function storeSummary(
  root: string,
): Promise<{ customers: number; runs: [string, number][] }> {
  const store = await createStore(
    {
      type: 'sqlite',
      path: join(root, 'data', 'customers.db'),
      busyTimeoutMs: 5000,
    },
    { logger: NULL_LOGGER },
  );
  try {
    const runs = (await store.listRuns({ limit: 20 })).sort(
      (a, b) => a.id - b.id,
    );
    return {
      customers: await store.countCustomers(),
      runs: runs.map((r) => [r.status, r.counts.inserted]),
    };
  } finally {
    await store.close();
  }
}

describe('watch process exit', () => {
  it('finishes the current file on SIGTERM and exits 0', async () => {
    const rows = 100_000;
    const p = (project = await createServiceProject());
    const proc = p.start();
    await proc.waitForEvent('service.started');
    await writeFile(join(p.exchange, 'customers.txt'), erpLines(rows));
    await proc.waitForEvent('file.claimed', undefined, 1, 20_000);

    proc.kill('SIGTERM');
    expect(await proc.exited).toEqual({ code: 0, signal: null });
    // Stopping was logged, and the run went on to the end instead of being cut off.
    expect(proc.events('service.stopping')).toHaveLength(1);
    expect(proc.events('file.imported')).toHaveLength(1);
    expect(proc.events('service.stopped')).toHaveLength(1);
    expect(await storeSummary(p.root)).toEqual({
      customers: rows,
      runs: [['succeeded', rows]],
    });
    expect(await readdir(join(p.exchange, 'archive'))).toHaveLength(1);
    expect(await readdir(join(p.exchange, 'processing'))).toEqual([]);
  });

  it('imports what is in the folder with --once and exits 0', async () => {
    const p = (project = await createServiceProject({
      job: { pattern: 'customers-*.txt' },
    }));
    await writeFile(join(p.exchange, 'customers-1.txt'), erpLines(10));
    await writeFile(join(p.exchange, 'customers-2.txt'), erpLines(5, 100));
    await writeFile(join(p.exchange, 'notes.txt'), 'not ours\n');

    const proc = p.start({ args: ['--once'] });
    expect(await proc.exited).toEqual({ code: 0, signal: null });
    expect(proc.events('file.archived')).toHaveLength(2);
    // Both files were there before the start, so either may pass its window first.
    const summary = await storeSummary(p.root);
    expect(summary.customers).toBe(15);
    expect([...summary.runs].sort((a, b) => b[1] - a[1])).toEqual([
      ['succeeded', 10],
      ['succeeded', 5],
    ]);
    expect((await readdir(p.exchange)).sort()).toEqual([
      'archive',
      'notes.txt',
      'processing',
    ]);
  });
});
