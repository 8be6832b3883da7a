import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { claimedName } from '../../../src/watcher/claim.js';
import {
  createServiceHarness,
  erpLines,
  type ServiceHarness,
} from './service-harness.js';

/**
 * A claim reserves its processing/ name with an empty file, then renames the dropped file over
 * it. A process killed between the two leaves the empty reservation, and the dropped file where
 * it was (or another instance claims and imports it meanwhile). The next start, or the instance
 * that takes the stale claim over, must not report the reservation as an empty file in failed/
 * (which the multi-instance test saw when one instance was killed mid-claim). An empty file that
 * really was dropped and claimed is still a failed empty drop.
 */

let harness: ServiceHarness | undefined;

afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

const CLAIMED_AT = Date.parse('2026-11-30T08:00:00.000Z');

/** An empty file in processing/ under the name of a claim at CLAIMED_AT, with this mtime. */
async function emptyClaim(h: ServiceHarness, mtimeMs: number): Promise<string> {
  const processing = join(h.exchange, 'processing');
  await mkdir(processing, { recursive: true });
  const name = claimedName('customers.txt', CLAIMED_AT);
  await writeFile(join(processing, name), '');
  const at = new Date(mtimeMs);
  await utimes(join(processing, name), at, at);
  return name;
}

function unfinished(h: ServiceHarness, name: string): unknown[] {
  return h.events(
    'file.recovered',
    (l) =>
      l.meta['reason'] === 'unfinished-claim' &&
      l.meta['previousClaim'] === name,
  );
}

describe('a claim that never finished', () => {
  it('removes the reservation and imports the dropped file once, with nothing in failed/', async () => {
    const h = (harness = await createServiceHarness({
      polling: false,
      before: { 'customers.txt': erpLines(5) },
    }));
    // Written by the claim: at the second its name gives, or later.
    const reservation = await emptyClaim(h, CLAIMED_AT + 300);

    await h.start();
    await h.waitForEvent('file.archived');

    expect(unfinished(h, reservation)).toHaveLength(1);
    expect(await h.list('failed')).toEqual([]);
    expect(await h.list('processing')).toEqual([]);
    expect(await h.list('archive')).toHaveLength(1);
    const runs = await h.runs();
    expect(runs.map((r) => [r.status, r.counts.inserted])).toEqual([
      ['succeeded', 5],
    ]);
  });

  it('removes a reservation whose dropped file another instance imported already', async () => {
    const h = (harness = await createServiceHarness({ polling: false }));
    const reservation = await emptyClaim(h, CLAIMED_AT + 300);

    await h.start();
    await h.waitForEvent('file.recovered', (l) =>
      unfinished(h, reservation).includes(l),
    );

    expect(await h.list('processing')).toEqual([]);
    expect(await h.list('failed')).toEqual([]);
    expect(await h.runs()).toEqual([]);
  });

  it('removes an empty claim whose dropped name is back in the folder, whatever its mtime', async () => {
    const h = (harness = await createServiceHarness({
      polling: false,
      before: { 'customers.txt': erpLines(3) },
    }));
    const reservation = await emptyClaim(h, CLAIMED_AT - 30_000);

    await h.start();
    await h.waitForEvent('file.archived');

    expect(unfinished(h, reservation)).toHaveLength(1);
    expect(await h.list('failed')).toEqual([]);
    expect((await h.runs()).map((r) => r.status)).toEqual(['succeeded']);
  });

  it('still fails an empty file that was dropped and claimed', async () => {
    const h = (harness = await createServiceHarness({ polling: false }));
    // Renamed into processing/, a dropped file keeps its mtime, which is before its claim.
    const claimed = await emptyClaim(h, CLAIMED_AT - 30_000);

    await h.start();
    await h.waitForEvent('file.failed');

    expect(unfinished(h, claimed)).toEqual([]);
    const failed = await h.list('failed');
    expect(failed.filter((n) => !n.endsWith('.error.txt'))).toHaveLength(1);
    expect(await h.list('processing')).toEqual([]);
    expect((await h.runs()).map((r) => r.error?.code)).toEqual(['FILE_EMPTY']);
  });
});
