import type { RowIssue } from '../domain/row-issue.js';
import { AppError } from '../errors.js';
import type { DelimitedFormat } from '../formats/format-definition.js';
import { decodeText } from './decode.js';
import {
  describeDelimiter,
  detectDelimiter,
  detectNewline,
  newlinesPresent,
  otherDelimitersIn,
  type Newline,
} from './delimited-detect.js';
import { FieldCountCheck } from './delimited-field-count.js';
import {
  DelimitedRecordReader,
  type DelimitedRecord,
} from './delimited-records.js';
import type { FileChunks } from './file-chunks.js';
import { indexAfterLines } from './line-counter.js';
import type { ParsedFile, RawRow } from './parser.js';

/**
 * One open delimited file: reads the start of the file to settle its layout (skipped lines,
 * line ending, delimiter, header), then hands out rows in batches, reading on only when the
 * consumer asks for the next batch.
 *
 * @internal
 */

/** How much text the layout guesses look at. */
const SAMPLE_CHARS = 64 * 1024;

const NEWLINES: Record<
  Exclude<DelimitedFormat['lineEnding'], 'auto'>,
  Newline
> = {
  lf: '\n',
  crlf: '\r\n',
  cr: '\r',
};
const NEWLINE_NAMES: Record<Newline, string> = {
  '\n': 'LF',
  '\r\n': 'CRLF',
  '\r': 'CR',
};

export interface DelimitedSessionOptions {
  displayName: string;
  format: DelimitedFormat;
  /** The configured delimiter, already normalised (`auto` or the character(s)). */
  delimiter: string;
  batchSize: number;
  maxRecordChars: number;
  file: FileChunks;
  /** Total bytes read so far (the file reader keeps it up to date). */
  bytesRead: () => number;
}

export class DelimitedSession implements ParsedFile {
  readonly rows: AsyncIterable<RawRow[]>;

  readonly #options: DelimitedSessionOptions;
  readonly #format: DelimitedFormat;
  readonly #text: AsyncIterator<string>;
  #reader: DelimitedRecordReader | undefined;
  #header: string[] | null = null;
  #headerSeen = false;
  #fieldCount: FieldCountCheck | undefined;
  #delimiter = ',';
  #ready: RawRow[] = [];
  #eof = false;
  #closed = false;
  /** What the start of the file held (the whole file when it is small), for FILE_EMPTY. */
  #blank = false;
  #textLength = 0;

