import { z } from 'zod';

/**
 * One problem with one row (or one cell) of a file. Invalid rows are data, not exceptions:
 * parsing and validation return these, and the outcome policy decides what they mean.
 */
export const ROW_ISSUE_CODES = [
  'TOO_FEW_FIELDS',
  'TOO_MANY_FIELDS',
  'UNTERMINATED_QUOTE',
  'MALFORMED_QUOTES',
  'REQUIRED_MISSING',
  'INVALID_NUMBER',
  'INVALID_INTEGER',
  'INVALID_DATE',
  'INVALID_DATETIME',
  'INVALID_BOOLEAN',
  'INVALID_EMAIL',
  'INVALID_COUNTRY',
  'INVALID_VALUE',
  'KEY_MISSING',
  'DUPLICATE_KEY',
  'RECORD_TOO_SHORT',
  /** A contact or address names a customer number the store does not have. */
  'CUSTOMER_NOT_FOUND',
  /** Fallback matching found more than one customer without ERP key; none is guessed. */
  'AMBIGUOUS_MATCH',
  /** A reference to another entity that does not exist (an unknown salesperson code); a warning. */
  'UNKNOWN_REFERENCE',
  /** The row would change the customer type set at the first import; the type is kept. */
  'TYPE_CHANGE_IGNORED',
] as const;
export type RowIssueCode = (typeof ROW_ISSUE_CODES)[number];

export const RowIssueSchema = z.object({
  /** Line in the file where the record starts (1-based), or the sheet row for Excel. */
  line: z.number().int(),
  /** Source column (header name, or `#3` by position); null for a whole-row problem. */
  column: z.string().nullable(),
  /** The offending value as found in the file (for reports only, never for logs). */
  value: z.string().nullable(),
  code: z.enum(ROW_ISSUE_CODES),
  message: z.string(),
  /** `error` skips the row; `warning` keeps it (e.g. a duplicate key: the last one wins). */
  severity: z.enum(['error', 'warning']),
  /** Cell address for spreadsheets (`B17`), if known. */
  cell: z.string().optional(),
});
export type RowIssue = z.infer<typeof RowIssueSchema>;

/**
 * A run's row issues, in file order. A file may have more of them than memory should hold (a
 * warning on every row of a million-row export), so a run keeps the first ones in memory and
 * writes the rest to a temporary file (pipeline/row-issue-log.ts); read them all by iterating.
 * A plain `RowIssue[]` is one too.
 */
export interface RowIssues extends Iterable<RowIssue> {
  readonly length: number;
  /** The issues from `start` up to (not including) `end`; both 0 or more (no negative indexes). */
  slice(start?: number, end?: number): RowIssue[];
  /** Frees the temporary file, if there is one; the issues cannot be read afterwards. */
  release?(): void;
}
