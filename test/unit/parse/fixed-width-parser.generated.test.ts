import { rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  FormatDefinitionSchema,
  type FormatDefinitionInput,
} from '../../../src/formats/format-definition.js';
import { createParser } from '../../../src/parse/create-parser.js';
import { DelimitedParser } from '../../../src/parse/delimited-parser.js';
import { ExcelParser } from '../../../src/parse/excel-parser.js';
import {
  FixedWidthParser,
  LineSplitter,
} from '../../../src/parse/fixed-width-parser.js';
import type { ParsedFile, RawRow } from '../../../src/parse/parser.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

// Generated exports in the shape of an ERP's fixed-width customer file: a record-type letter
// in column 1 (C = customer, K = contact), windows-1252 text, CRLF line endings.

type FixedInput = Extract<FormatDefinitionInput, { type: 'fixed-width' }>;

function customerFormat(overrides: Partial<FixedInput> = {}) {
  return FormatDefinitionSchema.parse({
    type: 'fixed-width',
    id: 'erp-fixed',
    encoding: 'windows-1252',
    recordType: { start: 1, length: 1, value: 'C' },
    columns: [
      { field: 'customerNo', start: 2, length: 6, required: true },
      { field: 'name', start: 8, length: 20 },
      { field: 'city', start: 28, end: 42 },
      { field: 'country', start: 43, length: 2 },
    ],
    ...overrides,
  });
}

/** One record: the fields padded to the widths of customerFormat(). */
function record(
  kind: string,
  no: string,
  name: string,
  city: string,
  country: string,
): string {
  return kind + no.padEnd(6) + name.padEnd(20) + city.padEnd(15) + country;
}

const parser = new FixedWidthParser();
let dir: string;

beforeEach(async () => {
  dir = await makeTempDir('fixed-width-');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readAll(parsed: ParsedFile): Promise<RawRow[][]> {
  const batches: RawRow[][] = [];
  try {
    for await (const batch of parsed.rows) {
      batches.push(batch);
    }
  } finally {
    await parsed.close();
  }
  return batches;
}

async function writeExport(
  name: string,
  text: string,
  encoding = 'windows-1252',
): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, iconv.encode(text, encoding));
  return path;
}

function open(
  path: string,
  format = customerFormat(),
  batchSize = 100,
  onBytes?: (n: number) => void,
) {
  return parser.open({
    path,
    displayName: 'kunden.txt',
    sizeBytes: 0,
    format,
    batchSize,
    ...(onBytes === undefined ? {} : { onBytes }),
  });
}

