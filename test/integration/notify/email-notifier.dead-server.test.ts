import { afterEach, describe, expect, it } from 'vitest';
import {
  EmailConfigSchema,
  type EmailConfig,
} from '../../../src/config/app-config.js';
import { CapturingLogger } from '../../../src/logging/logger.js';
import { EmailNotifier } from '../../../src/notify/email-notifier.js';
import { makeRejectedOutcome } from './run-outcome.js';
import { deadPort, startSilentServer } from './smtp-test-server.js';

function emailConfig(port: number, timeoutMs: number): EmailConfig {
  return EmailConfigSchema.parse({
    when: 'always',
    smtp: { host: '127.0.0.1', port, ignoreTls: true, timeoutMs },
    to: ['admin@example.com'],
  });
}

describe('EmailNotifier: mail server down', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup();
    }
  });

  it('logs a refused connection as notify.failed (warn), does not throw, and is quick', async () => {
    const logger = new CapturingLogger();
    const notifier = new EmailNotifier(emailConfig(await deadPort(), 10_000), {
      logger,
      instance: 'host1',
    });
    cleanups.push(() => notifier.close());

    const started = performance.now();
    await expect(
      notifier.notifyRun({
        job: 'erp-main',
        instance: 'host1',
        file: 'customers.txt',
        outcome: makeRejectedOutcome(1),
      }),
    ).resolves.toBeUndefined();

    expect(performance.now() - started).toBeLessThan(3000);
    expect(logger.lines).toHaveLength(1);
    const line = logger.lines[0]!;
    expect(line.level).toBe('warn');
    expect(line.meta.event).toBe('notify.failed');
    expect(line.meta['file']).toBe('customers.txt');
    expect(line.meta['code']).toBe('ESOCKET');
    expect(line.meta['error']).toBeInstanceOf(Error);
  });

  it('gives up on a server that never answers after the configured timeout', async () => {
    const silent = await startSilentServer();
    cleanups.push(() => silent.close());
    const logger = new CapturingLogger();
    const notifier = new EmailNotifier(emailConfig(silent.port, 300), {
      logger,
      instance: 'host1',
    });
    cleanups.push(() => notifier.close());

    const started = performance.now();
    await notifier.notifyRun({
      job: 'erp-main',
      instance: 'host1',
      file: 'customers.txt',
      outcome: makeRejectedOutcome(1),
    });
    const elapsedMs = performance.now() - started;

    expect(elapsedMs).toBeGreaterThanOrEqual(250);
    expect(elapsedMs).toBeLessThan(5000);
    const failed = logger.events('notify.failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.level).toBe('warn');
    expect(failed[0]!.meta['code']).toBe('ETIMEDOUT');
  });
});
