import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createServiceHarness,
  erpLines,
  type ServiceHarness,
} from './service-harness.js';

/** Each file's state is kept in the store, so people (and later the dashboard) can see it. */

let harness: ServiceHarness | null = null;

afterEach(async () => {
  await harness?.dispose();
  harness = null;
});

describe('file states', () => {
  it('records a drop as waiting, then claimed, and the claimed file as archived with its run', async () => {
    harness = await createServiceHarness({
      polling: false,
      stabilitySeconds: 0.6,
    });
    await harness.start();
    await writeFile(join(harness.exchange, 'customers.txt'), erpLines(3));
    await harness.waitForEvent('file.detected');
    const waiting = await harness.store.listFileStates({ states: ['waiting'] });
    expect(waiting).toEqual([
      expect.objectContaining({
        name: 'customers.txt',
        state: 'waiting',
        job: 'erp',
      }),
    ]);

    await harness.waitForEvent('file.archived');
    const states = await harness.store.listFileStates({});
    expect(states.find((s) => s.id.startsWith('drop:'))).toMatchObject({
      state: 'claimed',
    });
    const claimed = states.find((s) => !s.id.startsWith('drop:'));
    expect(claimed).toMatchObject({ name: 'customers.txt', state: 'archived' });
    expect(claimed?.runId).toBeGreaterThan(0);
    expect(claimed?.detail).toMatch(/^archive\/customers\.\d{8}T\d{6}Z\.txt$/);
  });
});