  constructor(options: DelimitedSessionOptions) {
    this.#options = options;
    this.#format = options.format;
    this.#text = decodeText(options.file.chunks, {
      encoding: options.format.encoding,
      displayName: options.displayName,
    })[Symbol.asyncIterator]();
    this.rows = this.#batches();
  }

  get header(): string[] | null {
    return this.#header;
  }

  /** Settles the layout and reads up to the first data row. Throws file-level AppErrors. */
  async start(): Promise<void> {
    const format = this.#format;
    const { body, firstLine, complete } = await this.#readStart();
    const sample = body.slice(0, SAMPLE_CHARS);
    const newline = this.#newline(
      sample,
      complete && body.length <= SAMPLE_CHARS,
    );
    this.#delimiter =
      this.#options.delimiter === 'auto'
        ? (detectDelimiter({
            sample,
            newline,
            quote: format.quote,
            comment: format.comment,
            complete: complete && body.length <= SAMPLE_CHARS,
          }) ?? ',')
        : this.#options.delimiter;
    this.#reader = new DelimitedRecordReader({
      displayName: this.#options.displayName,
      delimiter: this.#delimiter,
      newline,
      quote: format.quote,
      escape: format.escape,
      comment: format.comment,
      firstLine,
      maxRecordChars: this.#options.maxRecordChars,
    });
    this.#accept(this.#reader.push(body));
    if (complete) {
      this.#eof = true;
      this.#accept(this.#reader.end());
    }
    while (
      !this.#eof &&
      ((format.header && !this.#headerSeen) || this.#ready.length === 0)
    ) {
      await this.#pump();
    }
    this.#checkNotEmpty();
    this.#checkDelimiter();
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#options.file.close();
  }

  /** Reads the first lines: everything up to the sample size, past the skipped lines. */
  async #readStart(): Promise<{
    body: string;
    firstLine: number;
    complete: boolean;
  }> {
    const skip = this.#format.skipLines;
    let text = '';
    let complete = false;
    let target = SAMPLE_CHARS;
    for (;;) {
      while (!complete && text.length < target) {
        const next = await this.#text.next();
        if (next.done === true) {
          complete = true;
        } else {
          text += next.value;
        }
      }
      this.#blank = text.trim() === '';
      this.#textLength = text.length;
      const start = skip === 0 ? 0 : indexAfterLines(text, skip, complete);
      if (start !== undefined) {
        return { body: text.slice(start), firstLine: skip + 1, complete };
      }
      if (complete) {
        this.#throwEmpty(
          `it has fewer than the ${skip} lines the format skips (skipLines: ${skip})`,
        );
      }
      // The skipped lines are longer than the sample: read on.
      target *= 2;
    }
  }

  #newline(sample: string, complete: boolean): Newline {
    const format = this.#format;
    if (format.lineEnding === 'auto') {
      return detectNewline(sample, format.quote);
    }
    const declared = NEWLINES[format.lineEnding];
    const present = newlinesPresent(
      complete ? sample : sample.slice(0, sample.lastIndexOf('\n')),
      format.quote,
    );
    const found = [...present][0];
    if (
      !present.has(declared) &&
      found !== undefined &&
      !(declared === '\n' && present.has('\r\n'))
    ) {
      throw new AppError(
        'PARSE_FAILED',
        `'${this.#options.displayName}' has ${NEWLINE_NAMES[found]} line endings, but format '${format.id}' ` +
          `says lineEnding: ${format.lineEnding}. Set lineEnding: auto (or ${NEWLINE_NAMES[found].toLowerCase()}) ` +
          'in the format definition',
        {
          details: {
            file: this.#options.displayName,
            format: format.id,
            found: NEWLINE_NAMES[found],
          },
        },
      );
    }
    return declared;
  }

  /** Reads and parses the next piece of text. */
  async #pump(): Promise<void> {
    const reader = this.#reader as DelimitedRecordReader;
    const next = await this.#text.next();
    if (next.done === true) {
      this.#eof = true;
      this.#accept(reader.end());
    } else {
      this.#accept(reader.push(next.value));
    }
  }

  #accept(records: DelimitedRecord[]): void {
    for (const record of records) {
      if (!this.#headerSeen && this.#format.header) {
        this.#headerSeen = true;
        const header = record.cells;
        // decodeText strips the BOM; a second one (a file saved twice) is still not a name.
        if (header[0]?.charCodeAt(0) === 0xfeff) {
          header[0] = header[0].slice(1);
        }
        this.#header = header;
        this.#fieldCount = FieldCountCheck.fromHeader(
          header,
          record.line,
          this.#delimiter,
        );
        continue;
      }
      this.#fieldCount ??= FieldCountCheck.fromFirstRow(
        record.cells,
        record.line,
        this.#delimiter,
      );
      this.#ready.push(this.#toRow(record, this.#fieldCount));
    }
  }

  #toRow(record: DelimitedRecord, fieldCount: FieldCountCheck): RawRow {
    const { line, cells } = record;
    let issue: RowIssue | undefined;
    if (record.unterminatedQuote) {
      issue = rowIssue(
        line,
        'UNTERMINATED_QUOTE',
        `Line ${line} ends the file inside a quoted value (the closing quote is missing)`,
      );
    } else if (record.malformedQuotes) {
      const runs =
        record.endLine > line
          ? `; the quoted value runs on to line ${record.endLine}, so those lines may belong to it`
          : '';
      issue = rowIssue(
        line,
        'MALFORMED_QUOTES',
        `Line ${line} has a malformed quoted value (a quote inside a quoted value must be doubled)${runs}`,
      );
    } else {
      issue = fieldCount.check(cells, line);
    }
    return issue === undefined ? { line, cells } : { line, cells, issue };
  }

  #checkNotEmpty(): void {
    const skip = this.#format.skipLines;
    const after = skip === 0 ? '' : ` after the ${skip} skipped lines`;
    if (this.#format.header && !this.#headerSeen) {
      this.#throwEmpty(
        `it has no header row${after}, only blank or comment lines`,
      );
    }
    if (this.#ready.length === 0) {
      if (this.#format.header) {
        throw new AppError(
          'NO_DATA_ROWS',
          `'${this.#options.displayName}' contains a header but no data rows`,
          { details: { file: this.#options.displayName } },
        );
      }
      this.#throwEmpty(`it has no rows${after}, only blank or comment lines`);
    }
  }

  #throwEmpty(otherwise: string): never {
    const bytes = this.#options.bytesRead();
    let why = otherwise;
    if (bytes === 0) {
      why = 'it is 0 bytes long';
    } else if (this.#textLength === 0) {
      why = 'it holds no text, only a byte order mark';
    } else if (this.#blank) {
      why = 'it holds only whitespace';
    }
    throw new AppError(
      'FILE_EMPTY',
      `'${this.#options.displayName}' is empty: ${why}`,
      {
        details: { file: this.#options.displayName, bytes },
      },
    );
  }

  /**
   * One column where the format needs several, and that one cell holds another delimiter:
   * the format names the wrong delimiter. Said plainly here, instead of as a missing column.
   */
  #checkDelimiter(): void {
    const format = this.#format;
    const needsMore =
      format.columns.length > 1 ||
      format.columns.some((c) => typeof c.source === 'number' && c.source > 1);
    if (!needsMore) {
      return;
    }
    // With a header, the header decides; without, every row read so far must be one cell.
    let cell: string | undefined;
    if (this.header !== null) {
      cell = this.header.length === 1 ? this.header[0] : undefined;
    } else if (this.#ready.every((r) => r.cells.length === 1)) {
      cell = String(this.#ready[0]?.cells[0] ?? '');
    }
    const other =
      cell === undefined
        ? undefined
        : otherDelimitersIn(cell, this.#delimiter)[0];
    if (other === undefined) {
      return;
    }
    const says =
      this.#options.delimiter === 'auto'
        ? `auto (and found no delimiter outside quotes, so ${describeDelimiter(this.#delimiter)})`
        : describeDelimiter(this.#delimiter);
    throw new AppError(
      'PARSE_FAILED',
      `'${this.#options.displayName}': every row has one column: the file looks ` +
        `${describeDelimiter(other)}-delimited but format '${format.id}' says ${says}. ` +
        `Set delimiter: "${other === '\t' ? '\\t' : other}" in the format definition`,
      {
        details: {
          file: this.#options.displayName,
          format: format.id,
          found: other,
          configured: this.#delimiter,
        },
      },
    );
  }

  async *#batches(): AsyncGenerator<RawRow[]> {
    const size = Math.max(1, this.#options.batchSize);
    try {
      for (;;) {
        while (this.#ready.length < size && !this.#eof && !this.#closed) {
          await this.#pump();
        }
        if (this.#closed || this.#ready.length === 0) {
          return;
        }
        let batch: RawRow[];
        if (this.#ready.length <= size) {
          batch = this.#ready;
          this.#ready = [];
        } else {
          batch = this.#ready.slice(0, size);
          this.#ready = this.#ready.slice(size);
        }
        yield batch;
      }
    } finally {
      // Done, failed or abandoned: release the file descriptor now, not at close().
      await this.close();
    }
  }
}

function rowIssue(
  line: number,
  code: RowIssue['code'],
  message: string,
): RowIssue {
  return { line, column: null, value: null, code, message, severity: 'error' };
}
