import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NULL_LOGGER } from '../../src/logging/logger.js';
import { createStore } from '../../src/store/create-store.js';
import type { CustomerStore } from '../../src/store/customer-store.js';
import { sha256File } from '../../src/util/hash.js';
import {
  createServiceProject,
  erpLines,
  type ServiceProject,
} from '../helpers/service-process.js';
import { sleep } from '../helpers/wait-for.js';

/**
 * `kill -9` in the middle of a large import, then a restart: the store never holds part of the
 * file, and after the restart the file is imported exactly once (one succeeded run for its
 * sha256, the killed one marked aborted) and ends in archive/.
 */

const ROWS = 200_000;

let project: ServiceProject | undefined;
let store: CustomerStore | undefined;

afterEach(async () => {
  await store?.close();
  store = undefined;
  await project?.dispose();
  project = undefined;
});

async function openStore(root: string): Promise<CustomerStore> {
  return createStore(
    {
      type: 'sqlite',
      path: join(root, 'data', 'customers.db'),
      busyTimeoutMs: 5000,
    },
    { logger: NULL_LOGGER },
  );
}

describe('watch process killed with SIGKILL during an import', () => {
  it('leaves no partial import, and after a restart the file is imported exactly once and archived', async () => {
    const p = (project = await createServiceProject({
      config: { logging: { level: 'debug', dir: './logs', file: false } },
    }));
    const content = erpLines(ROWS);
    const dropped = join(p.root, 'customers.copy');
    await writeFile(dropped, content);
    const sha256 = await sha256File(dropped);

    const first = p.start();
    await first.waitForEvent('service.started');
    await writeFile(join(p.exchange, 'customers.txt'), content);
    // The header matched: rows are being read and written inside the run's transaction.
    await first.waitForEvent('file.parsed', undefined, 1, 20_000);
    await sleep(300);
    expect(first.events('file.imported')).toEqual([]);
    first.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');

    // All or nothing: a killed run committed nothing.
    store = await openStore(p.root);
    const count = await store.countCustomers();
    const before = await store.listRuns({ limit: 10 });
    expect([0, ROWS]).toContain(count);
    if (count === 0) {
      expect(before.map((r) => r.status)).toEqual(['running']);
    }
    expect(await readdir(join(p.exchange, 'processing'))).toHaveLength(1);
    await store.close();
    store = undefined;

    const second = p.start();
    await second.waitForEvent('file.archived', undefined, 1, 60_000);
    expect(await second.stop()).toEqual({ code: 0, signal: null });

    store = await openStore(p.root);
    expect(await store.countCustomers()).toBe(ROWS);
    const runs = (await store.listRuns({ limit: 10 }))
      .filter((r) => r.sha256 === sha256)
      .sort((a, b) => a.id - b.id);
    expect(runs.filter((r) => r.status === 'succeeded')).toHaveLength(1);
    expect(runs.find((r) => r.status === 'succeeded')?.counts.inserted).toBe(
      ROWS,
    );
    if (count === 0) {
      expect(runs.map((r) => r.status)).toEqual(['aborted', 'succeeded']);
    }
    expect(await readdir(join(p.exchange, 'processing'))).toEqual([]);
    expect(await readdir(join(p.exchange, 'archive'))).toHaveLength(1);
    expect(await readdir(p.exchange)).not.toContain('customers.txt');
  });
});
