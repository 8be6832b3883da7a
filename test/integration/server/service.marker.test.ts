import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sleep } from '../../helpers/wait-for.js';
import {
  createServiceHarness,
  erpLines,
  TEST_STABILITY_SECONDS,
  WATCH_MODES,
  type ServiceHarness,
} from './service-harness.js';

/**
 * Marker mode: customers.txt is imported only once customers.txt.done exists, and the marker
 * goes away with the claim, so a marker the ERP writes for its next drop (while the previous
 * file still imports) is not deleted by mistake. Both watch modes.
 */

let harness: ServiceHarness | undefined;

afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

const MARKER = { enabled: true, suffix: '.done' };

for (const mode of WATCH_MODES) {
  describe(`service marker mode (${mode.label})`, () => {
    it('waits for customers.txt.done before claiming, and removes the marker with the claim', async () => {
      const h = (harness = await createServiceHarness({
        polling: mode.polling,
        marker: MARKER,
      }));
      await h.start();
      await writeFile(join(h.exchange, 'customers.txt'), erpLines(5));
      // Three windows without a marker: stable, but not taken.
      await sleep(TEST_STABILITY_SECONDS * 3000);
      expect(h.events('file.claimed')).toEqual([]);
      expect(await h.list('.')).toContain('customers.txt');

      await writeFile(join(h.exchange, 'customers.txt.done'), '');
      await h.waitForEvent('file.claimed');
      // Removed right after the claim, before the run is over.
      expect(existsSync(join(h.exchange, 'customers.txt.done'))).toBe(false);
      await h.waitForEvent('file.archived');
      expect(
        (await h.runs()).map((r) => [r.status, r.counts.inserted]),
      ).toEqual([['succeeded', 5]]);
      expect(await h.list('.')).toEqual([
        'README.txt',
        'archive',
        'processing',
      ]);
    });

    it('does not delete the marker of the next drop written while the previous file imports', async () => {
      // A window longer than run 1 takes, even on a loaded machine: the next drop's window is still open when run 1 ends,
      // which is when the old code deleted "the" marker (by then the next drop's).
      const h = (harness = await createServiceHarness({
        polling: mode.polling,
        marker: MARKER,
        stabilitySeconds: 4,
      }));
      await h.start();
      await writeFile(join(h.exchange, 'customers.txt'), erpLines(40_000));
      await writeFile(join(h.exchange, 'customers.txt.done'), '');
      await h.waitForEvent('file.claimed');

      // The ERP's next drop, data first and then its marker, while run 1 is still going.
      await writeFile(join(h.exchange, 'customers.txt'), erpLines(10, 500_000));
      await writeFile(join(h.exchange, 'customers.txt.done'), '');
      expect(h.events('file.imported')).toEqual([]);
      await h.waitForEvent('file.imported');
      expect(h.events('file.claimed')).toHaveLength(1);
      expect(existsSync(join(h.exchange, 'customers.txt.done'))).toBe(true);

      await h.waitForEvent('file.archived', undefined, 2);
      const runs = await h.runs();
      expect(runs.map((r) => [r.status, r.counts.inserted])).toEqual([
        ['succeeded', 40_000],
        ['succeeded', 10],
      ]);
      expect(existsSync(join(h.exchange, 'customers.txt.done'))).toBe(false);
    });
  });
}
