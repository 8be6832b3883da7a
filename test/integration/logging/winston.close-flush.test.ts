import { rm } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LoggingConfigSchema } from '../../../src/config/app-config.js';
import { createWinstonLogger } from '../../../src/logging/winston.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { readLogLines, readLogLinesSync } from './log-files.js';

function sink(): Writable {
  return new Writable({ write: (_chunk, _enc, cb) => cb() });
}

describe('createWinstonLogger: close()', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await makeTempDir('customer-import-logs-');
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('has every line in the file once it resolves, even right after a burst', async () => {
    const handle = createWinstonLogger(LoggingConfigSchema.parse({ dir }), {
      mode: 'cli',
      stderr: sink(),
    });

    for (let i = 0; i < 5000; i++) {
      handle.logger.info('Row batch written', {
        event: 'run.progress',
        seq: i,
      });
    }
    handle.logger.info('Run finished', { event: 'file.imported', last: true });
    await handle.close();

    // Read synchronously, so no pending write can complete between close() and the check.
    const lines = readLogLinesSync(dir);
    expect(lines).toHaveLength(5001);
    expect(lines.at(-1)).toMatchObject({ event: 'file.imported', last: true });
  });

  it('can be called twice, and drops lines logged after it without throwing', async () => {
    const handle = createWinstonLogger(LoggingConfigSchema.parse({ dir }), {
      mode: 'cli',
      stderr: sink(),
    });
    const child = handle.logger.child({ file: 'customers.txt' });
    handle.logger.info('Before close', { event: 'service.stopping' });

    await Promise.all([handle.close(), handle.close()]);
    handle.logger.info('After close', { event: 'service.stopped' });
    child.error('After close', { event: 'internal.error' });
    await handle.close();

    expect((await readLogLines(dir)).map((l) => l['message'])).toEqual([
      'Before close',
    ]);
  });
});
