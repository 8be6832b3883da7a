import Papa from 'papaparse';
import { AppError } from '../errors.js';
import type { Newline } from './delimited-detect.js';
import { LineCounter, countLineBreaks } from './line-counter.js';

/**
 * Splits decoded text into records with papaparse's low-level `Parser`, piece by piece, and
 * gives every record the physical line it starts on. Synchronous and free of I/O: text goes
 * in, records come out; `delimited-parser.ts` does the reading and the batching.
 *
 * How pieces are joined: each piece is parsed together with the unfinished record left over
 * from the previous one (`ignoreLastRow`), so a record cut by a chunk boundary is parsed whole.
 *
 * How lines are numbered: papaparse reports, per record (its `step` callback), the position
 * just after the record. A {@link LineCounter} over the same text turns positions into line
 * numbers. When exactly one line break lies between the previous record's end and this one's
 * (the usual case), the record starts on the line after the previous one. Otherwise comment
 * lines or line breaks inside quoted cells are involved; then the record's start line is its
 * last line minus the line breaks inside its cells (comment lines hold no record data).
 *
 * @internal
 */

export interface DelimitedRecord {
  /** 1-based physical line where the record starts. */
  line: number;
  cells: string[];
  /** Papaparse found a quote inside a quoted field that was not doubled (or escaped). */
  malformedQuotes: boolean;
  /** The record ends the file inside a quoted field (only possible for the last record). */
  unterminatedQuote: boolean;
  /** Physical line where the record ends (differs from `line` for quoted line breaks). */
  endLine: number;
}

export interface RecordReaderOptions {
  displayName: string;
  delimiter: string;
  newline: Newline;
  quote: string;
  escape: string;
  comment: string | undefined;
  /** Line number of the first character of the first piece (after skipped lines). */
  firstLine: number;
  /** Longest record allowed, in characters. */
  maxRecordChars: number;
}

/** The shape papaparse's `Parser.parse()` returns (its typings say `any`). */
interface RawResult {
  data: string[][];
  errors: { code: string; index?: number }[];
  meta: { cursor: number };
}

export class DelimitedRecordReader {
  readonly #options: RecordReaderOptions;
  readonly #parser: Papa.Parser;
  /** Text of the record that the last piece did not finish. */
  #pending = '';
  /** Line on which `#pending` starts. */
  #pendingLine: number;

  // State of the parse call in progress, read by #onStep.
  #input = '';
  #counter = new LineCounter('');
  #baseLine = 1;
  #previousEnd = 0;
  #breaksAtPreviousEnd = 0;
  #out: DelimitedRecord[] = [];

