import { AppError } from '../errors.js';
import type { DelimitedFormat } from '../formats/format-definition.js';
import { DelimitedSession } from './delimited-session.js';
import {
  DEFAULT_HIGH_WATER_MARK_BYTES,
  openFileChunks,
} from './file-chunks.js';
import type { ParsedFile, ParseInput, Parser } from './parser.js';

/**
 * The parser for `type: delimited` formats (CSV, semicolon and tab separated text).
 *
 * Streaming from end to end: bytes are read on demand (file-chunks.ts), decoded piece by
 * piece (decode.ts), split into records by papaparse's low-level parser with array rows
 * (delimited-records.ts; object rows are about twice as slow), and handed out in batches
 * (delimited-session.ts). At most one read chunk beyond the current batch is held in memory,
 * so a 2 GB export costs no more memory than a 2 MB one.
 */

/** Longest record (one row, quoted line breaks included), in characters. */
export const DEFAULT_MAX_RECORD_CHARS = 1_000_000;

export interface DelimitedParserOptions {
  /**
   * A record longer than this fails the file with PARSE_FAILED, so a file without line
   * breaks (or with a quote that is never closed) cannot eat memory. Default 1 000 000.
   */
  maxRecordChars?: number;
  /** Bytes per read from the file. Default 64 KiB; tests use tiny values to cut characters. */
  highWaterMark?: number;
}

/** Spellings of the tab delimiter an admin may write in YAML or JSON. */
const TAB_ALIASES: ReadonlySet<string> = new Set(['\\t', 'tab', 'TAB', 'Tab']);

export class DelimitedParser implements Parser {
  readonly #maxRecordChars: number;
  readonly #highWaterMark: number;

  constructor(options: DelimitedParserOptions = {}) {
    this.#maxRecordChars = options.maxRecordChars ?? DEFAULT_MAX_RECORD_CHARS;
    this.#highWaterMark =
      options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK_BYTES;
  }

  async open(input: ParseInput): Promise<ParsedFile> {
    const format = input.format;
    if (format.type !== 'delimited') {
      throw new AppError(
        'INTERNAL',
        `DelimitedParser cannot read format '${format.id}' of type ${format.type}`,
      );
    }
    const delimiter = checkedDelimiter(format);
    let bytesRead = 0;
    const file = await openFileChunks(input.path, {
      displayName: input.displayName,
      highWaterMark: this.#highWaterMark,
      onBytes: (total) => {
        bytesRead = total;
        input.onBytes?.(total);
      },
      ...(input.signal === undefined ? {} : { signal: input.signal }),
    });
    const session = new DelimitedSession({
      displayName: input.displayName,
      format,
      delimiter,
      batchSize: input.batchSize,
      maxRecordChars: this.#maxRecordChars,
      file,
      bytesRead: () => bytesRead,
    });
    try {
      await session.start();
    } catch (e) {
      await session.close();
      throw e;
    }
    return session;
  }
}

/**
 * The format's delimiter, with tab aliases resolved; `auto` stays `auto`. Papaparse would
 * silently fall back to ',' for a delimiter it cannot use, so those are refused here.
 */
function checkedDelimiter(format: DelimitedFormat): string {
  const delimiter = TAB_ALIASES.has(format.delimiter) ? '\t' : format.delimiter;
  const problem = /[\r\n\uFEFF]/.test(delimiter)
    ? 'must not contain a line break'
    : delimiter.includes(format.quote)
      ? `must not contain the quote character ${format.quote}`
      : format.comment !== undefined && delimiter === format.comment
        ? 'must differ from the comment prefix'
        : undefined;
  if (problem !== undefined) {
    throw new AppError(
      'FORMAT_DEFINITION_INVALID',
      `Format '${format.id}': delimiter ${JSON.stringify(delimiter)} ${problem}`,
      { details: { format: format.id } },
    );
  }
  return delimiter;
}
