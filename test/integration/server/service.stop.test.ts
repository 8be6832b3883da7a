import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createServiceHarness,
  erpLines,
  type ServiceHarness,
} from './service-harness.js';

/**
 * Stopping (what SIGINT/SIGTERM do) while a large file imports: by default the run finishes and
 * the file is archived; when the grace period runs out the run rolls back, nothing is written,
 * the file stays claimed in processing/, and the next start imports it exactly once. No new
 * file is taken once stopping began.
 */

let harness: ServiceHarness | undefined;

afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

const ROWS = 120_000;

describe('service stop during an import', () => {
  it('lets the current run finish, archives the file, and takes no new file', async () => {
    const h = (harness = await createServiceHarness({
      polling: false,
      pattern: 'customers*.txt',
    }));
    await h.start();
    await writeFile(join(h.exchange, 'customers.txt'), erpLines(ROWS));
    await h.waitForEvent('file.claimed');

    const stopping = h.service.stop();
    // Dropped after the stop began: it must stay where it is for the next start.
    await writeFile(join(h.exchange, 'customers-2.txt'), erpLines(3, 900_000));
    await stopping;

    expect(h.events('service.stopped')).toHaveLength(1);
    const runs = await h.runs();
    expect(runs.map((r) => [r.status, r.counts.inserted])).toEqual([
      ['succeeded', ROWS],
    ]);
    expect(await h.store.countCustomers()).toBe(ROWS);
    expect(await h.list('archive')).toHaveLength(1);
    expect(await h.list('processing')).toEqual([]);
    expect(await h.list('.')).toContain('customers-2.txt');
  });

  it('rolls the run back when the grace period runs out; the next start imports the file exactly once', async () => {
    const h = (harness = await createServiceHarness({ polling: false }));
    await h.start();
    await writeFile(join(h.exchange, 'customers.txt'), erpLines(ROWS));
    await h.waitForEvent('file.claimed');

    await h.service.stop(50);
    // Rolled back: not one row of the interrupted run is in the store.
    expect(await h.store.countCustomers()).toBe(0);
    const interrupted = await h.runs();
    expect(interrupted).toHaveLength(1);
    expect(interrupted[0]?.status).not.toBe('succeeded');
    expect(await h.list('processing')).toHaveLength(1);
    expect(await h.list('archive')).toEqual([]);

    await h.restart();
    await h.waitForEvent('file.recovered');
    await h.waitForEvent('file.archived');
    const runs = await h.runs();
    expect(
      runs
        .filter((r) => r.status === 'succeeded')
        .map((r) => r.counts.inserted),
    ).toEqual([ROWS]);
    expect(runs[1]?.sha256).toBe(runs[0]?.sha256);
    expect(await h.store.countCustomers()).toBe(ROWS);
    expect(await h.list('processing')).toEqual([]);
    expect(await h.list('archive')).toHaveLength(1);
  });
});
