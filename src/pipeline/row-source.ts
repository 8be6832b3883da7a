import { availableParallelism } from 'node:os';
import type { FieldValue } from '../domain/customer.js';
import type { FormatDefinition } from '../formats/format-definition.js';
import type {
  ParsedFile,
  ParseInput,
  Parser,
  RawRow,
} from '../parse/parser.js';
import { openParseThread } from './parse-thread.js';
import type { RowFingerprint } from './source-rows.js';

/**
 * Where the pipeline's rows come from: the format's parser on the pipeline's own thread, or, for
 * a large text file, the same parser in a worker thread that also gives customer rows their
 * hash, key and date while it is ahead (parse-thread.ts). Both give the same rows in the same
 * batches; the thread only moves work off the thread that validates and writes.
 */

/**
 * A batch of file rows, with what the pipeline needs of each row before validating it, by
 * position, where the reader computed it already: null when it did not (the pipeline does).
 */
export interface SourceBatch {
  rows: RawRow[];
  /** Each row's hash (source-rows.ts). */
  hashes: readonly string[] | null;
  /** Each row's key as validation gives it, null for a row without one. */
  keys: readonly (string | null)[] | null;
  /** Each row's value of the format's last-modified field, null for none. */
  lastModified: readonly (FieldValue | null)[] | null;
}

export interface RowSource extends Omit<ParsedFile, 'rows'> {
  readonly batches: AsyncIterable<SourceBatch>;
}

/**
 * Text files from this size on are read in a worker thread. Chosen, not measured to the byte: a
 * worker takes tens of milliseconds to start and 25–40 MB of memory, and on 100 000 rows
 * (16 MB) its gain was within the noise; on 1 000 000 rows it was 15–30 %.
 */
export const DEFAULT_PARSE_THREAD_MIN_BYTES = 4 * 1024 * 1024;

/**
 * The default threshold on a machine with `cores` CPUs: with one, the two threads could only
 * take turns, so the worker would cost its memory and packing for nothing.
 */
export function defaultParseThreadMinBytes(
  cores: number = availableParallelism(),
): number {
  return cores > 1 ? DEFAULT_PARSE_THREAD_MIN_BYTES : Infinity;
}

/**
 * Bytes per read in the worker thread: its rows leave packed, so they need not be read in small
 * pieces to die young (parser-factory.ts), and a re-import of 1 000 000 rows took 17.6 s with
 * 16 KiB reads and 12.0 s with 64 KiB.
 */
const THREAD_READ_BYTES = 64 * 1024;

/** Batches the worker thread may run ahead of the pipeline. */
const MAX_BATCHES_IN_FLIGHT = 4;

export interface OpenRowSourceOptions {
  input: ParseInput;
  parserFor: (format: FormatDefinition) => Parser;
  /** Text files of at least this size go through the worker thread; Infinity: never. */
  threadMinBytes: number;
  /** What row hashes depend on besides format and header; null: the rows are not hashed. */
  fingerprint: Omit<RowFingerprint, 'format' | 'header'> | null;
}

export async function openRowSource(
  options: OpenRowSourceOptions,
): Promise<RowSource> {
  const { input } = options;
  if (
    input.format.type !== 'xlsx' &&
    input.sizeBytes >= options.threadMinBytes
  ) {
    return openParseThread({
      path: input.path,
      displayName: input.displayName,
      sizeBytes: input.sizeBytes,
      format: input.format,
      batchSize: input.batchSize,
      readBytes: THREAD_READ_BYTES,
      fingerprint: options.fingerprint,
      maxBatchesInFlight: MAX_BATCHES_IN_FLIGHT,
      ...(input.onBytes === undefined ? {} : { onBytes: input.onBytes }),
      ...(input.signal === undefined ? {} : { signal: input.signal }),
    });
  }
  const parsed = await options.parserFor(input.format).open(input);
  return inThread(parsed);
}

/** A parser's file as a row source: its batches, without hashes. */
function inThread(parsed: ParsedFile): RowSource {
  async function* batches(): AsyncGenerator<SourceBatch> {
    for await (const rows of parsed.rows) {
      yield { rows, hashes: null, keys: null, lastModified: null };
    }
  }
  return {
    get header() {
      return parsed.header;
    },
    ...(parsed.sheet === undefined ? {} : { sheet: parsed.sheet }),
    ...(parsed.cellRef === undefined
      ? {}
      : { cellRef: parsed.cellRef.bind(parsed) }),
    batches: batches(),
    close: () => parsed.close(),
  };
}
