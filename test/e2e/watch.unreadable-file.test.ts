import {
  chmod,
  chown,
  readdir,
  readFile,
  rename,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createServiceProject,
  erpLines,
  type ServiceProject,
} from '../helpers/service-process.js';

/**
 * A dropped file the service may not read (chmod 000): "not ready", retried with growing
 * back-off, then moved to failed/ with the reason. Root reads any file whatever its mode, and
 * the tests run as root here, so the service process then runs as `nobody` (uid 65534) on a
 * project folder handed to that user; as any other user it runs as itself.
 */

const NOBODY = 65534;
const RUN_AS = process.getuid?.() === 0 ? { uid: NOBODY, gid: NOBODY } : {};
const RETRY = { maxRetries: 2, initialIntervalMs: 150, maxIntervalMs: 250 };

let project: ServiceProject | undefined;

afterEach(async () => {
  await project?.dispose();
  project = undefined;
});

async function chownTree(
  root: string,
  uid: number,
  gid: number,
): Promise<void> {
  await chown(root, uid, gid);
  for (const entry of await readdir(root, {
    withFileTypes: true,
    recursive: true,
  })) {
    await chown(join(entry.parentPath, entry.name), uid, gid);
  }
}

describe('watch process with a file it may not read', () => {
  it('retries with back-off, then moves the file to failed/ with the reason', async () => {
    const p = (project = await createServiceProject({
      config: { retry: RETRY },
    }));
    if (RUN_AS.uid !== undefined) {
      await chownTree(p.root, RUN_AS.uid, RUN_AS.gid);
    }
    // Made unreadable before it appears under its watched name.
    const staged = join(p.root, 'customers.staged');
    await writeFile(staged, erpLines(5));
    if (RUN_AS.uid !== undefined) {
      await chown(staged, RUN_AS.uid, RUN_AS.gid);
    }
    await chmod(staged, 0o000);

    const proc = p.start(RUN_AS);
    await proc.waitForEvent('service.started');
    await rename(staged, join(p.exchange, 'customers.txt'));

    const failed = await proc.waitForEvent(
      'file.archived',
      (l) => l['folder'] === 'failed',
      1,
      20_000,
    );
    expect(failed['code']).toBe('FILE_BUSY');
    // The service's own retry lines (the notifier's lines carry no retryInMs).
    const retries = proc.events(
      'file.deferred',
      (l) => l['retryInMs'] !== undefined,
    );
    expect(retries.map((l) => [l['attempt'], l['retryInMs']])).toEqual([
      [1, 150],
      [2, 250],
    ]);
    expect(
      proc.events('file.deferred', (l) => l.level === 'error'),
    ).toHaveLength(1);
    // The notifier's summary comes after the move: a failure that needs a human.
    const summary = await proc.waitForEvent('file.failed');
    expect(summary).toMatchObject({
      level: 'error',
      status: 'deferred',
      code: 'FILE_BUSY',
    });

    const names = await readdir(join(p.exchange, 'failed'));
    const errorTxt = names.find((n) => n.endsWith('.error.txt'));
    expect(names).toHaveLength(2);
    const reason = await readFile(
      join(p.exchange, 'failed', errorTxt ?? ''),
      'utf8',
    );
    expect(reason).toContain(`Gave up after ${RETRY.maxRetries} retries`);
    expect(reason).toContain('EACCES');
    // The watcher goes on after giving up.
    expect(await proc.stop()).toEqual({ code: 0, signal: null });
  });
});
