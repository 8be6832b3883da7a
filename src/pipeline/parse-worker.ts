/**
 * The worker script of parse-thread.ts: reads a text file with the format's parser, so that the
 * pipeline's thread validates and writes while this one reads the next rows. While it is ahead
 * of the pipeline it also gives each customer row the facts the unchanged-row check needs
 * (source-rows.ts): its hash, key and last-modified value.
 *
 * Protocol: the worker opens the file and posts `opened` with the header, then posts `batch`
 * after `batch` and finally `end`. It runs at most `maxBatchesInFlight` batches ahead of the
 * pipeline: each batch the pipeline takes is acknowledged with `more`. Any failure is posted as
 * `failed` with the AppError's code, message and details, and the worker stops.
 *
 * @internal
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FieldValue } from '../domain/customer.js';
import { AppError, coerceError, ErrorCode } from '../errors.js';
import type { FormatDefinition } from '../formats/format-definition.js';
import { createParser } from '../parse/create-parser.js';
import type { ParsedFile, RawRow } from '../parse/parser.js';
import {
  packedBuffers,
  packRows,
  packStrings,
  type PackedRows,
  type PackedStrings,
} from './packed-rows.js';
import { bindColumns } from '../validate/map-columns.js';
import type { RowValidator } from '../validate/validate-rows.js';
import { createFileValidator } from './file-validator.js';
import { createSourceRowHasher, type RowFingerprint } from './source-rows.js';

export interface ParseWorkerInput {
  path: string;
  displayName: string;
  sizeBytes: number;
  format: FormatDefinition;
  batchSize: number;
  /** Bytes per read of the file. */
  readBytes: number;
  /** What row hashes depend on besides the format and the header; null: rows are not hashed. */
  fingerprint: Omit<RowFingerprint, 'format' | 'header'> | null;
  maxBatchesInFlight: number;
}

export type ParseWorkerMessage =
  | { type: 'opened'; header: string[] | null }
  | {
      type: 'batch';
      /** The rows packed, or as they are when a cell is not text. */
      packed: PackedRows | null;
      rows: RawRow[] | null;
      /** Each row's hash, key and last-modified value, by position; null when not computed. */
      hashes: PackedStrings | null;
      keys: PackedStrings | null;
      /** Packed when every value is text (a datetime column); as they are otherwise. */
      lastModified: PackedStrings | (FieldValue | null)[] | null;
      bytesRead: number;
    }
  | { type: 'end'; bytesRead: number }
  | {
      type: 'failed';
      code: ErrorCode;
      message: string;
      details: Record<string, unknown> | null;
    };

/** The pipeline took a batch: one more may be sent. */
export type ParseMainMessage = { type: 'more' };

const port = parentPort;
if (port === null) {
  throw new Error('parse-worker.ts runs only as a worker thread');
}
const input = workerData as ParseWorkerInput;

let credits = input.maxBatchesInFlight;
let wake: (() => void) | undefined;
port.on('message', (message: ParseMainMessage) => {
  if (message.type === 'more') {
    credits++;
    const resume = wake;
    wake = undefined;
    resume?.();
  }
});

function post(message: ParseWorkerMessage, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(message, transfer);
}

async function run(): Promise<void> {
  let bytesRead = 0;
  const parser = createParser(input.format, {
    // Workbooks are read by their own worker (excel-parser.ts), never here.
    excel: { maxHeapMb: 0, timeoutSeconds: 0, maxFileBytes: 0 },
    delimited: { highWaterMark: input.readBytes },
    fixedWidth: { highWaterMark: input.readBytes },
  });
  const parsed: ParsedFile = await parser.open({
    path: input.path,
    displayName: input.displayName,
    sizeBytes: input.sizeBytes,
    format: input.format,
    batchSize: input.batchSize,
    onBytes: (total) => {
      bytesRead = total;
    },
  });
  try {
    post({ type: 'opened', header: parsed.header });
    const facts = rowFacts(parsed.header);
    for await (const rows of parsed.rows) {
      const ahead = credits === 0;
      while (credits === 0) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
      // Only a thread that is ahead (it waited for the pipeline to take a batch) computes the
      // rows' facts; otherwise the pipeline does (source-rows.ts), so the work balances itself:
      // a first import, bound by its writes, leaves them all to this thread; a re-import, where
      // the pipeline has little else to do, shares them. Either way they are the same facts.
      const share = ahead ? facts : null;
      credits--;
      const packed = packRows(rows) ?? null;
      const hashes =
        share === null ? null : (packStrings(rows.map(share.hash)) ?? null);
      const keys =
        share?.key === undefined
          ? null
          : (packStrings(rows.map(share.key)) ?? null);
      const dates =
        share?.lastModified === undefined ? null : rows.map(share.lastModified);
      const lastModified =
        dates === null ? null : (packStrings(dates) ?? dates);
      post(
        {
          type: 'batch',
          packed,
          rows: packed === null ? rows : null,
          hashes,
          keys,
          lastModified,
          bytesRead,
        },
        packedBuffers(
          packed,
          hashes,
          keys,
          Array.isArray(lastModified) ? null : lastModified,
        ),
      );
    }
    post({ type: 'end', bytesRead });
  } finally {
    await parsed.close();
  }
}

/**
 * What the pipeline needs of each customer row before validating it (source-rows.ts): its hash,
 * and, to settle it unchanged, its key and last-modified value, from the same validator the
 * pipeline builds. Null for other entities (their rows are not settled).
 */
function rowFacts(header: string[] | null): {
  hash: (row: RawRow) => string;
  key?: (row: RawRow) => string | null;
  lastModified?: (row: RawRow) => FieldValue | null;
} | null {
  const fingerprint = input.fingerprint;
  if (fingerprint === null) {
    return null;
  }
  const format = input.format;
  const hashCells = createSourceRowHasher({ ...fingerprint, format, header });
  const hash = (row: RawRow): string => hashCells(row.cells);
  let validator: RowValidator;
  try {
    validator = createFileValidator(
      format,
      bindColumns(format, header, input.displayName),
      fingerprint.defaultTimeZone,
    );
  } catch {
    // A header that does not fit the format: the pipeline binds it too, and says why.
    return { hash };
  }
  const field = format.lastModifiedField;
  return {
    hash,
    key: (row) => validator.keyOf(row) ?? null,
    lastModified: (row) => validator.fieldValue(row, field) ?? null,
  };
}

function failure(e: unknown): ParseWorkerMessage {
  const error = coerceError(e);
  if (error instanceof AppError) {
    return {
      type: 'failed',
      code: error.code,
      message: error.message,
      details: error.details ?? null,
    };
  }
  return {
    type: 'failed',
    code: ErrorCode.INTERNAL,
    message: `Reading '${input.displayName}' failed: ${error.message}`,
    details: null,
  };
}

run().catch((e: unknown) => {
  const message = failure(e);
  try {
    post(message);
  } catch {
    // Details that cannot cross the thread boundary: the code and message still do.
    post({ ...message, details: null } as ParseWorkerMessage);
  }
});