describe('FixedWidthParser on a generated windows-1252 export', () => {
  const lines = [
    record('C', '10001', 'Müller GmbH', 'Köln', 'DE'),
    record('K', '10001', 'Frau Jäger', 'Verkauf', ''),
    record('C', '10002', 'Café Zürich €', 'Zürich', 'CH'),
    '',
    record('K', '10002', 'Herr Øster', 'Einkauf', ''),
    record('C', '00103', 'Straße & Söhne', 'Graz', 'AT'),
  ];

  it('decodes windows-1252 and reads only the C records, positions in characters', async () => {
    const path = await writeExport('kunden.txt', lines.join('\r\n') + '\r\n');
    const parsed = await open(path);
    expect(parsed.header).toBeNull();
    expect(parsed.cellRef).toBeUndefined();
    const rows = (await readAll(parsed)).flat();
    expect(rows).toEqual([
      {
        line: 1,
        cells: ['10001 ', 'Müller GmbH         ', 'Köln           ', 'DE'],
      },
      {
        line: 3,
        cells: ['10002 ', 'Café Zürich €       ', 'Zürich         ', 'CH'],
      },
      {
        line: 6,
        cells: ['00103 ', 'Straße & Söhne      ', 'Graz           ', 'AT'],
      },
    ]);
  });

  it('reads the K records when the format asks for them', async () => {
    const path = await writeExport('kunden.txt', lines.join('\r\n'));
    const rows = (
      await readAll(
        await open(
          path,
          customerFormat({ recordType: { start: 1, length: 1, value: 'K' } }),
        ),
      )
    ).flat();
    expect(rows.map((r) => [r.line, r.cells[1]])).toEqual([
      [2, 'Frau Jäger          '],
      [5, 'Herr Øster          '],
    ]);
  });

  it('streams a large file in batches across read chunks and reports the bytes read', async () => {
    const many: string[] = [];
    for (let i = 0; i < 6000; i++) {
      many.push(
        record(
          i % 3 === 0 ? 'K' : 'C',
          String(i).padStart(6, '0'),
          `Kunde ${i} Ä`,
          'Wien',
          'AT',
        ),
      );
    }
    const path = await writeExport('gross.txt', many.join('\r\n') + '\r\n');
    const progress: number[] = [];
    const batches = await readAll(
      await open(path, customerFormat(), 1000, (n) => progress.push(n)),
    );
    expect(batches.map((b) => b.length)).toEqual([1000, 1000, 1000, 1000]);
    const rows = batches.flat();
    expect(rows[0]).toEqual({
      line: 2,
      cells: ['000001', 'Kunde 1 Ä           ', 'Wien           ', 'AT'],
    });
    expect(rows.at(-1)?.line).toBe(6000);
    expect(rows.at(-1)?.cells[0]).toBe('005999');
    const size = (await stat(path)).size;
    expect(size).toBeGreaterThan(3 * 64 * 1024);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toBe(size);
  });

  it('skips lines, comments and blank lines, counting every physical line', async () => {
    const text = [
      'Kundenexport 2026-11-21',
      '# Satzart C',
      '',
      record('C', '1', 'A', 'B', 'DE'),
      '   ',
      '#C',
      record('C', '2', 'C', 'D', 'DE'),
    ].join('\n');
    const path = await writeExport('kunden.txt', text);
    const rows = (
      await readAll(
        await open(path, customerFormat({ skipLines: 1, comment: '#' })),
      )
    ).flat();
    expect(rows.map((r) => [r.line, r.cells[0]])).toEqual([
      [4, '1     '],
      [7, '2     '],
    ]);
  });

  it('reports RECORD_TOO_SHORT for a required column and gives "" for an optional one', async () => {
    const format = customerFormat({
      columns: [
        { field: 'customerNo', start: 2, length: 6, required: true },
        { field: 'name', start: 8, length: 20, required: true },
        { field: 'country', start: 43, length: 2 },
      ],
    });
    const path = await writeExport(
      'kunden.txt',
      ['C10001 Meier', 'C10002', 'C10003 Huber'].join('\r\n'),
    );
    const rows = (await readAll(await open(path, format))).flat();
    expect(rows[0]).toEqual({ line: 1, cells: ['10001 ', 'Meier', ''] });
    expect(rows[1]?.cells).toEqual(['10002', '', '']);
    expect(rows[1]?.issue).toMatchObject({
      line: 2,
      column: '8-27',
      code: 'RECORD_TOO_SHORT',
      severity: 'error',
    });
    expect(rows[1]?.issue?.message).toBe(
      "Line 2 of 'kunden.txt' is 6 characters long, but the required column at 8-27 needs at least 8 (27 for the full column)",
    );
    expect(rows[2]?.issue).toBeUndefined();
  });

  it('treats CR as data when the format says lineEnding: lf', async () => {
    const path = await writeExport('kunden.txt', 'C1\rX\nC2\n');
    const format = customerFormat({
      lineEnding: 'lf',
      columns: [{ field: 'customerNo', start: 2, length: 3, required: true }],
    });
    const rows = (await readAll(await open(path, format))).flat();
    expect(rows).toEqual([
      { line: 1, cells: ['1\rX'] },
      { line: 2, cells: ['2'] },
    ]);
  });

  it('fails with FILE_EMPTY for a file of blank lines', async () => {
    const path = await writeExport('kunden.txt', '\r\n  \r\n');
    await expect(readAll(await open(path))).rejects.toMatchObject({
      code: 'FILE_EMPTY',
    });
  });

  it('passes on ENCODING_INVALID for bytes that are not UTF-8', async () => {
    const path = await writeExport(
      'kunden.txt',
      record('C', '1', 'Müller', 'Köln', 'DE'),
    );
    await expect(
      readAll(await open(path, customerFormat({ encoding: 'utf-8' }))),
    ).rejects.toMatchObject({
      code: 'ENCODING_INVALID',
    });
  });

  it('fails with FILE_UNREADABLE for a missing file', async () => {
    await expect(open(join(dir, 'missing.txt'))).rejects.toMatchObject({
      code: 'FILE_UNREADABLE',
    });
  });

  it('stops reading when the consumer stops early; close() is safe to repeat', async () => {
    const path = await writeExport(
      'kunden.txt',
      [1, 2, 3].map((i) => record('C', String(i), 'N', 'C', 'DE')).join('\n'),
    );
    const parsed = await open(path, customerFormat(), 1);
    const seen: number[] = [];
    for await (const batch of parsed.rows) {
      seen.push(...batch.map((r) => r.line));
      break;
    }
    expect(seen).toEqual([1]);
    await parsed.close();
    await parsed.close();
  });
});

