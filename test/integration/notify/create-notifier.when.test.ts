import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AppConfigSchema,
  type AppConfig,
} from '../../../src/config/app-config.js';
import { AppError } from '../../../src/errors.js';
import { CapturingLogger } from '../../../src/logging/logger.js';
import { CompositeNotifier } from '../../../src/notify/composite-notifier.js';
import { createNotifier } from '../../../src/notify/create-notifier.js';
import type {
  Notifier,
  RunNotification,
} from '../../../src/notify/notifier.js';
import { makeOutcome, makeRejectedOutcome } from './run-outcome.js';
import {
  startSmtpTestServer,
  type SmtpTestServer,
} from './smtp-test-server.js';

function notifyConfig(
  port: number,
  when: 'never' | 'onFailure' | 'always',
): AppConfig['notify'] {
  return AppConfigSchema.parse({
    notify: {
      email: {
        when,
        smtp: { host: '127.0.0.1', port, ignoreTls: true, timeoutMs: 2000 },
        to: ['admin@example.com'],
      },
    },
  }).notify;
}

function run(
  outcome = makeOutcome(),
  extra: Partial<RunNotification> = {},
): RunNotification {
  return {
    job: 'erp-main',
    instance: 'host1',
    file: 'customers.txt',
    outcome,
    ...extra,
  };
}

describe('createNotifier: notify.email.when', () => {
  let smtp: SmtpTestServer;
  let notifier: Notifier | undefined;
  let logger: CapturingLogger;

  beforeEach(async () => {
    smtp = await startSmtpTestServer();
    logger = new CapturingLogger();
  });

  afterEach(async () => {
    await notifier?.close();
    notifier = undefined;
    await smtp.close();
  });

  it("'always' mails a successful run too, and still writes the summary line", async () => {
    notifier = createNotifier(notifyConfig(smtp.port, 'always'), {
      logger,
      instance: 'host1',
    });

    await notifier.notifyRun(run());

    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0]!.subject).toBe(
      '[customer-import] IMPORTED customers.txt (job erp-main on host1)',
    );
    expect(smtp.mails[0]!.text).toContain(
      'Rows:      read 3, inserted 2, updated 1',
    );
    expect(logger.events('file.imported')).toHaveLength(1);
    expect(logger.events('notify.sent')).toHaveLength(1);
  });

  it("'always' labels partial and duplicate runs", async () => {
    notifier = createNotifier(notifyConfig(smtp.port, 'always'), {
      logger,
      instance: 'host1',
    });

    await notifier.notifyRun(
      run(
        makeOutcome({
          status: 'partial',
          issues: makeRejectedOutcome(1).issues,
        }),
      ),
    );
    await notifier.notifyRun(
      run(
        makeOutcome({ status: 'duplicate', runId: null, duplicateOfRunId: 7 }),
      ),
    );

    expect(smtp.mails.map((m) => m.subject)).toEqual([
      '[customer-import] PARTIAL customers.txt (job erp-main on host1)',
      '[customer-import] DUPLICATE customers.txt (job erp-main on host1)',
    ]);
    expect(smtp.mails[0]!.text).toContain('customer-import runs show 42');
    expect(smtp.mails[1]!.text).toContain('imported by run #7');
  });

  it("'never' sends nothing, even for a rejected file", async () => {
    notifier = createNotifier(notifyConfig(smtp.port, 'never'), {
      logger,
      instance: 'host1',
    });

    await notifier.notifyRun(run(makeRejectedOutcome(2)));

    expect(smtp.mails).toHaveLength(0);
    expect(logger.events('file.failed')).toHaveLength(1);
    expect(logger.events('notify.sent')).toHaveLength(0);
  });

  it("'onFailure' mails a deferred file only once its retries are used up", async () => {
    notifier = createNotifier(notifyConfig(smtp.port, 'onFailure'), {
      logger,
      instance: 'host1',
    });
    const deferred = makeOutcome({
      status: 'deferred',
      runId: null,
      error: new AppError(
        'STORE_UNAVAILABLE',
        'The database did not answer within 5000 ms',
      ),
    });

    await notifier.notifyRun(run(deferred));
    expect(smtp.mails).toHaveLength(0);

    await notifier.notifyRun(run(deferred, { gaveUp: true }));
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0]!.subject).toBe(
      '[customer-import] FAILED customers.txt (job erp-main on host1)',
    );
    expect(smtp.mails[0]!.text).toContain(
      'Error:     STORE_UNAVAILABLE: The database did not answer within 5000 ms',
    );
    expect(smtp.mails[0]!.text).toContain('retries are used up');
  });

  it("'always' does not mail a deferred file that will be tried again", async () => {
    notifier = createNotifier(notifyConfig(smtp.port, 'always'), {
      logger,
      instance: 'host1',
    });

    await notifier.notifyRun(
      run(makeOutcome({ status: 'deferred', runId: null })),
    );

    expect(smtp.mails).toHaveLength(0);
    expect(logger.events('file.deferred')).toHaveLength(1);
  });
});

describe('CompositeNotifier', () => {
  it('tells the other notifiers when one of them throws, and logs it', async () => {
    const logger = new CapturingLogger();
    const told: string[] = [];
    const broken: Notifier = {
      notifyRun: () => Promise.reject(new Error('webhook exploded')),
      close: () => Promise.resolve(),
    };
    const recording: Notifier = {
      notifyRun: (event) => {
        told.push(event.file);
        return Promise.resolve();
      },
      close: () => Promise.resolve(),
    };
    const composite = new CompositeNotifier([broken, recording], logger);

    await composite.notifyRun(run());
    await composite.close();

    expect(told).toEqual(['customers.txt']);
    const failed = logger.events('notify.failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.meta['error']).toBeInstanceOf(Error);
  });

  it('closes every notifier in reverse order and rethrows the first close error', async () => {
    const closed: string[] = [];
    const make = (name: string, fails: boolean): Notifier => ({
      notifyRun: () => Promise.resolve(),
      close: () => {
        closed.push(name);
        return fails
          ? Promise.reject(new Error(`${name} close failed`))
          : Promise.resolve();
      },
    });
    const composite = new CompositeNotifier(
      [make('a', true), make('b', true), make('c', false)],
      new CapturingLogger(),
    );

    await expect(composite.close()).rejects.toThrow('b close failed');
    expect(closed).toEqual(['c', 'b', 'a']);
  });
});
