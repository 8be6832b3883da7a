import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  EmailConfigSchema,
  type EmailConfig,
} from '../../../src/config/app-config.js';
import { CapturingLogger } from '../../../src/logging/logger.js';
import { EmailNotifier } from '../../../src/notify/email-notifier.js';
import {
  makeOutcome,
  makeRejectedOutcome,
  SECRET_CELL_PREFIX,
} from './run-outcome.js';
import {
  startSmtpTestServer,
  type SmtpTestServer,
} from './smtp-test-server.js';

function emailConfig(
  port: number,
  extra: Partial<EmailConfig> = {},
): EmailConfig {
  return EmailConfigSchema.parse({
    when: 'onFailure',
    smtp: { host: '127.0.0.1', port, ignoreTls: true, timeoutMs: 2000 },
    from: 'customer-import@host1.example',
    to: ['admin@example.com', 'ops@example.com'],
    ...extra,
  });
}

describe('EmailNotifier: failure mail', () => {
  let smtp: SmtpTestServer;
  let notifier: EmailNotifier | undefined;
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

  it('mails a rejected file with job, instance, file, error and the first row issues', async () => {
    notifier = new EmailNotifier(emailConfig(smtp.port), {
      logger,
      instance: 'host1',
    });

    await notifier.notifyRun({
      job: 'erp-main',
      instance: 'host1',
      file: 'customers.txt',
      outcome: makeRejectedOutcome(3),
    });

    expect(smtp.mails).toHaveLength(1);
    const mail = smtp.mails[0]!;
    expect(mail.subject).toBe(
      '[customer-import] FAILED customers.txt (job erp-main on host1)',
    );
    expect(mail.from).toBe('customer-import@host1.example');
    expect(mail.to).toEqual(['admin@example.com', 'ops@example.com']);
    expect(mail.headers.get('x-customer-import-instance')).toBe('host1');
    expect(mail.text).toContain('Job:       erp-main');
    expect(mail.text).toContain('Instance:  host1');
    expect(mail.text).toContain('File:      customers.txt');
    expect(mail.text).toContain('Time:      2025-03-04T10:00:01.500Z');
    expect(mail.text).toContain(
      'Error:     TOO_MANY_INVALID_ROWS: 3 of 4 rows are invalid',
    );
    expect(mail.text).toContain('skipped 3');
    expect(mail.text).toContain(
      'line 2, column E-Mail: error INVALID_EMAIL: is not an e-mail address',
    );
    expect(mail.text).toContain('line 4, column E-Mail');
    expect(mail.text).toContain('failed/customers.txt.errors.csv');
    expect(logger.events('notify.sent')).toHaveLength(1);
  });

  it('never puts cell values into the mail', async () => {
    notifier = new EmailNotifier(emailConfig(smtp.port), {
      logger,
      instance: 'host1',
    });

    await notifier.notifyRun({
      job: 'erp-main',
      instance: 'host1',
      file: 'in/customers.txt',
      outcome: makeRejectedOutcome(5),
    });

    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0]!.text).toContain('line 6, column E-Mail');
    expect(smtp.mails[0]!.text).not.toContain(SECRET_CELL_PREFIX);
    expect(smtp.mails[0]!.raw).not.toContain(SECRET_CELL_PREFIX);
  });

  it('lists the first 20 issues and counts the rest', async () => {
    notifier = new EmailNotifier(emailConfig(smtp.port), {
      logger,
      instance: 'host1',
    });

    await notifier.notifyRun({
      job: 'erp-main',
      instance: 'host1',
      file: 'customers.txt',
      outcome: makeRejectedOutcome(25),
    });

    const text = smtp.mails[0]!.text;
    expect(text).toContain('Row issues (first 20 of 25):');
    expect(text).toContain('line 21, column E-Mail');
    expect(text).not.toContain('line 22, column');
    expect(text).toContain('… and 5 more.');
  });

  it('names a manual import (no job) in the subject', async () => {
    notifier = new EmailNotifier(emailConfig(smtp.port), {
      logger,
      instance: 'host1',
    });

    await notifier.notifyRun({
      job: null,
      instance: 'host1',
      file: '/data/drop/kunden.csv',
      outcome: makeRejectedOutcome(1),
    });

    expect(smtp.mails[0]!.subject).toBe(
      '[customer-import] FAILED kunden.csv (manual import on host1)',
    );
  });

  it('does not mail a successful run when only failures are asked for', async () => {
    notifier = new EmailNotifier(emailConfig(smtp.port), {
      logger,
      instance: 'host1',
    });

    await notifier.notifyRun({
      job: 'erp-main',
      instance: 'host1',
      file: 'customers.txt',
      outcome: makeOutcome(),
    });
    await notifier.notifyRun({
      job: 'erp-main',
      instance: 'host1',
      file: 'customers.txt',
      outcome: makeOutcome({
        status: 'partial',
        issues: makeRejectedOutcome(2).issues,
      }),
    });

    expect(smtp.mails).toHaveLength(0);
    expect(logger.lines).toHaveLength(0);
  });

  it('authenticates with the configured user and password', async () => {
    await smtp.close();
    smtp = await startSmtpTestServer({
      auth: { user: 'mailer', password: 's3cret' },
    });
    const config = emailConfig(smtp.port);
    notifier = new EmailNotifier(
      {
        ...config,
        smtp: { ...config.smtp!, user: 'mailer', password: 's3cret' },
      },
      { logger, instance: 'host1' },
    );

    await notifier.notifyRun({
      job: 'erp-main',
      instance: 'host1',
      file: 'customers.txt',
      outcome: makeRejectedOutcome(1),
    });

    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0]!.user).toBe('mailer');
  });

  it('logs a wrong password as notify.failed without throwing', async () => {
    await smtp.close();
    smtp = await startSmtpTestServer({
      auth: { user: 'mailer', password: 's3cret' },
    });
    const config = emailConfig(smtp.port);
    notifier = new EmailNotifier(
      {
        ...config,
        smtp: { ...config.smtp!, user: 'mailer', password: 'wrong' },
      },
      { logger, instance: 'host1' },
    );

    await expect(
      notifier.notifyRun({
        job: 'erp-main',
        instance: 'host1',
        file: 'customers.txt',
        outcome: makeRejectedOutcome(1),
      }),
    ).resolves.toBeUndefined();

    expect(smtp.mails).toHaveLength(0);
    const failed = logger.events('notify.failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.level).toBe('warn');
    expect(failed[0]!.meta['code']).toBe('EAUTH');
  });
});
