import { readdir, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { claimFile } from '../../../src/watcher/claim.js';
import { sleep, waitFor } from '../../helpers/wait-for.js';
import {
  createHarness,
  STABILITY_MS,
  WATCH_MODES,
  type WatcherHarness,
} from './watcher-harness.js';

for (const mode of WATCH_MODES) {
  describe(`exchange watcher (${mode.label}): in flight, release, marker files`, () => {
    let h: WatcherHarness | undefined;
    afterEach(async () => {
      await h?.dispose();
      h = undefined;
    });

    it('after claim and release, the ERP’s next drop at the same path is emitted again from scratch', async () => {
      h = await createHarness(mode.polling);
      await h.watcher.start();
      const path = join(h.folder, 'customers.txt');
      await writeFile(path, 'first export\n');
      await h.logger.waitFor((l) => l.meta.event === 'file.detected', 5000);
      expect(h.watcher.pendingCount()).toBe(1);
      await waitFor(() => h?.emitted.length === 1, {
        message: 'the first drop',
      });
      // In flight: the consumer's now, no longer pending in the watcher.
      expect(h.watcher.pendingCount()).toBe(0);
      const first = h.emitted[0]!;
      const claimed = await claimFile(first, join(h.folder, 'processing'));
      // The ERP drops the next export while the first is still being imported (in flight).
      await writeFile(path, 'second export, longer\n');
      await sleep(STABILITY_MS * 2);
      expect(h.emitted).toHaveLength(1);
      const releasedAt = Date.now();
      h.watcher.release(first.path);
      await waitFor(() => h?.emitted.length === 2, {
        message: 'the second drop',
      });
      expect(h.emitted[1]?.size).toBe('second export, longer\n'.length);
      expect((h.emitted[1]?.at ?? 0) - releasedAt).toBeGreaterThanOrEqual(
        STABILITY_MS - 20,
      );
      expect(await readdir(join(h.folder, 'processing'))).toEqual([
        claimed.name,
      ]);
    });

    it('a drop after a release with an empty path is picked up by its events', async () => {
      h = await createHarness(mode.polling);
      await h.watcher.start();
      const path = join(h.folder, 'customers.txt');
      await writeFile(path, 'one\n');
      await waitFor(() => h?.emitted.length === 1, {
        message: 'the first drop',
      });
      await claimFile(h.emitted[0]!, join(h.folder, 'processing'));
      h.watcher.release(path);
      await sleep(STABILITY_MS);
      await writeFile(path, 'two\n');
      await waitFor(() => h?.emitted.length === 2, {
        message: 'the next drop',
      });
    });

    it('release with retryInMs waits before looking again (back-off after FILE_BUSY)', async () => {
      h = await createHarness(mode.polling);
      await h.watcher.start();
      await writeFile(join(h.folder, 'customers.txt'), 'busy one\n');
      await waitFor(() => h?.emitted.length === 1, {
        message: 'the first emission',
      });
      const releasedAt = Date.now();
      h.watcher.release(h.emitted[0]!.path, { retryInMs: 400 });
      expect(h.watcher.pendingCount()).toBe(1);
      await waitFor(() => h?.emitted.length === 2, {
        message: 'the retried emission',
      });
      expect((h.emitted[1]?.at ?? 0) - releasedAt).toBeGreaterThanOrEqual(
        400 + STABILITY_MS - 20,
      );
    });

    it('a handler that throws is logged and the file is looked at again, without crashing', async () => {
      h = await createHarness(mode.polling);
      let calls = 0;
      const { createExchangeWatcher } =
        await import('../../../src/watcher/exchange-watcher.js');
      const watcher = createExchangeWatcher(
        {
          folder: h.folder,
          patterns: 'customers.txt',
          stabilityMs: STABILITY_MS,
          polling: mode.polling,
          pollIntervalMs: 50,
          rescanIntervalMs: 0,
          onStable: () => {
            calls += 1;
            if (calls === 1) {
              throw new Error('consumer bug');
            }
          },
        },
        { logger: h.logger },
      );
      try {
        await watcher.start();
        await writeFile(join(h.folder, 'customers.txt'), 'x\n');
        await waitFor(() => calls === 2, { message: 'the second call' });
        expect(h.logger.events('internal.error')).toHaveLength(1);
      } finally {
        await watcher.stop();
      }
    });

    it('marker mode: a stable file waits for <name>.done, and the marker is not a data file', async () => {
      h = await createHarness(mode.polling, {
        patterns: ['customers*'],
        marker: { enabled: true, suffix: '.done' },
      });
      await h.watcher.start();
      await writeFile(join(h.folder, 'customers.txt'), 'K1;A\n');
      await sleep(STABILITY_MS * 3);
      expect(h.emitted).toHaveLength(0);
      await writeFile(join(h.folder, 'customers.txt.done'), '');
      await waitFor(() => h?.emitted.length === 1, {
        message: 'the file with its marker',
      });
      expect(h.emitted[0]?.name).toBe('customers.txt');
      expect(h.emitted[0]?.markerPath).toBe(
        join(h.folder, 'customers.txt.done'),
      );
      await sleep(STABILITY_MS);
      expect(h.emitted).toHaveLength(1);
      // The consumer removes the marker after the run; the next drop waits for a new one.
      await claimFile(h.emitted[0]!, join(h.folder, 'processing'));
      await unlink(h.emitted[0]!.markerPath!);
      h.watcher.release(h.emitted[0]!.path);
      await writeFile(join(h.folder, 'customers.txt'), 'K2;B\n');
      await sleep(STABILITY_MS * 3);
      expect(h.emitted).toHaveLength(1);
      await writeFile(join(h.folder, 'customers.txt.done'), '');
      await waitFor(() => h?.emitted.length === 2, {
        message: 'the second file with its marker',
      });
    });

    it('marker mode: a marker older than the data file (the previous drop’s) does not release it', async () => {
      h = await createHarness(mode.polling, {
        patterns: ['customers.txt'],
        marker: { enabled: true, suffix: '.done' },
      });
      const marker = join(h.folder, 'customers.txt.done');
      await writeFile(marker, '');
      const past = new Date(Date.now() - 60_000);
      await utimes(marker, past, past);
      await h.watcher.start();
      await writeFile(join(h.folder, 'customers.txt'), 'K1;A\n');
      await sleep(STABILITY_MS * 3);
      expect(h.emitted).toHaveLength(0);
      const now = new Date();
      await utimes(marker, now, now);
      await waitFor(() => h?.emitted.length === 1, {
        message: 'the file with a fresh marker',
      });
    });

    it('marker mode with a fixed marker name', async () => {
      h = await createHarness(mode.polling, {
        patterns: ['customers.txt'],
        marker: { enabled: true, suffix: '.done', name: 'export.ready' },
      });
      await h.watcher.start();
      await writeFile(join(h.folder, 'customers.txt'), 'K1;A\n');
      await sleep(STABILITY_MS * 2);
      expect(h.emitted).toHaveLength(0);
      await writeFile(join(h.folder, 'export.ready'), '');
      await waitFor(() => h?.emitted.length === 1, {
        message: 'the file with the fixed marker',
      });
      expect(h.emitted[0]?.markerPath).toBe(join(h.folder, 'export.ready'));
    });
  });
}
