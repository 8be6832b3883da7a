import type { FormatDefinition } from '../formats/format-definition.js';
import {
  DelimitedParser,
  type DelimitedParserOptions,
} from './delimited-parser.js';
import { ExcelParser, type ExcelParserOptions } from './excel-parser.js';
import {
  FixedWidthParser,
  type FixedWidthParserOptions,
} from './fixed-width-parser.js';
import type { Parser } from './parser.js';

export interface CreateParserOptions {
  /** Heap, time and size limits for workbooks; the app config's `excel` section fits as is. */
  excel: ExcelParserOptions;
  delimited?: DelimitedParserOptions;
  fixedWidth?: FixedWidthParserOptions;
}

/**
 * The parser for a format's file type. Parsers hold no per-file state, so the pipeline may
 * create one per file or keep one per type.
 */
export function createParser(
  format: Pick<FormatDefinition, 'type'>,
  options: CreateParserOptions,
): Parser {
  const type = format.type;
  switch (type) {
    case 'delimited':
      return new DelimitedParser(options.delimited);
    case 'fixed-width':
      return new FixedWidthParser(options.fixedWidth);
    case 'xlsx':
      return new ExcelParser(options.excel);
    default: {
      const never: never = type;
      return never;
    }
  }
}
