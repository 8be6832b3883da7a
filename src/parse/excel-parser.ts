import { stat } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { AppError, coerceError, fsErrorCode } from '../errors.js';
import type { XlsxFormat } from '../formats/format-definition.js';
import { WorkerInbox } from '../util/worker-inbox.js';
import { resolveWorkerEntry } from '../util/worker-entry.js';
import type { ParsedFile, ParseInput, Parser, RawRow } from './parser.js';
import type {
  ExcelMainMessage,
  ExcelWorkerInput,
  ExcelWorkerMessage,
  WireRow,
} from './excel-worker.js';

/** Limits for reading one workbook; `AppConfig['excel']` has exactly these fields. */
export interface ExcelParserOptions {
  /** Heap limit of the worker thread, in MB (old generation). */
  maxHeapMb: number;
  /** Wall-clock limit for reading the workbook, in seconds. */
  timeoutSeconds: number;
  /** Larger workbooks are rejected unread, in bytes. */
  maxFileBytes: number;
}

/** Young generation of the worker; small, since SheetJS keeps its data in the old generation. */
const YOUNG_GENERATION_MB = 16;
const BYTES_PER_MB = 1024 * 1024;

/**
 * Reads `type: xlsx` formats with SheetJS in a worker thread. SheetJS holds a whole sheet in
 * memory and cannot stream, so the worker gets a heap limit and a time limit: a workbook that
 * exceeds them fails with RESOURCE_LIMIT and the process carries on. Rows come back in batches
 * on demand, so only the worker holds the sheet.
 */
export class ExcelParser implements Parser {
  readonly #options: Readonly<ExcelParserOptions>;

  constructor(options: ExcelParserOptions) {
    this.#options = Object.freeze({ ...options });
  }

  async open(input: ParseInput): Promise<ParsedFile> {
    const format = input.format;
    if (format.type !== 'xlsx') {
      throw new AppError(
        'INTERNAL',
        `ExcelParser cannot read format '${format.id}' of type ${format.type}`,
      );
    }
    input.signal?.throwIfAborted();
    await this.#checkSize(input);
    const session = new WorkbookSession(input, format, this.#options);
    return session.start();
  }

  async #checkSize(input: ParseInput): Promise<void> {
    let sizeBytes: number;
    try {
      sizeBytes = (await stat(input.path)).size;
    } catch (e) {
      const code = fsErrorCode(e);
      throw new AppError(
        'FILE_UNREADABLE',
        `Cannot read '${input.displayName}' (${code ?? 'unknown error'})`,
        {
          cause: coerceError(e),
          details: { fsCode: code },
        },
      );
    }
    if (sizeBytes > this.#options.maxFileBytes) {
      throw new AppError(
        'FILE_TOO_LARGE',
        `Workbook '${input.displayName}' is ${formatMb(sizeBytes)}; workbooks over ${formatMb(this.#options.maxFileBytes)} are not read (excel.maxFileBytes). Export it as CSV instead`,
        { details: { sizeBytes, maxFileBytes: this.#options.maxFileBytes } },
      );
    }
  }
}

/** `B17` for column index 1 (0-based) and sheet row 17. */
export function cellRef(columnIndex: number, line: number): string {
  return `${columnLetters(columnIndex)}${line}`;
}

/** `A` for 0, `Z` for 25, `AA` for 26. */
export function columnLetters(columnIndex: number): string {
  let name = '';
  for (let n = columnIndex + 1; n > 0; n = Math.floor((n - 1) / 26)) {
    name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  }
  return name;
}

function formatMb(bytes: number): string {
  const mb = bytes / BYTES_PER_MB;
  return `${mb >= 10 ? Math.round(mb) : Math.round(mb * 10) / 10} MB`;
}

/** One workbook being read: owns the worker, turns its messages into the ParsedFile contract. */
class WorkbookSession {
  readonly #input: ParseInput;
  readonly #format: XlsxFormat;
  readonly #options: Readonly<ExcelParserOptions>;
  #worker: Worker | undefined;
  /** The worker's replies, and the first failure (later messages and calls see it again). */
  readonly #inbox: WorkerInbox<ExcelWorkerMessage>;

  constructor(
    input: ParseInput,
    format: XlsxFormat,
    options: Readonly<ExcelParserOptions>,
  ) {
    this.#input = input;
    this.#format = format;
    this.#options = options;
    this.#inbox = new WorkerInbox({
      afterClose: () =>
        new AppError(
          'INTERNAL',
          `Rows of '${input.displayName}' were read after close()`,
        ),
      onFail: () => void this.#terminate(),
    });
  }

