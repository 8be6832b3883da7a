import { AppError } from '../errors.js';
import type {
  FixedColumn,
  FixedWidthFormat,
} from '../formats/format-definition.js';
import type { RowIssue } from '../domain/row-issue.js';
import { decodeText } from './decode.js';
import { openFileChunks, type FileChunks } from './file-chunks.js';
import type { ParsedFile, ParseInput, Parser, RawRow } from './parser.js';

/**
 * Reads `type: fixed-width` formats: every line is one record, and each column is a slice of
 * the line given by a 1-based start and a length (or an inclusive end).
 *
 * Positions count characters of the decoded text, not bytes: a windows-1252 export and its
 * UTF-8 re-encoding give the same columns. Cells are the raw slices, padding included; the
 * validator's transforms trim them, so a format can keep significant spaces if it wants.
 *
 * The file is streamed: bytes are read, decoded and split into lines as rows are asked for,
 * so memory stays flat however large the file is.
 */
/** Longest line, in characters. */
export const DEFAULT_MAX_LINE_CHARS = 1_000_000;

export interface FixedWidthParserOptions {
  /**
   * A line longer than this fails the file with PARSE_FAILED, so a file without line breaks
   * (or with the wrong `lineEnding`) cannot eat memory. Default 1 000 000.
   */
  maxLineChars?: number;
  /** Bytes per read from the file. Default: file-chunks' default (64 KiB). */
  highWaterMark?: number;
}

export class FixedWidthParser implements Parser {
  readonly #maxLineChars: number;
  readonly #highWaterMark: number | undefined;

  constructor(options: FixedWidthParserOptions = {}) {
    this.#maxLineChars = options.maxLineChars ?? DEFAULT_MAX_LINE_CHARS;
    this.#highWaterMark = options.highWaterMark;
  }