describe('LineSplitter', () => {
  function split(
    lineEnding: 'auto' | 'lf' | 'crlf' | 'cr',
    pieces: string[],
  ): string[] {
    const splitter = new LineSplitter(lineEnding);
    const lines = pieces.flatMap((p) => splitter.push(p));
    const last = splitter.end();
    return last === undefined ? lines : [...lines, last];
  }

  it('splits LF, CRLF and lone CR alike, also when CRLF is cut between pieces', () => {
    expect(split('auto', ['a\r', '\nb\r', 'c\n', 'd'])).toEqual([
      'a',
      'b',
      'c',
      'd',
    ]);
    expect(split('auto', ['a\r\n\r\nb\r'])).toEqual(['a', '', 'b']);
    expect(split('auto', ['a\n', '\r', ''])).toEqual(['a', '']);
  });

  it('splits only on the chosen separator', () => {
    expect(split('crlf', ['a\nb\r', '\nc\rd'])).toEqual(['a\nb', 'c\rd']);
    expect(split('cr', ['a\r', 'b\nc\r'])).toEqual(['a', 'b\nc']);
  });
});

describe('FixedWidthParser line length limit', () => {
  it('fails with PARSE_FAILED when a line grows past maxLineChars', async () => {
    const path = await writeExport(
      'kunden.txt',
      record('C', '1', 'N', 'C', 'DE') + '\n' + 'C'.repeat(5000),
    );
    const small = new FixedWidthParser({
      maxLineChars: 1000,
      highWaterMark: 256,
    });
    const parsed = await small.open({
      path,
      displayName: 'kunden.txt',
      sizeBytes: 0,
      format: customerFormat(),
      batchSize: 10,
    });
    await expect(readAll(parsed)).rejects.toMatchObject({
      code: 'PARSE_FAILED',
      message: expect.stringContaining(
        "Line 2 of 'kunden.txt' is longer than 1000 characters",
      ) as unknown,
    });
  });
});

// create-parser.ts has no test file of its own yet; it is the fixed-width parser's entry point.
describe('createParser', () => {
  it('picks the parser by the format type', () => {
    const excel = { maxHeapMb: 64, timeoutSeconds: 10, maxFileBytes: 1024 };
    expect(createParser({ type: 'fixed-width' }, { excel })).toBeInstanceOf(
      FixedWidthParser,
    );
    expect(createParser({ type: 'delimited' }, { excel })).toBeInstanceOf(
      DelimitedParser,
    );
    expect(createParser({ type: 'xlsx' }, { excel })).toBeInstanceOf(
      ExcelParser,
    );
  });
});
