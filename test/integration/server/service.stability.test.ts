import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeInChunks, writeThenRename } from '../../helpers/erp-writer.js';
import {
  createServiceHarness,
  erpLines,
  TEST_STABILITY_SECONDS,
  WATCH_MODES,
  type ServiceHarness,
} from './service-harness.js';

/**
 * The service picks up what the ERP drops, and never a half-written file: a slow chunked
 * writer, a temp file renamed into place, and a file already there at start-up, in event and
 * polling mode. Every case checks the run in the store and where the file ended up.
 */

let harness: ServiceHarness | undefined;

afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

for (const mode of WATCH_MODES) {
  describe(`service stability gate (${mode.label})`, () => {
    it('never reads a file an ERP is still writing in chunks, and imports all of it after the window', async () => {
      const h = (harness = await createServiceHarness({
        polling: mode.polling,
      }));
      await h.start();
      const content = erpLines(600);
      // Cut at odd byte offsets, mid-line: a read before the last chunk would lose or break rows.
      const chunks: string[] = [];
      for (let at = 0; at < content.length; at += 3001) {
        chunks.push(content.slice(at, at + 3001));
      }
      expect(chunks.length).toBeGreaterThanOrEqual(5);
      const claimedAt = h.waitForEvent('file.claimed').then(() => Date.now());
      const seenEarly: number[] = [];
      // Pauses of a third of the window (margin for a busy machine): each write restarts it, so
      // nothing may be claimed meanwhile.
      await writeInChunks(join(h.exchange, 'customers.txt'), chunks, {
        pauseMs: (TEST_STABILITY_SECONDS * 1000) / 3,
        onChunk: () =>
          seenEarly.push(
            h.events('file.stable').length + h.events('file.claimed').length,
          ),
      });
      const lastWriteAt = Date.now();

      await h.waitForEvent('file.archived');
      expect(seenEarly.every((n) => n === 0)).toBe(true);
      expect(await claimedAt).toBeGreaterThanOrEqual(
        lastWriteAt + TEST_STABILITY_SECONDS * 1000 - 20,
      );
      const runs = await h.runs();
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({
        status: 'succeeded',
        file: 'customers.txt',
        counts: { read: 600, inserted: 600, skipped: 0 },
      });
      expect(await h.store.countCustomers()).toBe(600);
      expect(await h.list('archive')).toHaveLength(1);
      expect(await h.list('.')).not.toContain('customers.txt');
    });

    it('imports a file written under a temp name and renamed into place', async () => {
      const h = (harness = await createServiceHarness({
        polling: mode.polling,
      }));
      await h.start();
      await writeThenRename(
        join(h.exchange, 'customers.tmp'),
        join(h.exchange, 'customers.txt'),
        erpLines(20),
      );

      const archived = await h.waitForEvent('file.archived');
      expect(archived.meta['folder']).toBe('archive');
      const runs = await h.runs();
      expect(runs.map((r) => [r.file, r.status, r.counts.inserted])).toEqual([
        ['customers.txt', 'succeeded', 20],
      ]);
      // The temp name was never taken for a customers file.
      expect(h.events('file.detected').map((l) => l.meta['file'])).toEqual([
        'customers.txt',
      ]);
      expect(await h.list('.')).toEqual([
        'README.txt',
        'archive',
        'processing',
      ]);
    });

    it('imports a file that was already in the folder when the service started', async () => {
      const h = (harness = await createServiceHarness({
        polling: mode.polling,
        before: { 'customers.txt': erpLines(7) },
      }));
      await h.start();

      await h.waitForEvent('file.archived');
      const runs = await h.runs();
      expect(runs.map((r) => [r.status, r.counts.inserted])).toEqual([
        ['succeeded', 7],
      ]);
      expect(await h.list('archive')).toEqual([
        expect.stringMatching(/customers.*\.txt$/),
      ]);
      // The README in the same folder does not match the pattern and is left alone.
      expect(await h.list('.')).toContain('README.txt');
    });
  });
}
