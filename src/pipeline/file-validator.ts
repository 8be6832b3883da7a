import type { FormatDefinition } from '../formats/format-definition.js';
import type { ParsedFile } from '../parse/parser.js';
import type { ColumnBinding } from '../validate/map-columns.js';
import {
  createRowValidator,
  type RowValidator,
} from '../validate/validate-rows.js';

/**
 * The row validator of a file's import: the one that validates its rows, and the one the parse
 * thread takes each row's key and last-modified value from (parse-worker.ts), so that both give
 * a row the same ones.
 */
export function createFileValidator(
  format: FormatDefinition,
  binding: ColumnBinding,
  defaultTimeZone: string,
  /** Where cells are, for the messages of spreadsheets. */
  source: Pick<ParsedFile, 'cellRef' | 'sheet'> = {},
): RowValidator {
  return createRowValidator(format, binding, {
    defaultTimeZone,
    // Sorted field names: the store serialises a record with one JSON.stringify.
    sortFields: true,
    ...(source.cellRef === undefined
      ? {}
      : { cellRef: source.cellRef.bind(source) }),
    ...(source.sheet === undefined ? {} : { sheet: source.sheet }),
  });
}