  constructor(options: RecordReaderOptions) {
    this.#options = options;
    this.#pendingLine = options.firstLine;
    this.#parser = new Papa.Parser({
      delimiter: options.delimiter,
      newline: options.newline,
      quoteChar: options.quote,
      escapeChar: options.escape,
      ...(options.comment === undefined ? {} : { comments: options.comment }),
      step: (result: unknown) => this.#onStep(result as RawResult),
    });
  }

  /** Parses `text` after what came before; returns the records it completes. */
  push(text: string): DelimitedRecord[] {
    const input = this.#pending.length === 0 ? text : this.#pending + text;
    const out = this.#parse(input, false);
    if (this.#pending.length > this.#options.maxRecordChars) {
      throw this.#tooLong(this.#pending, this.#pendingLine);
    }
    return out;
  }

  /** End of text: parses the unfinished rest as the last record. */
  end(): DelimitedRecord[] {
    const input = this.#pending;
    this.#pending = '';
    return input.length === 0 ? [] : this.#parse(input, true);
  }

  #parse(input: string, atEnd: boolean): DelimitedRecord[] {
    this.#input = input;
    this.#counter = new LineCounter(input);
    this.#baseLine = this.#pendingLine;
    this.#previousEnd = 0;
    this.#breaksAtPreviousEnd = 0;
    this.#out = [];
    const result = this.#parser.parse(input, 0, !atEnd) as RawResult;
    const consumed = result.meta.cursor;
    // Whatever is left is the start of an unfinished record (or comment lines before it).
    this.#pending = consumed >= input.length ? '' : input.slice(consumed);
    this.#pendingLine = this.#baseLine + this.#counter.breaksBefore(consumed);
    const out = this.#out;
    this.#out = [];
    this.#input = '';
    return out;
  }

  #onStep(result: RawResult): void {
    const cells = result.data[0];
    if (cells === undefined) {
      return;
    }
    const input = this.#input;
    const end = result.meta.cursor;
    const breaksAtEnd = this.#counter.breaksBefore(end);
    const last = input.charCodeAt(end - 1);
    const terminated = last === 0x0a || last === 0x0d ? 1 : 0;
    const endLine = this.#baseLine + breaksAtEnd - terminated;
    let line: number;
    if (breaksAtEnd - this.#breaksAtPreviousEnd === terminated) {
      line = this.#baseLine + this.#breaksAtPreviousEnd;
    } else {
      line = endLine - breaksInCells(cells);
    }
    if (end - this.#previousEnd > this.#options.maxRecordChars) {
      throw this.#tooLong(input.slice(this.#previousEnd, end), line);
    }
    const blank =
      cells.length === 1 &&
      (cells[0] ?? '').trim() === '' &&
      !this.#quotedBefore(end);
    this.#previousEnd = end;
    this.#breaksAtPreviousEnd = breaksAtEnd;
    if (blank) {
      // A blank (or whitespace-only) line is not a record; a quoted empty value ("") is.
      return;
    }
    let malformedQuotes = false;
    let unterminatedQuote = false;
    for (const error of result.errors) {
      if (error.code === 'InvalidQuotes') {
        malformedQuotes = true;
      } else if (error.code === 'MissingQuotes') {
        unterminatedQuote = true;
        const opened = this.#lineAt(error.index);
        if (endLine > opened) {
          throw this.#neverClosed(opened);
        }
      }
    }
    this.#out.push({
      line,
      cells,
      malformedQuotes,
      unterminatedQuote,
      endLine,
    });
  }

  /** Whether the line that ends at `end` (a one-cell blank-looking record) holds a quote. */
  #quotedBefore(end: number): boolean {
    const input = this.#input;
    let stop = end;
    while (
      stop > this.#previousEnd &&
      (input.charCodeAt(stop - 1) === 0x0a ||
        input.charCodeAt(stop - 1) === 0x0d)
    ) {
      stop--;
    }
    if (stop <= this.#previousEnd) {
      return false;
    }
    const lineBreak = Math.max(
      input.lastIndexOf('\n', stop - 1),
      input.lastIndexOf('\r', stop - 1),
    );
    const from = Math.max(lineBreak, this.#previousEnd - 1) + 1;
    return input.slice(from, stop).includes(this.#options.quote);
  }

  /** Line of a position in the current input, without moving the forward-only counter. */
  #lineAt(index: number | undefined): number {
    const upTo = Math.max(0, (index ?? 1) - 1);
    return this.#baseLine + countLineBreaks(this.#input.slice(0, upTo));
  }

  /**
   * A record over the limit. If a quote opened in it and never closed, that is the real
   * problem, so find where: parse the text as if the file ended here.
   */
  #tooLong(text: string, line: number): AppError {
    const probe = new Papa.Parser({
      delimiter: this.#options.delimiter,
      newline: this.#options.newline,
      quoteChar: this.#options.quote,
      escapeChar: this.#options.escape,
      ...(this.#options.comment === undefined
        ? {}
        : { comments: this.#options.comment }),
    });
    const result = probe.parse(text, 0, false) as RawResult;
    const missing = result.errors.find((e) => e.code === 'MissingQuotes');
    if (missing !== undefined) {
      const opened =
        line +
        countLineBreaks(text.slice(0, Math.max(0, (missing.index ?? 1) - 1)));
      return this.#neverClosed(opened, this.#options.maxRecordChars);
    }
    const limit = this.#options.maxRecordChars;
    return new AppError(
      'PARSE_FAILED',
      `'${this.#options.displayName}': the record starting on line ${line} is longer than ` +
        `${limit.toLocaleString('en-US')} characters; the file may not be a delimited text file ` +
        'or its line endings may be set wrong',
      {
        details: {
          file: this.#options.displayName,
          line,
          maxRecordChars: limit,
        },
      },
    );
  }

  #neverClosed(line: number, withinChars?: number): AppError {
    const within =
      withinChars === undefined
        ? ''
        : ` (not within ${withinChars.toLocaleString('en-US')} characters)`;
    return new AppError(
      'PARSE_FAILED',
      `'${this.#options.displayName}': the quote opened on line ${line} is never closed${within}, ` +
        'so the rest of the file would be read as one value. Fix the quoting in the export ' +
        '(a quote inside a quoted value must be doubled)',
      { details: { file: this.#options.displayName, line } },
    );
  }
}

/** Line breaks inside the cells of one record (only quoted cells can have them). */
function breaksInCells(cells: string[]): number {
  let n = 0;
  for (let i = 0; i < cells.length; i++) {
    let cell = cells[i] ?? '';
    if (i === cells.length - 1 && cell.endsWith('\r')) {
      // A CRLF file read with lineEnding lf: the last cell keeps the CR of the record's end.
      cell = cell.slice(0, -1);
    }
    if (cell.includes('\n') || cell.includes('\r')) {
      n += countLineBreaks(cell);
    }
  }
  return n;
}
