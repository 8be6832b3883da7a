import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LoggingConfigSchema } from '../../../src/config/app-config.js';
import { createWinstonLogger } from '../../../src/logging/winston.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

/** Today as the rotate library names its files (local time, YYYY-MM-DD). */
function localDay(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

describe('createWinstonLogger: a log file that cannot be written', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await makeTempDir('customer-import-logs-');
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reports the failure on stderr once and keeps the process and the console alive', async () => {
    // A folder where the first rotated file should go: opening it fails with EISDIR.
    await mkdir(join(dir, `customer-import-${localDay()}.1.log`));
    const chunks: string[] = [];
    const stderr = new Writable({
      write(chunk: Buffer | string, _enc, cb) {
        chunks.push(chunk.toString());
        cb();
      },
    });
    const handle = createWinstonLogger(
      LoggingConfigSchema.parse({ dir, maxSize: '1k', maxFiles: 3 }),
      {
        mode: 'cli',
        stderr,
      },
    );

    for (let i = 0; i < 20; i++) {
      handle.logger.info('Row batch written', {
        event: 'run.progress',
        seq: i,
        padding: 'x'.repeat(130),
      });
      await sleep(5);
    }
    handle.logger.error('Still logging', { event: 'internal.error' });
    await handle.close();

    const text = chunks.join('');
    const failures = text
      .split('\n')
      .filter((l) => l.startsWith('customer-import: writing the log failed:'));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toContain('EISDIR');
    expect(text).toContain('error Still logging');
  });
});
