import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sleep } from '../../helpers/wait-for.js';
import {
  createServiceHarness,
  erpLines,
  WATCH_MODES,
  type ServiceHarness,
} from './service-harness.js';

/**
 * Ten files dropped in quick succession: all imported, in the order they arrived, one run at a
 * time (the run records never overlap), and the queue shows in the log. Both watch modes.
 */

let harness: ServiceHarness | undefined;

afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

const FILES = 10;
const ROWS = 500;
/** The first drop is big, so the next ones become stable while it imports and wait in the queue. */
const FIRST_ROWS = 30_000;
// Longer than the 50 ms poll interval, so polling mode sees the drops one by one too.
const DROP_GAP_MS = 80;

for (const mode of WATCH_MODES) {
  describe(`service queue (${mode.label})`, () => {
    it('imports ten quickly dropped files in arrival order, one run at a time, and logs the queue', async () => {
      const h = (harness = await createServiceHarness({
        polling: mode.polling,
        pattern: 'customers-*.txt',
      }));
      await h.start();
      const names = Array.from(
        { length: FILES },
        (_, i) => `customers-${String(i + 1).padStart(2, '0')}.txt`,
      );
      // Dropped in an order that is not the alphabetical one, so a sorted listing cannot pass for arrival order.
      const dropOrder = [...names.slice(5), ...names.slice(0, 5)];
      for (const [i, name] of dropOrder.entries()) {
        await writeFile(
          join(h.exchange, name),
          i === 0
            ? erpLines(FIRST_ROWS, 1_000_000)
            : erpLines(ROWS, i * ROWS + 1),
        );
        await sleep(DROP_GAP_MS);
      }

      await h.waitForEvent('file.archived', undefined, FILES, 60_000);
      const runs = await h.runs();
      expect(runs.map((r) => r.status)).toEqual(Array(FILES).fill('succeeded'));
      expect(runs.map((r) => r.file)).toEqual(dropOrder);
      // One run at a time: each run started after the previous one finished.
      for (let i = 1; i < runs.length; i += 1) {
        const previous = runs[i - 1];
        const current = runs[i];
        expect(Date.parse(current?.startedAt ?? '')).toBeGreaterThanOrEqual(
          Date.parse(previous?.finishedAt ?? ''),
        );
      }
      // The queue was logged, and files did wait in it behind a running import.
      const queued = h.events('file.queued');
      // Queued as each became stable (under load two neighbours may settle the other way round);
      // the runs above prove the queue put them back in arrival order.
      expect(queued.map((l) => String(l.meta['file'])).sort()).toEqual(
        [...dropOrder].sort(),
      );
      expect(queued.some((l) => l.meta['running'] === true)).toBe(true);
      expect(await h.store.countCustomers()).toBe(
        FIRST_ROWS + (FILES - 1) * ROWS,
      );
      expect(await h.list('archive')).toHaveLength(FILES);
      expect(await h.list('processing')).toEqual([]);
    });
  });
}