  async open(input: ParseInput): Promise<ParsedFile> {
    const format = input.format;
    if (format.type !== 'fixed-width') {
      throw new AppError(
        'INTERNAL',
        `FixedWidthParser cannot read format '${format.id}' of type ${format.type}`,
      );
    }
    const file = await openFileChunks(input.path, {
      displayName: input.displayName,
      ...(this.#highWaterMark === undefined
        ? {}
        : { highWaterMark: this.#highWaterMark }),
      ...(input.onBytes === undefined ? {} : { onBytes: input.onBytes }),
      ...(input.signal === undefined ? {} : { signal: input.signal }),
    });
    return {
      header: null,
      rows: readRows(file, format, input, this.#maxLineChars),
      close: () => file.close(),
    };
  }
}

/** A column with its 0-based slice bounds resolved once. */
interface ColumnSlice {
  /** 0-based index of the first character. */
  from: number;
  /** 0-based index after the last character. */
  to: number;
  required: boolean;
  source: string;
}

function toSlice(column: FixedColumn): ColumnSlice {
  const end = column.end ?? column.start + (column.length ?? 1) - 1;
  // Written as describeColumnSource() writes it; parse/ may import only types from formats/.
  return {
    from: column.start - 1,
    to: end,
    required: column.required,
    source: `${column.start}-${end}`,
  };
}

/** Decides which lines are records of the kind the format reads. */
function recordTypeFilter(format: FixedWidthFormat): (line: string) => boolean {
  const recordType = format.recordType;
  if (recordType === undefined) {
    return () => true;
  }
  const values = new Set(
    Array.isArray(recordType.value) ? recordType.value : [recordType.value],
  );
  const from = recordType.start - 1;
  const to = from + recordType.length;
  return (line) => {
    const field = line.slice(from, to);
    // A value written shorter than its field ("C" in a 2-character field) matches the padded field.
    return values.has(field) || values.has(field.trimEnd());
  };
}

async function* readRows(
  file: FileChunks,
  format: FixedWidthFormat,
  input: ParseInput,
  maxLineChars: number,
): AsyncGenerator<RawRow[]> {
  const columns = format.columns.map(toSlice);
  const isRecord = recordTypeFilter(format);
  const splitter = new LineSplitter(format.lineEnding);
  const batchSize = Math.max(1, input.batchSize);
  let lineNo = 0;
  let sawContent = false;
  let batch: RawRow[] = [];

  const take = (line: string): RawRow | undefined => {
    lineNo++;
    if (line.trim() === '') {
      return undefined;
    }
    sawContent = true;
    if (lineNo <= format.skipLines) {
      return undefined;
    }
    if (format.comment !== undefined && line.startsWith(format.comment)) {
      return undefined;
    }
    // Other record kinds (addresses, accounts, totals) are part of the export, not errors.
    if (!isRecord(line)) {
      return undefined;
    }
    return toRow(line, lineNo, columns, input.displayName);
  };

  try {
    for await (const text of decodeText(file.chunks, {
      encoding: format.encoding,
      displayName: input.displayName,
    })) {
      for (const line of splitter.push(text)) {
        const row = take(line);
        if (row !== undefined) {
          batch.push(row);
          if (batch.length >= batchSize) {
            yield batch;
            batch = [];
          }
        }
      }
      if (splitter.pendingChars > maxLineChars) {
        throw new AppError(
          'PARSE_FAILED',
          `Line ${lineNo + 1} of '${input.displayName}' is longer than ${maxLineChars} characters; ` +
            `check that the file has line breaks and that "lineEnding" (${format.lineEnding}) fits them`,
          { details: { line: lineNo + 1, maxLineChars } },
        );
      }
    }
    const last = splitter.end();
    const row = last === undefined ? undefined : take(last);
    if (row !== undefined) {
      batch.push(row);
    }
    if (!sawContent) {
      throw new AppError(
        'FILE_EMPTY',
        `'${input.displayName}' is empty: it has no non-blank lines`,
      );
    }
    if (batch.length > 0) {
      yield batch;
    }
  } finally {
    await file.close();
  }
}

/**
 * Slices one line. A line that ends before a column starts lacks that column: an optional
 * column gives '', a required one makes the row RECORD_TOO_SHORT. A line that ends inside a
 * column gives what is there, since exporters and editors often strip the trailing padding.
 */
function toRow(
  line: string,
  lineNo: number,
  columns: readonly ColumnSlice[],
  displayName: string,
): RawRow {
  const cells: string[] = [];
  let missing: ColumnSlice | undefined;
  for (const column of columns) {
    if (line.length <= column.from) {
      cells.push('');
      if (column.required && missing === undefined) {
        missing = column;
      }
      continue;
    }
    cells.push(line.slice(column.from, column.to));
  }
  if (missing === undefined) {
    return { line: lineNo, cells };
  }
  const issue: RowIssue = {
    line: lineNo,
    column: missing.source,
    value: null,
    code: 'RECORD_TOO_SHORT',
    message:
      `Line ${lineNo} of '${displayName}' is ${line.length} characters long, but the required column at ` +
      `${missing.source} needs at least ${missing.from + 1} (${missing.to} for the full column)`,
    severity: 'error',
  };
  return { line: lineNo, cells, issue };
}

const AUTO_BREAK = /\r\n|\r|\n/g;
const SEPARATORS = { lf: '\n', crlf: '\r\n', cr: '\r' } as const;

/**
 * Splits streamed text into lines. `auto` takes LF, CRLF and a lone CR alike (old Mac exports
 * still exist), so all three give the same lines and line numbers. A CR at the end of a piece
 * is held back until the next piece shows whether an LF follows.
 *
 * @internal
 */
export class LineSplitter {
  readonly #separator: string | undefined;
  #pending = '';

  constructor(lineEnding: 'auto' | 'lf' | 'crlf' | 'cr') {
    this.#separator =
      lineEnding === 'auto' ? undefined : SEPARATORS[lineEnding];
  }

  /** Characters of the line not yet complete. */
  get pendingChars(): number {
    return this.#pending.length;
  }

  /** Complete lines in the text seen so far. */
  push(text: string): string[] {
    const buffer = this.#pending + text;
    const lines: string[] = [];
    let start = 0;
    if (this.#separator !== undefined) {
      const separator = this.#separator;
      for (
        let at = buffer.indexOf(separator);
        at !== -1;
        at = buffer.indexOf(separator, start)
      ) {
        lines.push(buffer.slice(start, at));
        start = at + separator.length;
      }
    } else {
      AUTO_BREAK.lastIndex = 0;
      for (
        let match = AUTO_BREAK.exec(buffer);
        match !== null;
        match = AUTO_BREAK.exec(buffer)
      ) {
        if (match[0] === '\r' && match.index === buffer.length - 1) {
          break;
        }
        lines.push(buffer.slice(start, match.index));
        start = match.index + match[0].length;
      }
    }
    this.#pending = buffer.slice(start);
    return lines;
  }

  /** The last line when the text does not end with a line break. */
  end(): string | undefined {
    const rest = this.#pending;
    this.#pending = '';
    if (rest === '') {
      return undefined;
    }
    // A lone CR held back at the very end is a line break after all.
    return this.#separator === undefined && rest.endsWith('\r')
      ? rest.slice(0, -1)
      : rest;
  }
}
