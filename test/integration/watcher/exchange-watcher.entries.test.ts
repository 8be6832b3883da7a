import { execFileSync } from 'node:child_process';
import { lstat, mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NODE_FS_PORT, type FsPort } from '../../../src/util/fs-port.js';
import { sleep, waitFor } from '../../helpers/wait-for.js';
import {
  createHarness,
  STABILITY_MS,
  WATCH_MODES,
  type WatcherHarness,
} from './watcher-harness.js';

for (const mode of WATCH_MODES) {
  describe(`exchange watcher (${mode.label}): what is left alone`, () => {
    let h: WatcherHarness | undefined;
    afterEach(async () => {
      await h?.dispose();
      h = undefined;
    });

    it('ignores temporary and lock files, even with a catch-all pattern', async () => {
      h = await createHarness(mode.polling, { patterns: ['*'] });
      await h.watcher.start();
      for (const name of [
        'customers.txt.tmp',
        'customers.txt.part',
        '~$customers.xlsx',
        '.~lock.customers.xlsx#',
      ]) {
        await writeFile(join(h.folder, name), 'partial');
      }
      await writeFile(join(h.folder, 'customers.txt'), 'K1;A\n');
      await waitFor(() => h?.emitted.length === 1, {
        message: 'the real file',
      });
      await sleep(STABILITY_MS * 2);
      expect(h.emitted.map((f) => f.name)).toEqual(['customers.txt']);
      expect(h.logger.events('file.detected').map((l) => l.meta.file)).toEqual([
        'customers.txt',
      ]);
    });

    it('does not emit names that do not match the pattern', async () => {
      h = await createHarness(mode.polling, { patterns: ['customers.txt'] });
      await h.watcher.start();
      await writeFile(join(h.folder, 'orders.txt'), 'x');
      await writeFile(join(h.folder, 'CUSTOMERS.TXT'), 'K1;A\n');
      await waitFor(() => h?.emitted.length === 1, {
        message: 'the matching file',
      });
      await sleep(STABILITY_MS);
      expect(h.emitted.map((f) => f.name)).toEqual(['CUSTOMERS.TXT']);
    });

    it.each(['found at start-up', 'dropped while watching'])(
      'never follows, emits or moves a symlink, FIFO or directory under the watched name (%s)',
      async (when) => {
        h = await createHarness(mode.polling, {
          patterns: ['*.txt'],
          rescanIntervalMs: 200,
        });
        const outside = join(h.folder, 'outside');
        await mkdir(outside);
        await writeFile(join(outside, 'secret.csv'), 'not for import');
        const create = async (): Promise<void> => {
          await symlink(
            join(outside, 'secret.csv'),
            join(h!.folder, 'link.txt'),
          );
          execFileSync('mkfifo', [join(h!.folder, 'pipe.txt')]);
          await mkdir(join(h!.folder, 'dir.txt'));
        };
        if (when === 'found at start-up') {
          await create();
          await h.watcher.start();
        } else {
          await h.watcher.start();
          await create();
        }
        await waitFor(
          () => (h?.logger.events('file.ignored').length ?? 0) >= 3,
          { message: 'three file.ignored warnings' },
        );
        const ignored = h.logger.events('file.ignored');
        expect(ignored.every((l) => l.level === 'warn')).toBe(true);
        expect(
          Object.fromEntries(ignored.map((l) => [l.meta.file, l.meta.kind])),
        ).toEqual({
          'link.txt': 'symlink',
          'pipe.txt': 'fifo',
          'dir.txt': 'directory',
        });
        await sleep(STABILITY_MS * 2);
        expect(h.emitted).toHaveLength(0);
        // Warned once each, not at every poll or rescan.
        expect(h.logger.events('file.ignored')).toHaveLength(3);
        expect((await lstat(join(h.folder, 'link.txt'))).isSymbolicLink()).toBe(
          true,
        );
        expect((await lstat(join(h.folder, 'pipe.txt'))).isFIFO()).toBe(true);
        expect((await lstat(join(h.folder, 'dir.txt'))).isDirectory()).toBe(
          true,
        );
        expect((await readdir(h.folder)).sort()).toEqual([
          'dir.txt',
          'link.txt',
          'outside',
          'pipe.txt',
        ]);
      },
    );

    it('skips its own processing/archive/failed folders silently, even with a catch-all pattern', async () => {
      h = await createHarness(mode.polling, { patterns: ['*'] });
      for (const dir of ['processing', 'archive', 'failed']) {
        await mkdir(join(h.folder, dir));
        await writeFile(join(h.folder, dir, 'customers.txt'), 'x');
      }
      await h.watcher.start();
      await sleep(STABILITY_MS * 2);
      expect(h.emitted).toHaveLength(0);
      expect(h.logger.events('file.ignored')).toHaveLength(0);
    });

    it('treats a file it may not stat yet as not ready, and retries with back-off until it can', async () => {
      let denials = 3;
      const fs: FsPort = {
        ...NODE_FS_PORT,
        lstat: async (path: string) => {
          if (path.endsWith('customers.txt') && denials > 0) {
            denials -= 1;
            throw Object.assign(
              new Error(`EACCES: simulated, lstat '${path}'`),
              { code: 'EACCES' },
            );
          }
          return NODE_FS_PORT.lstat(path);
        },
      };
      h = await createHarness(mode.polling, {}, fs);
      await h.watcher.start();
      await writeFile(join(h.folder, 'customers.txt'), 'K1;A\n');
      await waitFor(() => h?.emitted.length === 1, {
        message: 'the file after the denials',
      });
      const notReady = h.logger.events('file.not-ready');
      expect(notReady.map((l) => l.meta.attempt)).toEqual([1, 2, 3]);
      expect(
        notReady.every((l) => l.level === 'warn' && l.meta.code === 'EACCES'),
      ).toBe(true);
      const delays = notReady.map((l) => l.meta.retryInMs as number);
      expect(delays[1]).toBeGreaterThan(delays[0] ?? Infinity);
      expect(delays[2]).toBeGreaterThan(delays[1] ?? Infinity);
    });

    it('survives an error event on the underlying watcher and keeps working', async () => {
      h = await createHarness(mode.polling);
      await h.watcher.start();
      const fsWatcher = h.watcher.fsWatcher;
      expect(fsWatcher).not.toBeNull();
      // Without our listener this emit would throw (an unhandled 'error' event).
      expect(() =>
        fsWatcher?.emit(
          'error',
          Object.assign(new Error('EMFILE: too many open files'), {
            code: 'EMFILE',
          }),
        ),
      ).not.toThrow();
      const logged = h.logger.events('watcher.error');
      expect(logged).toHaveLength(1);
      expect(logged[0]?.level).toBe('error');
      expect(logged[0]?.meta.code).toBe('EMFILE');
      await writeFile(join(h.folder, 'customers.txt'), 'K1;A\n');
      await waitFor(() => h?.emitted.length === 1, {
        message: 'a file after the error',
      });
    });

    it('refuses to start on a missing folder with a clear error', async () => {
      h = await createHarness(mode.polling);
      const { createExchangeWatcher } =
        await import('../../../src/watcher/exchange-watcher.js');
      const watcher = createExchangeWatcher(
        {
          folder: join(h.folder, 'nope'),
          patterns: '*',
          stabilityMs: 100,
          polling: mode.polling,
          pollIntervalMs: 50,
          onStable: () => undefined,
        },
        { logger: h.logger },
      );
      await expect(watcher.start()).rejects.toMatchObject({
        code: 'CONFIG_INVALID',
      });
      await watcher.stop();
    });
  });
}
