import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { EmailConfig } from '../config/app-config.js';
import { AppError, coerceError, fsErrorCode } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import {
  runSeverity,
  type Notifier,
  type RunNotification,
  type RunSeverity,
} from './notifier.js';
import { composeRunMail } from './run-mail.js';

/**
 * Mails the admin about runs over SMTP (nodemailer), on failure or always, per config.
 *
 * A mail server that refuses, hangs or rejects the mail is logged (`notify.failed`, warn) and
 * otherwise ignored: the run's outcome is already decided and recorded, and a stuck mail server
 * must not hold up the next file, hence the short timeouts.
 */
export interface EmailNotifierDeps {
  logger: Logger;
  /** This instance's name; sent as a header so mails from several hosts can be told apart. */
  instance: string;
}

export class EmailNotifier implements Notifier {
  readonly #config: EmailConfig;
  readonly #logger: Logger;
  readonly #instance: string;
  readonly #transport: Transporter<SMTPTransport.SentMessageInfo>;

  constructor(config: EmailConfig, deps: EmailNotifierDeps) {
    const smtp = config.smtp;
    if (smtp === undefined || config.to.length === 0) {
      throw new AppError(
        'CONFIG_INVALID',
        'E-mail notifications need notify.email.smtp and at least one notify.email.to address',
      );
    }
    this.#config = config;
    this.#logger = deps.logger;
    this.#instance = deps.instance;
    this.#transport = nodemailer.createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      ignoreTLS: smtp.ignoreTls,
      ...(smtp.user === undefined
        ? {}
        : { auth: { user: smtp.user, pass: smtp.password ?? '' } }),
      connectionTimeout: smtp.timeoutMs,
      greetingTimeout: smtp.timeoutMs,
      socketTimeout: smtp.timeoutMs,
      dnsTimeout: smtp.timeoutMs,
    });
  }

  async notifyRun(event: RunNotification): Promise<void> {
    const severity = runSeverity(event.outcome.status, event.gaveUp === true);
    if (!shouldMail(this.#config.when, severity)) {
      return;
    }
    const mail = composeRunMail(event);
    const meta = {
      file: event.file,
      job: event.job,
      runId: event.outcome.runId,
      status: event.outcome.status,
    };
    try {
      const info = await this.#transport.sendMail({
        from: this.#config.from,
        to: [...this.#config.to],
        subject: mail.subject,
        text: mail.text,
        headers: { 'X-Customer-Import-Instance': this.#instance },
      });
      this.#logger.info('Notification mail sent', {
        event: 'notify.sent',
        ...meta,
        recipients: this.#config.to.length,
        messageId: info.messageId,
      });
    } catch (e) {
      const error = coerceError(e);
      this.#logger.warn('Notification mail could not be sent', {
        event: 'notify.failed',
        ...meta,
        code: fsErrorCode(error),
        error,
      });
    }
  }

  async close(): Promise<void> {
    this.#transport.close();
    return Promise.resolve();
  }
}

/** Does `when` ask for a mail about a run of this severity? */
export function shouldMail(
  when: EmailConfig['when'],
  severity: RunSeverity,
): boolean {
  if (severity === 'pending') {
    // A deferred file will be tried again; mailing every retry would bury the one mail that
    // matters (the one when the retries are used up).
    return false;
  }
  switch (when) {
    case 'never':
      return false;
    case 'onFailure':
      return severity === 'failure';
    case 'always':
      return true;
    default: {
      const never: never = when;
      return never;
    }
  }
}
