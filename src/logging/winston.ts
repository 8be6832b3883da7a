import { accessSync, constants, mkdirSync } from 'node:fs';
import winston from 'winston';
import DailyRotateFile from 'winston-daily-rotate-file';
import type { LoggingConfig } from '../config/app-config.js';
import { AppError, coerceError, fsErrorCode } from '../errors.js';
import { formatJsonLine, formatTextLine } from './log-line.js';
import type { LogLevel, LogMeta, Logger } from './logger.js';
import { redact, redactUrl } from './redact.js';

/**
 * The only place that knows winston. Everything else gets our narrow {@link Logger}.
 *
 * - Console: every level goes to stderr, so stdout stays free for command results (`--json`).
 *   Text for people on a terminal (and for the CLI on a pipe), JSON lines for machines.
 * - File: `customer-import-<date>.log` in `config.dir`, JSON lines, rotated daily (and by size
 *   with `maxSize`), at most `maxFiles` files kept.
 */

export interface WinstonLoggerOptions {
  mode: 'cli' | 'service';
  /** Instance name added to every line (several watchers may share one log store). */
  instance?: string;
  /** Default: `process.stderr.isTTY`. */
  stderrIsTty?: boolean;
  /**
   * Where console lines go. Default: `process.stderr` through winston's Console transport. A CLI
   * with injected io, or a test that reads the lines, passes its own stream.
   */
  stderr?: NodeJS.WritableStream;
}

export interface WinstonLoggerHandle {
  logger: Logger;
  /** Flushes and closes every transport; safe to call more than once. Logging afterwards is a no-op. */
  close(): Promise<void>;
}

/** File name pattern of the log file; `%DATE%` is the day (YYYY-MM-DD). */
export const LOG_FILE_BASENAME = 'customer-import-%DATE%';
export const LOG_FILE_EXTENSION = '.log';
/**
 * The rotate library remembers its files in this audit file, and only files listed there are
 * ever deleted. A fixed name (instead of the library's default, a hash of the options) keeps
 * `maxFiles` working across restarts even when the level or another option changes.
 */
export const LOG_AUDIT_FILE = '.customer-import-audit.json';

// Our four levels, not winston's seven: the Logger interface has exactly these methods.
const LEVELS: Readonly<Record<LogLevel, number>> = {
  error: 0,
  warn: 1,
  info: 2,
  debug: 3,
};

// How long close() waits for the file stream before giving up, so a stuck disk (or a share
// that went away) cannot keep a finished CLI run from exiting.
const CLOSE_TIMEOUT_MS = 5000;

// Winston keeps the finished line under this symbol (triple-beam's MESSAGE); Symbol.for gives
// the same symbol without importing winston's internals.
const MESSAGE = Symbol.for('message');

export function createWinstonLogger(
  config: LoggingConfig,
  options: WinstonLoggerOptions,
): WinstonLoggerHandle {
  const stderr = options.stderr ?? process.stderr;
  const isTty = options.stderrIsTty ?? process.stderr.isTTY;
  const consoleJson = config.json || (options.mode === 'service' && !isTty);
  const omitKeys = new Set(['instance']);

  const consoleFormat = winston.format((info) => {
    const entry = toEntry(info);
    setMessage(
      info,
      consoleJson
        ? formatJsonLine(entry)
        : formatTextLine(entry, { colors: isTty, omitKeys }),
    );
    return info;
  })();
  const consoleTransport =
    options.stderr === undefined
      ? new winston.transports.Console({
          stderrLevels: Object.keys(LEVELS),
          format: consoleFormat,
        })
      : new winston.transports.Stream({
          stream: stderr,
          format: consoleFormat,
        });

  // A failing log file (disk full, share gone, a folder where the next file should be) must not
  // crash the service through an unhandled 'error' event. It cannot be logged through the
  // broken logger, so it goes to stderr, once per kind of failure.
  const reported = new Set<string>();
  const reportFailure = (e: unknown): void => {
    const err = coerceError(e);
    const key = `${err.name}:${fsErrorCode(err) ?? err.message}`;
    if (!reported.has(key)) {
      reported.add(key);
      stderr.write(
        `customer-import: writing the log failed: ${redactUrl(err.message)}\n`,
      );
    }
  };

  const transports: winston.transport[] = [consoleTransport];
  let fileTransport: DailyRotateFile | undefined;
  if (config.file) {
    fileTransport = createFileTransport(config);
    // The rotate library re-emits its file streams' errors on `logStream` and nowhere else.
    fileTransport.logStream.on('error', reportFailure);
    transports.push(fileTransport);
  }

  const winstonLogger = winston.createLogger({
    levels: LEVELS,
    level: config.level,
    defaultMeta:
      options.instance === undefined
        ? undefined
        : { instance: options.instance },
    format: winston.format.combine(winston.format.timestamp(), redactFormat()),
    transports,
    exitOnError: false,
  });

  winstonLogger.on('error', reportFailure);

  const state: LoggerState = { closed: false };
  let closing: Promise<void> | undefined;
  return {
    logger: new WinstonLogger(winstonLogger, state),
    close: () => {
      closing ??= closeLogger(winstonLogger, fileTransport, state);
      return closing;
    },
  };
}

