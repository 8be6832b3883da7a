import { Worker } from 'node:worker_threads';
import { AppError, coerceError, ErrorCode, fsErrorCode } from '../errors.js';
import type { RawRow } from '../parse/parser.js';
import { WorkerInbox } from '../util/worker-inbox.js';
import { resolveWorkerEntry } from '../util/worker-entry.js';
import { unpackRows, unpackStrings } from './packed-rows.js';
import type {
  ParseMainMessage,
  ParseWorkerInput,
  ParseWorkerMessage,
} from './parse-worker.js';
import type { RowSource, SourceBatch } from './row-source.js';

/**
 * A text file read in a worker thread (parse-worker.ts): reading, decoding and splitting into
 * records (and, while the worker is ahead, each customer row's hash, key and date) run on
 * another core while the pipeline validates and writes the rows before them. At most
 * `maxBatchesInFlight` batches wait between the two threads, so memory stays bounded however
 * large the file.
 *
 * Failures arrive as the AppError the parser threw (code, message, details), from `open` or
 * from the batch iterator after the batches read before it, as they would without the thread.
 *
 * @internal
 */

/** The worker's heap limit: a parser holds a read and a record of at most ~1 M characters. */
const WORKER_HEAP_MB = 256;
/**
 * Its young generation. Smaller ones collect far more often: a re-import of 1 000 000 rows took
 * 17.3 s with 4 MB, 16.2 s with 8 MB and 10.9–12.0 s with 16 MB (32 MB: no faster, 20 MB more
 * resident).
 */
const WORKER_YOUNG_GENERATION_MB = 16;

export type ParseThreadInput = ParseWorkerInput & {
  onBytes?: (bytesRead: number) => void;
  signal?: AbortSignal;
};

export async function openParseThread(
  input: ParseThreadInput,
): Promise<RowSource> {
  const thread = new ParseThread(input);
  try {
    return await thread.start();
  } catch (e) {
    await thread.close();
    throw e;
  }
}

class ParseThread implements RowSource {
  readonly batches: AsyncIterable<SourceBatch>;
  readonly #input: ParseThreadInput;
  #worker: Worker | undefined;
  #header: string[] | null = null;
  /** The worker's messages (at most the batches in flight wait there) and its failure. */
  readonly #inbox: WorkerInbox<ParseWorkerMessage>;
  /** The worker posted `end`: its exit is no failure any more. */
  #ended = false;
  #onAbort: (() => void) | undefined;

  constructor(input: ParseThreadInput) {
    this.#input = input;
    this.#inbox = new WorkerInbox({
      afterClose: () =>
        new AppError(
          ErrorCode.INTERNAL,
          `Rows of '${input.displayName}' were read after close()`,
        ),
      onFail: () => void this.close(),
    });
    this.batches = this.#batches();
  }

  get header(): string[] | null {
    return this.#header;
  }

  async start(): Promise<RowSource> {
    const input = this.#input;
    const workerData: ParseWorkerInput = {
      path: input.path,
      displayName: input.displayName,
      sizeBytes: input.sizeBytes,
      format: input.format,
      batchSize: input.batchSize,
      readBytes: input.readBytes,
      fingerprint: input.fingerprint,
      maxBatchesInFlight: input.maxBatchesInFlight,
    };
    const entry = resolveWorkerEntry(import.meta.url, 'parse-worker');
    const worker = new Worker(entry.script, {
      eval: entry.eval,
      workerData,
      resourceLimits: {
        maxOldGenerationSizeMb: WORKER_HEAP_MB,
        maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB,
      },
      // Library code never prints: the worker's output is not passed on.
      stdin: false,
      stdout: true,
      stderr: true,
    });
    this.#worker = worker;
    worker.on('message', (message: ParseWorkerMessage) =>
      this.#receive(message),
    );
    worker.on('error', (error: Error) =>
      this.#inbox.fail(this.#workerError(error)),
    );
    worker.on('exit', (exitCode: number) => {
      if (!this.#inbox.closed && !this.#ended) {
        this.#inbox.fail(
          new AppError(
            ErrorCode.INTERNAL,
            `The file reader for '${input.displayName}' stopped (exit code ${exitCode})`,
          ),
        );
      }
    });
    const signal = input.signal;
    if (signal !== undefined) {
      const onAbort = (): void => {
        this.#inbox.fail(coerceError(signal.reason ?? new Error('aborted')));
      };
      if (signal.aborted) {
        onAbort();
      } else {
        signal.addEventListener('abort', onAbort, { once: true });
        this.#onAbort = () => signal.removeEventListener('abort', onAbort);
      }
    }
    const opened = await this.#inbox.next();
    if (opened.type !== 'opened') {
      throw this.#unexpected(opened);
    }
    this.#header = opened.header;
    return this;
  }

  async close(): Promise<void> {
    if (!this.#inbox.close()) {
      return;
    }
    this.#onAbort?.();
    const worker = this.#worker;
    this.#worker = undefined;
    await worker?.terminate();
  }

  async *#batches(): AsyncGenerator<SourceBatch> {
    for (;;) {
      const message = await this.#inbox.next();
      if (message.type === 'end') {
        this.#input.onBytes?.(message.bytesRead);
        return;
      }
      if (message.type !== 'batch') {
        throw this.#unexpected(message);
      }
      this.#send({ type: 'more' });
      const rows: RawRow[] =
        message.packed === null
          ? (message.rows ?? [])
          : unpackRows(message.packed);
      this.#input.onBytes?.(message.bytesRead);
      const { hashes, keys, lastModified } = message;
      yield {
        rows,
        // Every row has a hash: none is null.
        hashes: hashes === null ? null : (unpackStrings(hashes) as string[]),
        keys: keys === null ? null : unpackStrings(keys),
        lastModified:
          lastModified === null || Array.isArray(lastModified)
            ? lastModified
            : unpackStrings(lastModified),
      };
    }
  }

  #send(message: ParseMainMessage): void {
    if (this.#inbox.failure === undefined) {
      this.#worker?.postMessage(message);
    }
  }

  #receive(message: ParseWorkerMessage): void {
    if (message.type === 'failed') {
      // After the batches before it, as on one thread: their rows' issues belong in the report.
      this.#inbox.pushFailure(reportedFailure(message));
      return;
    }
    if (message.type === 'end') {
      this.#ended = true;
    }
    this.#inbox.push(message);
  }

  #workerError(error: Error): Error {
    if (fsErrorCode(error) === 'ERR_WORKER_OUT_OF_MEMORY') {
      return new AppError(
        ErrorCode.RESOURCE_LIMIT,
        `Reading '${this.#input.displayName}' needs more than ${WORKER_HEAP_MB} MB`,
        { cause: error, details: { maxHeapMb: WORKER_HEAP_MB } },
      );
    }
    return new AppError(
      ErrorCode.INTERNAL,
      `The file reader failed on '${this.#input.displayName}'`,
      { cause: error },
    );
  }

  #unexpected(message: ParseWorkerMessage): AppError {
    return new AppError(
      ErrorCode.INTERNAL,
      `The file reader sent '${message.type}' out of turn`,
    );
  }
}

/** The AppError the worker reported, as the parser threw it. */
function reportedFailure(
  message: Extract<ParseWorkerMessage, { type: 'failed' }>,
): AppError {
  return new AppError(
    message.code,
    message.message,
    message.details === null ? {} : { details: message.details },
  );
}
