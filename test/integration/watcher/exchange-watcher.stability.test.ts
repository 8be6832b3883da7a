import { rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  customerLines,
  writeInChunks,
  writeThenRename,
} from '../../helpers/erp-writer.js';
import { NODE_FS_PORT, type FsPort } from '../../../src/util/fs-port.js';
import { sleep, waitFor } from '../../helpers/wait-for.js';
import {
  createHarness,
  STABILITY_MS,
  WATCH_MODES,
  type WatcherHarness,
} from './watcher-harness.js';

for (const mode of WATCH_MODES) {
  describe(`exchange watcher (${mode.label}): stability gate`, () => {
    let h: WatcherHarness | undefined;
    afterEach(async () => {
      await h?.dispose();
      h = undefined;
    });

    it('never emits a file an ERP is still writing, and emits it once with its final size', async () => {
      h = await createHarness(mode.polling);
      await h.watcher.start();
      const path = join(h.folder, 'customers.txt');
      const chunks = customerLines(40).reduce<string[]>((acc, line, i) => {
        acc[Math.floor(i / 5)] = (acc[Math.floor(i / 5)] ?? '') + line;
        return acc;
      }, []);
      const emittedDuringWrite: number[] = [];
      const total = await writeInChunks(path, chunks, {
        pauseMs: STABILITY_MS / 3,
        onChunk: () => emittedDuringWrite.push(h?.emitted.length ?? -1),
      });
      const finishedAt = Date.now();
      expect(emittedDuringWrite.every((n) => n === 0)).toBe(true);
      await waitFor(() => h?.emitted.length === 1, {
        message: 'the file to be emitted',
      });
      const [file] = h.emitted;
      expect(file?.size).toBe(total);
      expect(file?.path).toBe(path);
      expect(file?.name).toBe('customers.txt');
      expect(file?.markerPath).toBeNull();
      expect((file?.at ?? 0) - finishedAt).toBeGreaterThanOrEqual(
        STABILITY_MS - 20,
      );
      // In flight: not emitted again while nobody released it.
      await sleep(STABILITY_MS * 2);
      expect(h.emitted).toHaveLength(1);
      expect(h.logger.events('file.detected')).toHaveLength(1);
      expect(h.logger.events('file.stable')).toHaveLength(1);
    });

    it('emits a file that was renamed into place, ignoring its temp name', async () => {
      h = await createHarness(mode.polling, { patterns: ['*'] });
      await h.watcher.start();
      await writeThenRename(
        join(h.folder, 'customers.txt.tmp'),
        join(h.folder, 'customers.txt'),
        'K1;A\n',
      );
      await waitFor(() => h?.emitted.length === 1, {
        message: 'the renamed file',
      });
      expect(h.emitted[0]?.name).toBe('customers.txt');
      expect(h.emitted[0]?.size).toBe(5);
      await sleep(STABILITY_MS);
      expect(h.emitted).toHaveLength(1);
    });

    it('emits a file found at start-up only after a full window', async () => {
      h = await createHarness(mode.polling);
      await writeFile(join(h.folder, 'customers.txt'), 'K1;A\n');
      const startedAt = Date.now();
      await h.watcher.start();
      expect(h.logger.events('file.detected')).toHaveLength(1);
      await waitFor(() => h?.emitted.length === 1, {
        message: 'the start-up file',
      });
      expect((h.emitted[0]?.at ?? 0) - startedAt).toBeGreaterThanOrEqual(
        STABILITY_MS - 20,
      );
    });

    it('resolves start() only after the first look at a file already there, however slowly the share answers', async () => {
      // A real folder on a slow share: every lstat answers after 300 ms. chokidar's initial
      // 'add' starts the first look; start()'s own listing must wait for that look, not
      // resolve while it is still running.
      const slowShare: FsPort = {
        ...NODE_FS_PORT,
        lstat: async (path) => {
          await sleep(300);
          return NODE_FS_PORT.lstat(path);
        },
      };
      h = await createHarness(mode.polling, {}, slowShare);
      await writeFile(join(h.folder, 'customers.txt'), 'K1;A\n');
      await h.watcher.start();
      expect(h.logger.events('file.detected')).toHaveLength(1);
    });

    it('forgets a file deleted mid-write with a debug line', async () => {
      h = await createHarness(mode.polling);
      await h.watcher.start();
      const path = join(h.folder, 'customers.txt');
      await writeInChunks(path, customerLines(3), { pauseMs: 50 });
      await h.logger.waitFor((l) => l.meta.event === 'file.detected', 5000);
      await unlink(path);
      const vanished = await h.logger.waitFor(
        (l) => l.meta.event === 'file.vanished',
        5000,
      );
      expect(vanished.level).toBe('debug');
      await sleep(STABILITY_MS * 2);
      expect(h.emitted).toHaveLength(0);
    });

    it('restarts the window when the file is replaced by another with the same size', async () => {
      h = await createHarness(mode.polling);
      await h.watcher.start();
      const path = join(h.folder, 'customers.txt');
      await writeFile(path, 'version-1\n');
      await h.logger.waitFor((l) => l.meta.event === 'file.detected', 5000);
      await sleep(STABILITY_MS / 2);
      const replacedAt = Date.now();
      await writeFile(join(h.folder, 'next.part'), 'version-2\n');
      await rename(join(h.folder, 'next.part'), path);
      await waitFor(() => h?.emitted.length === 1, {
        message: 'the replaced file',
      });
      expect((h.emitted[0]?.at ?? 0) - replacedAt).toBeGreaterThanOrEqual(
        STABILITY_MS - 20,
      );
    });

    it('emits an empty file after the window, with size 0 (the consumer sends it to failed/)', async () => {
      h = await createHarness(mode.polling);
      await h.watcher.start();
      await writeFile(join(h.folder, 'customers.txt'), '');
      await waitFor(() => h?.emitted.length === 1, {
        message: 'the empty file',
      });
      expect(h.emitted[0]?.size).toBe(0);
    });

    it('emits nothing after stop()', async () => {
      h = await createHarness(mode.polling);
      await h.watcher.start();
      await writeFile(join(h.folder, 'customers.txt'), 'K1;A\n');
      await h.logger.waitFor((l) => l.meta.event === 'file.detected', 5000);
      await h.watcher.stop();
      await sleep(STABILITY_MS * 2);
      expect(h.emitted).toHaveLength(0);
    });
  });
}
