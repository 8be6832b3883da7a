import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors.js';
import { CapturingLogger } from '../../../src/logging/logger.js';
import { LogNotifier } from '../../../src/notify/log-notifier.js';
import {
  makeOutcome,
  makeRejectedOutcome,
  SECRET_CELL_PREFIX,
} from './run-outcome.js';

describe('LogNotifier: one summary line per run', () => {
  it('logs an imported file at info as file.imported with the standard meta', async () => {
    const logger = new CapturingLogger();
    await new LogNotifier(logger).notifyRun({
      job: 'erp-main',
      instance: 'host1',
      file: 'customers.txt',
      outcome: makeOutcome(),
    });

    expect(logger.lines).toHaveLength(1);
    const line = logger.lines[0]!;
    expect(line.level).toBe('info');
    expect(line.message).toBe('File imported');
    expect(line.meta).toMatchObject({
      event: 'file.imported',
      file: 'customers.txt',
      format: 'erp-customers',
      job: 'erp-main',
      runId: 42,
      status: 'imported',
      counts: { read: 3, inserted: 2, updated: 1 },
      durationMs: 1500,
    });
    expect(line.meta).not.toHaveProperty('code');
  });

  it.each([
    ['partial', false, 'warn', 'file.imported'],
    ['duplicate', false, 'info', 'file.duplicate'],
    ['rejected', false, 'warn', 'file.failed'],
    ['deferred', false, 'warn', 'file.deferred'],
    ['deferred', true, 'error', 'file.failed'],
  ] as const)(
    'logs a %s run (gave up: %s) at %s as %s',
    async (status, gaveUp, level, event) => {
      const logger = new CapturingLogger();
      await new LogNotifier(logger).notifyRun({
        job: null,
        instance: 'host1',
        file: 'customers.txt',
        outcome: makeOutcome({ status }),
        gaveUp,
      });

      expect(logger.lines.map((l) => [l.level, l.meta.event])).toEqual([
        [level, event],
      ]);
    },
  );

  it('logs the error code and error of a rejected file, never the row values', async () => {
    const logger = new CapturingLogger();
    const outcome = makeRejectedOutcome(4);
    await new LogNotifier(logger).notifyRun({
      job: 'erp-main',
      instance: 'host1',
      file: 'customers.txt',
      outcome,
    });

    const line = logger.lines[0]!;
    expect(line.meta['code']).toBe('TOO_MANY_INVALID_ROWS');
    expect(line.meta['error']).toBeInstanceOf(AppError);
    expect(line.meta['issues']).toBe(4);
    expect(JSON.stringify(line.meta)).not.toContain(SECRET_CELL_PREFIX);
  });

  it('marks dry runs and duplicates', async () => {
    const logger = new CapturingLogger();
    await new LogNotifier(logger).notifyRun({
      job: 'erp-main',
      instance: 'host1',
      file: 'customers.txt',
      outcome: makeOutcome({
        status: 'duplicate',
        dryRun: true,
        duplicateOfRunId: 7,
      }),
    });

    expect(logger.lines[0]!.meta).toMatchObject({
      dryRun: true,
      duplicateOfRunId: 7,
    });
  });
});
