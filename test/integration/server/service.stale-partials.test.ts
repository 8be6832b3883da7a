import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createServiceHarness,
  erpLines,
  type ServiceHarness,
} from './service-harness.js';

/**
 * A move across file systems copies into a hidden `.<name>.partial` beside the reserved name
 * (util/move-file.ts); a process killed mid-copy leaves it behind, while the file it copied is
 * still where it was. The next start removes partial copies nobody has written for the job's
 * claim timeout (600 s by default), in processing/, archive/ and failed/, and leaves younger
 * ones (a copy another instance may be making) and everything else alone.
 */

let harness: ServiceHarness | undefined;

afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

/** Writes `folder/name` with `text`, last written `ageMs` ago. */
async function leftover(
  h: ServiceHarness,
  folder: string,
  name: string,
  text: string,
  ageMs: number,
): Promise<void> {
  const dir = join(h.exchange, folder);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, name), text);
  const at = new Date(Date.now() - ageMs);
  await utimes(join(dir, name), at, at);
}

describe('start-up with partial copies left by a killed move', () => {
  it('removes the stale ones in processing/, archive/ and failed/, and nothing else', async () => {
    const h = (harness = await createServiceHarness({ polling: false }));
    const hour = 3600_000;
    const half = erpLines(3).slice(0, 20);
    await leftover(h, 'processing', '.customers.txt.partial', half, hour);
    await leftover(h, 'archive', '.customers_2026.txt.partial', half, hour);
    await leftover(h, 'failed', '.bad_2026.txt.partial', half, hour);
    // A copy another instance is making right now, and files that only look alike.
    await leftover(h, 'archive', '.fresh.txt.partial', half, 60_000);
    await leftover(h, 'archive', 'customers_2025.txt', erpLines(2), hour);
    await leftover(h, 'archive', 'notes.partial', 'x', hour);
    await leftover(h, 'failed', '.partial', 'x', hour);

    await h.start();

    expect(await h.list('processing')).toEqual([]);
    expect(await h.list('archive')).toEqual(
      ['.fresh.txt.partial', 'customers_2025.txt', 'notes.partial'].sort(),
    );
    expect(await h.list('failed')).toEqual(['.partial']);
    const removed = h
      .events('file.recovered', (l) => l.meta['reason'] === 'stale-partial')
      .map((l) => l.meta['removed']);
    expect(removed.sort()).toEqual(
      [
        '.bad_2026.txt.partial',
        '.customers.txt.partial',
        '.customers_2026.txt.partial',
      ].sort(),
    );
  });
});