interface LoggerState {
  closed: boolean;
}

/** Adapts a winston logger (or child) to our Logger; drops lines once the handle is closed. */
class WinstonLogger implements Logger {
  readonly #winston: winston.Logger;
  readonly #state: LoggerState;

  constructor(logger: winston.Logger, state: LoggerState) {
    this.#winston = logger;
    this.#state = state;
  }

  error(message: string, meta?: LogMeta): void {
    this.#log('error', message, meta);
  }
  warn(message: string, meta?: LogMeta): void {
    this.#log('warn', message, meta);
  }
  info(message: string, meta?: LogMeta): void {
    this.#log('info', message, meta);
  }
  debug(message: string, meta?: LogMeta): void {
    this.#log('debug', message, meta);
  }

  child(meta: LogMeta): Logger {
    return new WinstonLogger(this.#winston.child(meta), this.#state);
  }

  #log(level: LogLevel, message: string, meta: LogMeta | undefined): void {
    if (this.#state.closed) {
      return;
    }
    // The info-object form: winston's `log(level, message, meta)` would glue a `message` key of
    // the meta onto the message and treat an Error meta specially.
    this.#winston.log({ ...meta, level, message });
  }
}

function createFileTransport(config: LoggingConfig): DailyRotateFile {
  try {
    // Checked up front, synchronously: the rotate library would otherwise throw from deep
    // inside, or fail later in an 'error' event that nobody sees at start-up.
    mkdirSync(config.dir, { recursive: true });
    accessSync(config.dir, constants.W_OK);
    return new DailyRotateFile({
      dirname: config.dir,
      filename: LOG_FILE_BASENAME,
      extension: LOG_FILE_EXTENSION,
      datePattern: 'YYYY-MM-DD',
      maxFiles: config.maxFiles,
      ...(config.maxSize === undefined ? {} : { maxSize: config.maxSize }),
      auditFile: `${config.dir}/${LOG_AUDIT_FILE}`,
      zippedArchive: false,
      format: winston.format((info) => {
        setMessage(info, formatJsonLine(toEntry(info)));
        return info;
      })(),
    });
  } catch (e) {
    const err = coerceError(e);
    throw new AppError(
      'CONFIG_INVALID',
      `Cannot write log files to '${config.dir}' (${err.message}). Fix logging.dir, its permissions, or set logging.file to false`,
      { cause: err, details: { dir: config.dir } },
    );
  }
}

/** Masks secrets in every meta value and in the message (see redact.ts). */
function redactFormat(): winston.Logform.Format {
  return winston.format((info) => {
    for (const key of Object.keys(info)) {
      if (key === 'level') {
        continue;
      }
      info[key] =
        key === 'message'
          ? redactUrl(String(info[key]))
          : redact(info[key], key);
    }
    return info;
  })();
}

function toEntry(info: winston.Logform.TransformableInfo): {
  timestamp: string;
  level: string;
  message: string;
  meta: Record<string, unknown>;
} {
  const { level, message, timestamp, ...meta } = info;
  return {
    timestamp:
      typeof timestamp === 'string' ? timestamp : new Date().toISOString(),
    level,
    message: typeof message === 'string' ? message : String(message),
    meta,
  };
}

function setMessage(
  info: winston.Logform.TransformableInfo,
  line: string,
): void {
  (info as unknown as Record<symbol, unknown>)[MESSAGE] = line;
}

/**
 * Ends the logger (winston waits until every transport has taken all lines), then ends the
 * file stream and waits for its 'finish', which is when the bytes are with the OS. Winston's own
 * 'finish' comes before that, which is why short CLI runs used to lose their last lines.
 */
async function closeLogger(
  logger: winston.Logger,
  fileTransport: DailyRotateFile | undefined,
  state: LoggerState,
): Promise<void> {
  state.closed = true;
  await withTimeout(
    new Promise<void>((resolve) => {
      logger.once('finish', () => resolve());
      logger.end();
    }),
  );
  if (fileTransport !== undefined) {
    const stream = fileTransport.logStream;
    await withTimeout(
      new Promise<void>((resolve) => {
        // The callback also fires with an error when the stream was already ended; either way
        // there is nothing left to wait for.
        stream.end(() => resolve());
      }),
    );
  }
  logger.close();
}

function withTimeout(promise: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