  async start(): Promise<ParsedFile> {
    const entry = resolveWorkerEntry(import.meta.url, 'excel-worker');
    const workerInput: ExcelWorkerInput = {
      path: this.#input.path,
      displayName: this.#input.displayName,
      sheet: this.#format.sheet,
      headerRow: this.#format.headerRow,
      header: this.#format.header,
      batchSize: Math.max(1, this.#input.batchSize),
    };
    const worker = new Worker(entry.script, {
      eval: entry.eval,
      workerData: workerInput,
      resourceLimits: {
        maxOldGenerationSizeMb: this.#options.maxHeapMb,
        maxYoungGenerationSizeMb: Math.min(
          YOUNG_GENERATION_MB,
          this.#options.maxHeapMb,
        ),
      },
      // The worker reads nothing from stdin and must not print: library code never writes stdout.
      stdin: false,
      stdout: true,
      stderr: true,
    });
    this.#worker = worker;
    worker.on('message', (message: ExcelWorkerMessage) =>
      this.#settle(message),
    );
    worker.on('error', (error: Error) =>
      this.#inbox.fail(this.#translateWorkerError(error)),
    );
    worker.on('exit', (exitCode: number) => {
      if (!this.#inbox.closed) {
        this.#inbox.fail(
          new AppError(
            'INTERNAL',
            `The workbook reader for '${this.#input.displayName}' stopped (exit code ${exitCode})`,
          ),
        );
      }
    });

    const signal = this.#input.signal;
    const onAbort = (): void => {
      this.#inbox.fail(coerceError(signal?.reason ?? new Error('aborted')));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted === true) {
      // Aborted while the size was checked: the event has fired already.
      onAbort();
    }

    // The time limit covers reading the workbook, which is where SheetJS spends its time;
    // handing out batches afterwards is linear and cheap.
    const timeoutSeconds = this.#options.timeoutSeconds;
    const timer = setTimeout(() => {
      this.#inbox.fail(
        new AppError(
          'RESOURCE_LIMIT',
          `Reading workbook '${this.#input.displayName}' took longer than ${timeoutSeconds} s; raise excel.timeoutSeconds or split the workbook`,
          { details: { timeoutSeconds } },
        ),
      );
    }, timeoutSeconds * 1000);

    let ready: ExcelWorkerMessage;
    try {
      ready = await this.#inbox.next();
    } catch (e) {
      signal?.removeEventListener('abort', onAbort);
      await this.#terminate();
      throw e;
    } finally {
      clearTimeout(timer);
    }
    if (ready.type !== 'ready') {
      signal?.removeEventListener('abort', onAbort);
      await this.#terminate();
      throw this.#unexpected(ready);
    }
    this.#input.onBytes?.(ready.bytesRead);
    worker.unref();

    const close = async (): Promise<void> => {
      signal?.removeEventListener('abort', onAbort);
      await this.#terminate();
    };
    return {
      header: ready.header,
      sheet: ready.sheetName,
      rows: this.#batches(close),
      cellRef,
      close,
    };
  }

  async *#batches(close: () => Promise<void>): AsyncGenerator<RawRow[]> {
    try {
      for (;;) {
        this.#send({ type: 'next' });
        const message = await this.#inbox.next();
        if (message.type === 'end') {
          return;
        }
        if (message.type !== 'batch') {
          throw this.#unexpected(message);
        }
        yield message.rows.map((row) => this.#toRawRow(row));
      }
    } finally {
      // Also runs when the consumer stops early (break, throw): the worker goes at once.
      await close();
    }
  }

  #toRawRow(row: WireRow): RawRow {
    if (row.issue === undefined) {
      return { line: row.line, cells: row.cells };
    }
    return {
      line: row.line,
      cells: row.cells,
      issue: {
        line: row.line,
        column: row.issue.column,
        value: row.issue.value,
        code: 'INVALID_VALUE',
        message: row.issue.message,
        severity: 'error',
        cell: row.issue.cell,
      },
    };
  }

  #send(message: ExcelMainMessage): void {
    if (this.#inbox.failure !== undefined) {
      return;
    }
    // Keep the process alive only while the worker has a request to answer.
    this.#worker?.ref();
    this.#worker?.postMessage(message);
  }

  #settle(message: ExcelWorkerMessage): void {
    if (message.type === 'failed') {
      this.#inbox.fail(
        new AppError(
          message.code,
          message.message,
          message.fsCode === undefined
            ? {}
            : { details: { fsCode: message.fsCode } },
        ),
      );
      return;
    }
    this.#worker?.unref();
    this.#inbox.push(message);
  }

  #translateWorkerError(error: Error): Error {
    if (fsErrorCode(error) === 'ERR_WORKER_OUT_OF_MEMORY') {
      return new AppError(
        'RESOURCE_LIMIT',
        `Workbook '${this.#input.displayName}' needs more than ${this.#options.maxHeapMb} MB to read; raise excel.maxHeapMb or split the workbook`,
        { cause: error, details: { maxHeapMb: this.#options.maxHeapMb } },
      );
    }
    return new AppError(
      'INTERNAL',
      `The workbook reader failed on '${this.#input.displayName}'`,
      { cause: error },
    );
  }

  #unexpected(message: ExcelWorkerMessage): AppError {
    return new AppError(
      'INTERNAL',
      `The workbook reader sent '${message.type}' out of turn`,
    );
  }

  async #terminate(): Promise<void> {
    if (!this.#inbox.close()) {
      return;
    }
    const worker = this.#worker;
    this.#worker = undefined;
    await worker?.terminate();
  }
}
