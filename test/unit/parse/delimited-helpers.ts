import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  FormatDefinitionSchema,
  type DelimitedFormat,
  type FormatDefinitionInput,
} from '../../../src/formats/format-definition.js';
import {
  DelimitedParser,
  type DelimitedParserOptions,
} from '../../../src/parse/delimited-parser.js';
import type { RawRow } from '../../../src/parse/parser.js';

/** Helpers shared by the delimited parser tests (not a test file itself). */

type DelimitedInput = Extract<FormatDefinitionInput, { type: 'delimited' }>;

/** A delimited format with two positional columns unless the test says otherwise. */
export function delimitedFormat(
  overrides: Partial<Omit<DelimitedInput, 'type'>> = {},
): DelimitedFormat {
  const parsed = FormatDefinitionSchema.parse({
    type: 'delimited',
    id: 'test-format',
    columns: [
      { source: 1, field: 'customerNo', required: true },
      { source: 2, field: 'name' },
    ],
    ...overrides,
  });
  if (parsed.type !== 'delimited') {
    throw new Error('not a delimited format');
  }
  return parsed;
}

export interface ParseAllResult {
  header: string[] | null;
  rows: RawRow[];
  batches: RawRow[][];
  bytes: number[];
}

export interface ParseAllOptions extends DelimitedParserOptions {
  batchSize?: number;
  displayName?: string;
  /** Also told every progress report (they are in the result too, when there is one). */
  onBytes?: (bytesRead: number) => void;
}

/** Opens `path` with a DelimitedParser and reads every batch. */
export async function parseAll(
  path: string,
  format: DelimitedFormat,
  options: ParseAllOptions = {},
): Promise<ParseAllResult> {
  const parser = new DelimitedParser(options);
  const bytes: number[] = [];
  const parsed = await parser.open({
    path,
    displayName: options.displayName ?? 'test.csv',
    sizeBytes: 0,
    format,
    batchSize: options.batchSize ?? 1000,
    onBytes: (n) => {
      bytes.push(n);
      options.onBytes?.(n);
    },
  });
  const batches: RawRow[][] = [];
  try {
    for await (const batch of parsed.rows) {
      batches.push(batch);
    }
  } finally {
    await parsed.close();
  }
  return { header: parsed.header, rows: batches.flat(), batches, bytes };
}

/** Writes `content` to `dir/name` and returns the path. */
export async function writeExport(
  dir: string,
  name: string,
  content: string | Uint8Array,
): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

/** Cells of the rows as plain strings (the delimited parser only gives strings). */
export function cellsOf(rows: RawRow[]): string[][] {
  return rows.map((r) => r.cells.map((c) => String(c)));
}

/** A file in test/fixtures/exports. */
export function fixturePath(name: string): string {
  return fileURLToPath(
    new URL(`../../fixtures/exports/${name}`, import.meta.url),
  );
}
