import type { RowIssue } from '../domain/row-issue.js';
import type { FormatDefinition } from '../formats/format-definition.js';

/**
 * The parser contract. A parser turns a file into rows of raw cells, in batches, and knows
 * nothing of customers, validation or stores. File-level problems (unreadable, wrong encoding,
 * wrong delimiter, empty, no header) are thrown as AppError from `open()` or from the row
 * iterator; row-level problems (too many fields, unterminated quote) come with the row as data.
 */

/**
 * A raw cell: text for text files; typed values for spreadsheets. A `Date` from a spreadsheet
 * carries the sheet's wall-clock date and time in its UTC components (a date-only cell is UTC
 * midnight), so read it with getUTC*(); a datetime has no zone of its own (see excel-worker.ts).
 */
export type Cell = string | number | boolean | Date | null;

export interface RawRow {
  /** 1-based line in the file where this record starts (the sheet row for spreadsheets). */
  line: number;
  cells: Cell[];
  /** A problem with the row as a whole; a row with an `error` issue is not imported. */
  issue?: RowIssue;
}

export interface ParsedFile {
  /** Header cells as found (not normalised), or null when the format has no header row. */
  readonly header: string[] | null;
  /** Rows in file order, in batches (bounded memory: the next batch is read on demand). */
  readonly rows: AsyncIterable<RawRow[]>;
  /** Name of the sheet read, for messages; undefined for text files. */
  readonly sheet?: string;
  /** Where a cell is, for messages: `B17` for sheets; undefined for text files. */
  cellRef?(columnIndex: number, line: number): string | undefined;
  /** Stops reading and releases the file (also safe after the rows were consumed). */
  close(): Promise<void>;
}

export interface ParseInput {
  /** Absolute path of the file to read. */
  path: string;
  /** Name for messages (file name as the admin knows it). */
  displayName: string;
  sizeBytes: number;
  format: FormatDefinition;
  /** Rows per batch. */
  batchSize: number;
  /** Called as bytes are consumed (for progress bars). */
  onBytes?: (bytesRead: number) => void;
  signal?: AbortSignal;
}

export interface Parser {
  open(input: ParseInput): Promise<ParsedFile>;
}
