/**
 * Our narrow logging contract. Only `winston.ts` knows winston; everything else gets a Logger
 * injected, and tests pass a capturing one.
 *
 * Messages are short fixed sentences; variable data goes into meta, and every line carries an
 * `event` from {@link LOG_EVENTS}. Never put customer data (cell values) into a log line.
 */

export const LOG_EVENTS = [
  'service.started',
  'service.stopping',
  'service.stopped',
  'job.watching',
  'file.detected',
  'file.waiting',
  'file.stable',
  'file.vanished',
  'file.ignored',
  'file.not-ready',
  'file.claimed',
  'file.queued',
  'file.parsed',
  'file.validated',
  'file.imported',
  'file.duplicate',
  'file.failed',
  'file.deferred',
  'file.archived',
  'file.recovered',
  'run.progress',
  'store.retry',
  'store.migrated',
  'formats.reloaded',
  'notify.sent',
  'notify.failed',
  'watcher.error',
  'internal.error',
] as const;
export type LogEvent = (typeof LOG_EVENTS)[number];

export interface LogMeta {
  event?: LogEvent;
  [key: string]: unknown;
}

export interface Logger {
  error(message: string, meta?: LogMeta): void;
  warn(message: string, meta?: LogMeta): void;
  info(message: string, meta?: LogMeta): void;
  debug(message: string, meta?: LogMeta): void;
  child(meta: LogMeta): Logger;
}

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

/** A logger that drops everything; for library callers that pass none. */
export const NULL_LOGGER: Logger = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
  child: () => NULL_LOGGER,
};

export interface CapturedLine {
  level: LogLevel;
  message: string;
  meta: LogMeta;
}

/** A logger that keeps every line in memory; tests wait on its events instead of sleeping. */
export class CapturingLogger implements Logger {
  readonly lines: CapturedLine[];
  readonly #base: LogMeta;
  readonly #listeners: Set<(line: CapturedLine) => void>;

  constructor(
    base: LogMeta = {},
    lines: CapturedLine[] = [],
    listeners = new Set<(line: CapturedLine) => void>(),
  ) {
    this.#base = base;
    this.lines = lines;
    this.#listeners = listeners;
  }

  error(message: string, meta?: LogMeta): void {
    this.#push('error', message, meta);
  }
  warn(message: string, meta?: LogMeta): void {
    this.#push('warn', message, meta);
  }
  info(message: string, meta?: LogMeta): void {
    this.#push('info', message, meta);
  }
  debug(message: string, meta?: LogMeta): void {
    this.#push('debug', message, meta);
  }
  child(meta: LogMeta): Logger {
    return new CapturingLogger(
      { ...this.#base, ...meta },
      this.lines,
      this.#listeners,
    );
  }

  /** Lines with the given event. */
  events(event: LogEvent): CapturedLine[] {
    return this.lines.filter((l) => l.meta.event === event);
  }

  /** Resolves with the first line (past or future) that matches. */
  waitFor(
    predicate: (line: CapturedLine) => boolean,
    timeoutMs = 30_000,
  ): Promise<CapturedLine> {
    const found = this.lines.find(predicate);
    if (found) {
      return Promise.resolve(found);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#listeners.delete(listener);
        reject(
          new Error(`Timed out after ${timeoutMs} ms waiting for a log line`),
        );
      }, timeoutMs);
      const listener = (line: CapturedLine): void => {
        if (predicate(line)) {
          clearTimeout(timer);
          this.#listeners.delete(listener);
          resolve(line);
        }
      };
      this.#listeners.add(listener);
    });
  }

  #push(level: LogLevel, message: string, meta?: LogMeta): void {
    const line = { level, message, meta: { ...this.#base, ...meta } };
    this.lines.push(line);
    for (const listener of [...this.#listeners]) {
      listener(line);
    }
  }
}
