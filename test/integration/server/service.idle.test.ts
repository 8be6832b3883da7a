import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createServiceHarness,
  erpLines,
  type ServiceHarness,
} from './service-harness.js';

/** whenIdle() is what `watch --once` waits for: it must not hang on files that leave quietly. */

let harness: ServiceHarness | null = null;

afterEach(async () => {
  await harness?.dispose();
  harness = null;
});

describe('whenIdle', () => {
  it('resolves after the queued files are done', async () => {
    harness = await createServiceHarness({
      polling: false,
      before: { 'customers.txt': erpLines(5) },
    });
    await harness.start();
    await harness.service.whenIdle();
    expect(await harness.list('archive')).toHaveLength(1);
  });

  it('resolves when a waiting file vanishes before it is stable', async () => {
    harness = await createServiceHarness({
      polling: false,
      stabilitySeconds: 2,
    });
    await harness.start();
    const path = join(harness.exchange, 'customers.txt');
    await writeFile(path, erpLines(5));
    await harness.waitForEvent('file.detected');
    const idle = harness.service.whenIdle();
    await rm(path);
    const result = await Promise.race([
      idle.then(() => 'idle'),
      new Promise((r) => setTimeout(() => r('hung'), 5000)),
    ]);
    expect(result).toBe('idle');
    expect(await harness.runs()).toHaveLength(0);
  });
});
