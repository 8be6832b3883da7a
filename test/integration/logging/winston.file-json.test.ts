import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  LoggingConfigSchema,
  type LoggingConfig,
} from '../../../src/config/app-config.js';
import { AppError } from '../../../src/errors.js';
import {
  createWinstonLogger,
  type WinstonLoggerHandle,
} from '../../../src/logging/winston.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { logFiles, readLogLines } from './log-files.js';

/** A stream standing in for stderr, so console lines stay out of the test output. */
function sink(): Writable {
  return new Writable({ write: (_chunk, _enc, cb) => cb() });
}

describe('createWinstonLogger: the JSON log file', () => {
  let dir: string;
  let handle: WinstonLoggerHandle | undefined;

  function config(extra: Partial<LoggingConfig> = {}): LoggingConfig {
    return LoggingConfigSchema.parse({ dir, level: 'info', ...extra });
  }

  beforeEach(async () => {
    dir = await makeTempDir('customer-import-logs-');
  });

  afterEach(async () => {
    await handle?.close();
    handle = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('writes one JSON line per call with timestamp, level, message, event and meta', async () => {
    handle = createWinstonLogger(config(), {
      mode: 'service',
      instance: 'host1',
      stderr: sink(),
    });

    handle.logger.info('File imported', {
      event: 'file.imported',
      file: 'customers.txt',
      rows: 12,
      durationMs: 34,
    });
    await handle.close();

    const files = await logFiles(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^customer-import-\d{4}-\d{2}-\d{2}\.log$/);
    const lines = await readLogLines(dir);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toEqual({
      timestamp: expect.stringMatching(
        /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/,
      ) as unknown,
      level: 'info',
      message: 'File imported',
      event: 'file.imported',
      file: 'customers.txt',
      rows: 12,
      durationMs: 34,
      instance: 'host1',
    });
  });

  it('adds the meta of child loggers, and of their children', async () => {
    handle = createWinstonLogger(config(), { mode: 'service', stderr: sink() });

    const fileLogger = handle.logger.child({
      fileId: 'abc',
      file: 'customers.txt',
    });
    fileLogger
      .child({ attempt: 2 })
      .warn('Store busy, retrying', { event: 'store.retry' });
    fileLogger.info('File claimed', { event: 'file.claimed' });
    handle.logger.info('Service started', { event: 'service.started' });
    await handle.close();

    const lines = await readLogLines(dir);
    expect(lines.map((l) => [l['event'], l['fileId'], l['attempt']])).toEqual([
      ['store.retry', 'abc', 2],
      ['file.claimed', 'abc', undefined],
      ['service.started', undefined, undefined],
    ]);
  });

  it('serialises an error with its AppError code and the whole cause chain', async () => {
    handle = createWinstonLogger(config(), { mode: 'service', stderr: sink() });
    const socket = Object.assign(
      new Error('connect ECONNREFUSED 127.0.0.1:5432'),
      { code: 'ECONNREFUSED' },
    );
    const error = new AppError(
      'STORE_UNAVAILABLE',
      'The database is not reachable',
      {
        cause: new Error('Connection terminated', { cause: socket }),
      },
    );

    handle.logger.error('Store unavailable', { event: 'store.retry', error });
    await handle.close();

    const [line] = await readLogLines(dir);
    expect(line).toMatchObject({
      level: 'error',
      error: {
        name: 'AppError',
        code: 'STORE_UNAVAILABLE',
        message: 'The database is not reachable',
        retryable: true,
        stack: expect.stringContaining(
          'AppError: The database is not reachable',
        ) as unknown,
        cause: {
          message: 'Connection terminated',
          cause: {
            code: 'ECONNREFUSED',
            message: 'connect ECONNREFUSED 127.0.0.1:5432',
          },
        },
      },
    });
  });

  it('masks passwords and credentials in URLs, in meta and in messages', async () => {
    handle = createWinstonLogger(config(), { mode: 'service', stderr: sink() });

    handle.logger.info('Connecting to postgres://app:hunter2@db/customers', {
      event: 'service.started',
      url: 'postgres://app:hunter2@db/customers',
      smtp: { host: 'mail', password: 'hunter2' },
      token: 'hunter2',
      error: new Error('auth failed for postgres://app:hunter2@db/customers'),
    });
    await handle.close();

    const [line] = await readLogLines(dir);
    expect(JSON.stringify(line)).not.toContain('hunter2');
    expect(line).toMatchObject({
      message: 'Connecting to postgres://app:***@db/customers',
      url: 'postgres://app:***@db/customers',
      smtp: { host: 'mail', password: '***' },
      token: '***',
    });
  });

  it('drops lines below the configured level', async () => {
    handle = createWinstonLogger(config({ level: 'warn' }), {
      mode: 'service',
      stderr: sink(),
    });

    handle.logger.debug('d', { event: 'file.parsed' });
    handle.logger.info('i', { event: 'file.imported' });
    handle.logger.warn('w', { event: 'file.failed' });
    handle.logger.error('e', { event: 'internal.error' });
    await handle.close();

    expect((await readLogLines(dir)).map((l) => l['level'])).toEqual([
      'warn',
      'error',
    ]);
  });

  it('writes no file when logging.file is false', async () => {
    handle = createWinstonLogger(config({ file: false }), {
      mode: 'service',
      stderr: sink(),
    });

    handle.logger.info('Service started', { event: 'service.started' });
    await handle.close();

    expect(await logFiles(dir)).toEqual([]);
  });

  it('fails with CONFIG_INVALID when the log folder cannot be created', async () => {
    const blocker = join(dir, 'not-a-folder');
    await writeFile(blocker, 'x');

    expect(() =>
      createWinstonLogger(config({ dir: join(blocker, 'logs') }), {
        mode: 'cli',
        stderr: sink(),
      }),
    ).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: expect.stringContaining('logging.dir') as unknown,
      }),
    );
  });
});
