import type { AppConfig } from '../config/app-config.js';
import type { FormatDefinition } from '../formats/format-definition.js';
import { createParser } from '../parse/create-parser.js';
import type { Parser } from '../parse/parser.js';

/** The pipeline's `parserFor` from the app config: workbook limits come from `excel`. */
export function parserFactory(
  config: Pick<AppConfig, 'excel'>,
): (format: FormatDefinition) => Parser {
  return (format) => createParser(format, { excel: config.excel });
}
