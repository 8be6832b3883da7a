import type { AppConfig } from '../config/app-config.js';
import type { Logger } from '../logging/logger.js';
import { CompositeNotifier } from './composite-notifier.js';
import { EmailNotifier } from './email-notifier.js';
import { LogNotifier } from './log-notifier.js';
import type { Notifier } from './notifier.js';

export interface NotifierDeps {
  logger: Logger;
  /** This instance's name (config `instanceName`, or the host name). */
  instance: string;
}

/**
 * The notifier the config asks for: always the log summary line, plus e-mail unless
 * `notify.email.when` is `never`.
 */
export function createNotifier(
  config: AppConfig['notify'],
  deps: NotifierDeps,
): Notifier {
  const notifiers: Notifier[] = [new LogNotifier(deps.logger)];
  if (config.email.when !== 'never') {
    notifiers.push(new EmailNotifier(config.email, deps));
  }
  return new CompositeNotifier(notifiers, deps.logger);
}
