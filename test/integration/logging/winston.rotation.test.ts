import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LoggingConfigSchema } from '../../../src/config/app-config.js';
import type { Logger } from '../../../src/logging/logger.js';
import {
  createWinstonLogger,
  LOG_AUDIT_FILE,
  type WinstonLoggerHandle,
} from '../../../src/logging/winston.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { logFiles, readLogLines } from './log-files.js';

function sink(): Writable {
  return new Writable({ write: (_chunk, _enc, cb) => cb() });
}

/**
 * Writes `count` lines of about 250 bytes (four or five to a 1k file), a few milliseconds apart.
 * The pause matters: the rotate library deletes surplus files right when it rotates, but opens
 * each new file asynchronously; when two rotations happen before an open completes, it deletes
 * a file that the pending open then re-creates, and that file is never deleted again. With real
 * file sizes (megabytes) rotations are far apart; with 1k files and a busy machine they are not.
 */
async function writeLines(
  logger: Logger,
  from: number,
  count: number,
): Promise<void> {
  for (let i = from; i < from + count; i++) {
    logger.info('Row batch written', {
      event: 'run.progress',
      seq: i,
      file: 'customers.txt',
      padding: 'x'.repeat(130),
    });
    await sleep(5);
  }
}

describe('createWinstonLogger: rotation', () => {
  let dir: string;
  let handle: WinstonLoggerHandle | undefined;

  beforeEach(async () => {
    dir = await makeTempDir('customer-import-logs-');
  });

  afterEach(async () => {
    await handle?.close();
    handle = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('rotates at maxSize and keeps only maxFiles files, the newest ones', async () => {
    const config = LoggingConfigSchema.parse({
      dir,
      maxSize: '1k',
      maxFiles: 3,
    });
    handle = createWinstonLogger(config, { mode: 'service', stderr: sink() });

    await writeLines(handle.logger, 0, 50);
    await handle.close();

    const files = await logFiles(dir);
    expect(files).toHaveLength(3);
    // Rotated files are numbered: customer-import-<day>.<n>.log.
    expect(
      files.every((f) =>
        /^customer-import-\d{4}-\d{2}-\d{2}\.\d+\.log$/.test(f),
      ),
    ).toBe(true);
    const seqs = (await readLogLines(dir)).map((l) => l['seq']);
    // The oldest lines are gone, the newest kept without a gap.
    expect(seqs.at(-1)).toBe(49);
    expect(seqs[0]).toBeGreaterThan(0);
    expect(seqs).toEqual(
      Array.from({ length: seqs.length }, (_, k) => 50 - seqs.length + k),
    );
    // Each file holds about maxSize (the library rotates on the write after the limit).
    expect(seqs.length).toBeLessThan(20);
  });

  it('keeps counting files across restarts through its audit file', async () => {
    const config = LoggingConfigSchema.parse({
      dir,
      maxSize: '1k',
      maxFiles: 2,
    });
    handle = createWinstonLogger(config, { mode: 'cli', stderr: sink() });
    await writeLines(handle.logger, 0, 30);
    await handle.close();
    const afterFirst = await logFiles(dir);
    expect(afterFirst).toHaveLength(2);

    const audit = JSON.parse(
      await readFile(join(dir, LOG_AUDIT_FILE), 'utf8'),
    ) as { files: { name: string }[] };
    expect(audit.files.map((f) => f.name.split(/[\\/]/).at(-1))).toEqual(
      afterFirst,
    );

    // A second process (the next CLI run) with the same folder: the files of the first run
    // count against maxFiles and are deleted as it rotates.
    handle = createWinstonLogger(config, { mode: 'cli', stderr: sink() });
    await writeLines(handle.logger, 30, 30);
    await handle.close();

    const afterSecond = await logFiles(dir);
    expect(afterSecond).toHaveLength(2);
    expect(afterSecond.some((f) => afterFirst.includes(f))).toBe(false);
    expect((await readLogLines(dir)).at(-1)?.['seq']).toBe(59);
  });

  it('appends to the current file after a restart instead of starting a new one', async () => {
    const config = LoggingConfigSchema.parse({
      dir,
      maxSize: '1m',
      maxFiles: 3,
    });
    handle = createWinstonLogger(config, { mode: 'cli', stderr: sink() });
    await writeLines(handle.logger, 0, 3);
    await handle.close();

    handle = createWinstonLogger(config, { mode: 'cli', stderr: sink() });
    await writeLines(handle.logger, 3, 3);
    await handle.close();

    expect(await logFiles(dir)).toHaveLength(1);
    expect((await readLogLines(dir)).map((l) => l['seq'])).toEqual([
      0, 1, 2, 3, 4, 5,
    ]);
  });
});
