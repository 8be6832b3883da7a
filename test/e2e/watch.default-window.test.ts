import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createServiceProject,
  erpLines,
  type ServiceProject,
} from '../helpers/service-process.js';
import { sleep } from '../helpers/wait-for.js';

/**
 * The real default stability window (10 s, no stabilitySeconds in the config): a file is not
 * claimed before 10 s have passed since its last change, and is claimed soon after. The one
 * slow test of the suite, on purpose.
 */

let project: ServiceProject | undefined;

afterEach(async () => {
  await project?.dispose();
  project = undefined;
});

const DEFAULT_WINDOW_MS = 10_000;

describe('watch process with the default stability window', () => {
  it(
    'imports a file only after it has not changed for 10 seconds',
    { timeout: 40_000 },
    async () => {
      const p = (project = await createServiceProject({
        job: { stabilitySeconds: undefined },
      }));
      const proc = p.start();
      const watching = await proc.waitForEvent('job.watching');
      expect(watching['stabilitySeconds']).toBe(10);

      const path = join(p.exchange, 'customers.txt');
      const claimedAt = proc
        .waitForEvent('file.claimed', undefined, 1, 30_000)
        .then(() => Date.now());
      await writeFile(path, erpLines(3));
      // A change 2 s later restarts the window.
      await sleep(2000);
      await appendFile(path, erpLines(2, 100));
      const lastChangeAt = Date.now();

      const claimed = await claimedAt;
      expect(claimed - lastChangeAt).toBeGreaterThanOrEqual(DEFAULT_WINDOW_MS);
      // …and not much later: the gate looks at least once a second.
      expect(claimed - lastChangeAt).toBeLessThan(DEFAULT_WINDOW_MS + 3000);
      await proc.waitForEvent('file.archived');
      const imported = await proc.waitForEvent('file.imported');
      expect(imported['counts']).toMatchObject({ read: 5, inserted: 5 });
    },
  );
});
