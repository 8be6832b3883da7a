import { coerceError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import type { Notifier, RunNotification } from './notifier.js';

/**
 * Tells every notifier, one after the other (the log line first, so it is written even while a
 * slow mail server is being waited for). One failing notifier never stops the others.
 */
export class CompositeNotifier implements Notifier {
  readonly #notifiers: readonly Notifier[];
  readonly #logger: Logger;

  constructor(notifiers: readonly Notifier[], logger: Logger) {
    this.#notifiers = notifiers;
    this.#logger = logger;
  }

  async notifyRun(event: RunNotification): Promise<void> {
    for (const notifier of this.#notifiers) {
      try {
        await notifier.notifyRun(event);
      } catch (e) {
        // Notifiers promise not to throw; this guards against one that breaks the promise.
        this.#logger.warn('Notifier failed', {
          event: 'notify.failed',
          file: event.file,
          error: coerceError(e),
        });
      }
    }
  }

  async close(): Promise<void> {
    // Reverse order of creation, every one of them, keeping the first error.
    let first: Error | undefined;
    for (const notifier of [...this.#notifiers].reverse()) {
      try {
        await notifier.close();
      } catch (e) {
        first ??= coerceError(e);
      }
    }
    if (first !== undefined) {
      throw first;
    }
  }
}
