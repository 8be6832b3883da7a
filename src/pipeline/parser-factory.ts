import type { AppConfig } from '../config/app-config.js';
import type { FormatDefinition } from '../formats/format-definition.js';
import { createParser } from '../parse/create-parser.js';
import type { Parser } from '../parse/parser.js';

/**
 * Bytes per read of a text file. A read is decoded and split into records at once, so its rows
 * wait in the parser until the pipeline asks for them; with 64 KiB (the parsers' default) that
 * is ~380 rows of a typical export, which outlive a batch or two and end up in V8's old
 * generation. 16 KiB (~95 rows) halves what a 100 000-row import promotes at 250-row batches.
 */
export const TEXT_READ_BYTES = 16 * 1024;

/** The pipeline's `parserFor` from the app config: workbook limits come from `excel`. */
export function parserFactory(
  config: Pick<AppConfig, 'excel'>,
): (format: FormatDefinition) => Parser {
  return (format) =>
    createParser(format, {
      excel: config.excel,
      delimited: { highWaterMark: TEXT_READ_BYTES },
      fixedWidth: { highWaterMark: TEXT_READ_BYTES },
    });
}
