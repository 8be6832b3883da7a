import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../helpers/temp-dir.js';
import {
  createServiceHarness,
  erpLines,
  WATCH_MODES,
  type ServiceHarness,
} from './service-harness.js';

/**
 * A dropped file that cannot be claimed (renamed) yet: the ERP, a virus scanner or a share
 * holds it. We lock it for real with the immutable attribute (`chattr +i`): renaming it then
 * fails with EPERM even for root, which the tests here run as (chmod would not stop root).
 * The service must back off with growing delays up to the cap, tell a human once when the
 * retries are used up, keep looking, and import the file as soon as it is released.
 */

const run = promisify(execFile);

/** Can this machine lock a file with chattr +i (needs CAP_LINUX_IMMUTABLE and ext4/xfs/btrfs)? */
async function canLockFiles(): Promise<boolean> {
  const dir = await makeTempDir('chattr-probe-');
  const probe = join(dir, 'probe');
  try {
    await writeFile(probe, 'x');
    await run('chattr', ['+i', probe]);
    await run('chattr', ['-i', probe]);
    return true;
  } catch {
    return false;
  } finally {
    await run('rm', ['-rf', dir]).catch(() => undefined);
  }
}

const LOCKING = await canLockFiles();
if (!LOCKING) {
  console.warn(
    '*** locked-file service tests SKIPPED: chattr +i is not possible here (not root, or the file system has no immutable flag) ***',
  );
}

let harness: ServiceHarness | undefined;
let lockedPath: string | undefined;

afterEach(async () => {
  if (lockedPath !== undefined) {
    await run('chattr', ['-i', lockedPath]).catch(() => undefined);
    lockedPath = undefined;
  }
  await harness?.dispose();
  harness = undefined;
});

const RETRY = { maxRetries: 3, initialIntervalMs: 100, maxIntervalMs: 400 };

for (const mode of WATCH_MODES) {
  describe.skipIf(!LOCKING)(
    `service with a locked drop (${mode.label})`,
    () => {
      it('backs off with growing delays, reports once when the retries are used up, and imports the file once it is released', async () => {
        const h = (harness = await createServiceHarness({
          polling: mode.polling,
          retry: RETRY,
        }));
        const path = join(h.exchange, 'customers.txt');
        await writeFile(path, erpLines(4));
        await run('chattr', ['+i', path]);
        lockedPath = path;
        await h.start();

        const isService = (l: { meta: Record<string, unknown> }): boolean =>
          l.meta['retryInMs'] !== undefined && l.meta['job'] === 'erp';
        // Attempt 5 is one past the retries: looking goes on at the cap.
        await h.waitForEvent(
          'file.not-ready',
          isService,
          RETRY.maxRetries + 2,
          15_000,
        );
        const notReady = h.events('file.not-ready', isService);
        expect(notReady.slice(0, 5).map((l) => l.meta['retryInMs'])).toEqual([
          100, 200, 400, 400, 400,
        ]);
        expect(notReady.slice(0, 5).map((l) => l.meta['code'])).toEqual(
          Array(5).fill('EPERM'),
        );
        expect(notReady.slice(0, 5).map((l) => l.level)).toEqual([
          'warn',
          'warn',
          'warn',
          'error',
          'debug',
        ]);
        // Told once, as a failure that needs a human (the notifier's line; an e-mail with onFailure).
        const gaveUp = h.events('file.failed');
        expect(gaveUp).toHaveLength(1);
        expect(gaveUp[0]?.level).toBe('error');
        expect(gaveUp[0]?.meta).toMatchObject({
          file: 'customers.txt',
          status: 'deferred',
          code: 'FILE_BUSY',
        });
        const states = await h.store.listFileStates({ job: 'erp' });
        expect(states).toContainEqual(
          expect.objectContaining({
            name: 'customers.txt',
            state: 'not-ready',
            detail: 'locked: EPERM',
          }),
        );
        // Never read, never moved.
        expect(await h.runs()).toEqual([]);
        expect(await h.list('.')).toContain('customers.txt');

        await run('chattr', ['-i', path]);
        lockedPath = undefined;
        await h.waitForEvent('file.archived', undefined, 1, 10_000);
        expect(
          (await h.runs()).map((r) => [r.status, r.counts.inserted]),
        ).toEqual([['succeeded', 4]]);
        expect(h.events('file.failed')).toHaveLength(1);
      });
    },
  );
}
