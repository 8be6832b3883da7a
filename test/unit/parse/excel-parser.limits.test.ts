import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as XLSX from 'xlsx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatDefinitionSchema } from '../../../src/formats/format-definition.js';
import {
  ExcelParser,
  type ExcelParserOptions,
} from '../../../src/parse/excel-parser.js';
import type { ParsedFile } from '../../../src/parse/parser.js';
import { corpusPath } from '../../helpers/corpus.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { zipBomb } from '../../helpers/zip-bomb.js';

// The worker's heap and time limits, the size limit, and files that are no workbook at all.
// After each failure the same process goes on to read a good workbook: the limits kill the
// worker thread, never the process.

const format = FormatDefinitionSchema.parse({
  type: 'xlsx',
  id: 'limits',
  columns: [{ field: 'customerNo', source: 'customerNo', required: true }],
});

const GENEROUS: ExcelParserOptions = {
  maxHeapMb: 512,
  timeoutSeconds: 60,
  maxFileBytes: 100 * 1024 * 1024,
};

function open(
  options: ExcelParserOptions,
  path: string,
  displayName: string,
): Promise<ParsedFile> {
  return new ExcelParser(options).open({
    path,
    displayName,
    sizeBytes: 0,
    format,
    batchSize: 5000,
  });
}

async function countRows(parsed: ParsedFile): Promise<number> {
  let count = 0;
  try {
    for await (const batch of parsed.rows) {
      count += batch.length;
    }
  } finally {
    await parsed.close();
  }
  return count;
}

/** A good workbook is still read after a failure: the process and the parser survived. */
async function expectStillWorking(): Promise<void> {
  const parsed = await new ExcelParser(GENEROUS).open({
    path: corpusPath(
      'xlsx',
      'laravel-excel',
      'import-users-with-headings.xlsx',
    ),
    displayName: 'import-users-with-headings.xlsx',
    sizeBytes: 0,
    format,
    batchSize: 10,
  });
  expect(await countRows(parsed)).toBe(2);
}

// -------------------------------------------------------------------------------------------

const BIG_ROWS = 100_000;
let dir: string;
let bigPath: string;

beforeAll(async () => {
  dir = await makeTempDir('excel-limits-');
  bigPath = join(dir, 'big.xlsx');
  const rows: unknown[][] = [['customerNo', 'name', 'city', 'balance', 'note']];
  for (let i = 0; i < BIG_ROWS; i++) {
    rows.push([
      `K${String(i).padStart(7, '0')}`,
      `Customer ${i}`,
      `City ${i % 1000}`,
      i * 1.5,
      `a longer note for row ${i}`,
    ]);
  }
  const book = XLSX.utils.book_new();
  XLSX.utils.book_append_sheet(
    book,
    XLSX.utils.aoa_to_sheet(rows, { dense: true }),
    'Big',
  );
  await writeFile(
    bigPath,
    XLSX.write(book, {
      type: 'buffer',
      bookType: 'xlsx',
      compression: true,
    }) as Buffer,
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ExcelParser limits', () => {
  it('reads the big workbook within generous limits', async () => {
    expect(await countRows(await open(GENEROUS, bigPath, 'big.xlsx'))).toBe(
      BIG_ROWS,
    );
  });

  it('fails with RESOURCE_LIMIT when the big workbook needs more heap than maxHeapMb', async () => {
    await expect(
      open({ ...GENEROUS, maxHeapMb: 32 }, bigPath, 'big.xlsx'),
    ).rejects.toMatchObject({
      code: 'RESOURCE_LIMIT',
      message: expect.stringContaining(
        "Workbook 'big.xlsx' needs more than 32 MB to read",
      ) as unknown,
    });
    await expectStillWorking();
  });

  it('fails with RESOURCE_LIMIT on a zip bomb and the process carries on', async () => {
    const path = join(dir, 'bomb.xlsx');
    const bytes = zipBomb(64);
    expect(bytes.length).toBeLessThan(1024 * 1024);
    await writeFile(path, bytes);
    await expect(
      open({ ...GENEROUS, maxHeapMb: 32 }, path, 'bomb.xlsx'),
    ).rejects.toMatchObject({
      code: 'RESOURCE_LIMIT',
      message: expect.stringContaining(
        "Workbook 'bomb.xlsx' needs more than 32 MB to read",
      ) as unknown,
    });
    await expectStillWorking();
  });

  it('fails with RESOURCE_LIMIT when reading takes longer than timeoutSeconds', async () => {
    const started = Date.now();
    await expect(
      open({ ...GENEROUS, timeoutSeconds: 0.3 }, bigPath, 'big.xlsx'),
    ).rejects.toMatchObject({
      code: 'RESOURCE_LIMIT',
      message:
        "Reading workbook 'big.xlsx' took longer than 0.3 s; raise excel.timeoutSeconds or split the workbook",
    });
    expect(Date.now() - started).toBeLessThan(5000);
    await expectStillWorking();
  });

  it('rejects a workbook over maxFileBytes unread with FILE_TOO_LARGE', async () => {
    await expect(
      open({ ...GENEROUS, maxFileBytes: 1000 }, bigPath, 'big.xlsx'),
    ).rejects.toMatchObject({
      code: 'FILE_TOO_LARGE',
      message: expect.stringContaining("Workbook 'big.xlsx' is") as unknown,
    });
  });

  it('fails with PARSE_FAILED for a text file named .xlsx, without echoing its content', async () => {
    const path = join(dir, 'kunden.xlsx');
    await writeFile(path, 'KdNr;Name\n4711;Geheime Kundin\n');
    const failure = open(GENEROUS, path, 'kunden.xlsx');
    await expect(failure).rejects.toMatchObject({
      code: 'PARSE_FAILED',
      message: "'kunden.xlsx' is not an Excel workbook (xlsx or xls)",
    });
  });

  it('fails with PARSE_FAILED for a damaged zip, without echoing its content', async () => {
    const path = join(dir, 'damaged.xlsx');
    await writeFile(
      path,
      Buffer.concat([
        Buffer.from('PK\u0003\u0004'),
        Buffer.from('Geheime Kundin '.repeat(20)),
      ]),
    );
    const error: unknown = await open(GENEROUS, path, 'damaged.xlsx').catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'PARSE_FAILED' });
    expect(String((error as Error).message)).toContain(
      "'damaged.xlsx' could not be read as an Excel workbook",
    );
    expect(JSON.stringify(error)).not.toContain('Geheime');
  });

  it('fails with FILE_UNREADABLE when the file is missing', async () => {
    await expect(
      open(GENEROUS, join(dir, 'missing.xlsx'), 'missing.xlsx'),
    ).rejects.toMatchObject({
      code: 'FILE_UNREADABLE',
    });
  });
});
