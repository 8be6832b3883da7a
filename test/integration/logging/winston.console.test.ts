import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  LoggingConfigSchema,
  type LoggingConfig,
} from '../../../src/config/app-config.js';
import { AppError } from '../../../src/errors.js';
import {
  createWinstonLogger,
  type WinstonLoggerOptions,
} from '../../../src/logging/winston.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { readLogLines } from './log-files.js';

const run = promisify(execFile);
const HERE = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(HERE, '../../..');
const CHILD = join(HERE, 'log-child.ts');
const ESC = '\u001b[';

/** A stderr stand-in that keeps what was written. */
function captureStream(): { stream: Writable; text(): string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('createWinstonLogger: console output', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await makeTempDir('customer-import-logs-');
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function consoleText(
    config: Partial<LoggingConfig>,
    options: Omit<WinstonLoggerOptions, 'stderr'>,
  ): Promise<string> {
    const capture = captureStream();
    const handle = createWinstonLogger(
      LoggingConfigSchema.parse({ dir, file: false, ...config }),
      {
        ...options,
        stderr: capture.stream,
      },
    );
    handle.logger.info('File imported', {
      event: 'file.imported',
      file: 'customers.txt',
      rows: 3,
    });
    handle.logger.warn('File rejected', {
      event: 'file.failed',
      error: new AppError('HEADER_MISMATCH', 'Column KUNNR is missing'),
    });
    await handle.close();
    return capture.text();
  }

  it('writes plain text for a CLI whose stderr is a pipe', async () => {
    const text = await consoleText(
      {},
      { mode: 'cli', instance: 'host1', stderrIsTty: false },
    );

    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^\d{4}-\d{2}-\d{2}T\S+Z info {2}File imported event=file.imported file=customers.txt rows=3$/,
    );
    expect(lines[1]).toContain(
      'warn  File rejected event=file.failed error="HEADER_MISMATCH: Column KUNNR is missing"',
    );
    expect(text).not.toContain(ESC);
  });

  it('colours the text when stderr is a terminal, in either mode', async () => {
    expect(await consoleText({}, { mode: 'cli', stderrIsTty: true })).toContain(
      `${ESC}32minfo`,
    );
    expect(
      await consoleText({}, { mode: 'service', stderrIsTty: true }),
    ).toContain(`${ESC}33mwarn`);
  });

  it('writes JSON lines for a service whose stderr is not a terminal', async () => {
    const text = await consoleText(
      {},
      { mode: 'service', instance: 'host1', stderrIsTty: false },
    );

    const lines = text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({
      level: 'info',
      message: 'File imported',
      event: 'file.imported',
      instance: 'host1',
    });
    expect(lines[1]).toMatchObject({
      level: 'warn',
      error: { code: 'HEADER_MISMATCH' },
    });
  });

  it('writes JSON lines when logging.json is set, even for a CLI on a terminal', async () => {
    const text = await consoleText(
      { json: true },
      { mode: 'cli', stderrIsTty: true },
    );

    expect(JSON.parse(text.split('\n')[0]!)).toMatchObject({
      event: 'file.imported',
    });
    expect(text).not.toContain(ESC);
  });
});

describe('createWinstonLogger: a real short CLI run (child process)', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await makeTempDir('customer-import-logs-');
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('logs to stderr only, keeping stdout free for command results', async () => {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', CHILD, dir, '2', 'natural'],
      {
        cwd: REPO_ROOT,
        timeout: 30_000,
      },
    );

    expect(stdout).toBe('');
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toContain(
      'info  Row batch written event=run.progress seq=0',
    );
    expect(lines[2]).toContain(
      'error Run finished event=file.failed last=true',
    );
    expect(stderr).not.toContain('Not at info level');
  });

  it('has every line in the file when the process exits right after close()', async () => {
    await run(
      process.execPath,
      ['--import', 'tsx', CHILD, dir, '20000', 'exit'],
      {
        cwd: REPO_ROOT,
        timeout: 60_000,
        maxBuffer: 64 * 1024 * 1024,
      },
    );

    const lines = await readLogLines(dir);
    expect(lines).toHaveLength(20_001);
    expect(lines.at(-1)).toMatchObject({
      event: 'file.failed',
      last: true,
      instance: 'child',
    });
  });
});
