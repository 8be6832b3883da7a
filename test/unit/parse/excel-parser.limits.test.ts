import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import * as XLSX from 'xlsx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatDefinitionSchema } from '../../../src/formats/format-definition.js';
import { ExcelParser, type ExcelParserOptions } from '../../../src/parse/excel-parser.js';
import type { ParsedFile } from '../../../src/parse/parser.js';
import { corpusPath } from '../../helpers/corpus.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

// The worker's heap and time limits, the size limit, and files that are no workbook at all.
// After each failure the same process goes on to read a good workbook: the limits kill the
// worker thread, never the process.

const format = FormatDefinitionSchema.parse({
  type: 'xlsx',
  id: 'limits',
  columns: [{ field: 'customerNo', source: 'customerNo', required: true }],
});

const GENEROUS: ExcelParserOptions = { maxHeapMb: 512, timeoutSeconds: 60, maxFileBytes: 100 * 1024 * 1024 };

function open(options: ExcelParserOptions, path: string, displayName: string): Promise<ParsedFile> {
  return new ExcelParser(options).open({ path, displayName, sizeBytes: 0, format, batchSize: 5000 });
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
    path: corpusPath('xlsx', 'laravel-excel', 'import-users-with-headings.xlsx'),
    displayName: 'import-users-with-headings.xlsx',
    sizeBytes: 0,
    format,
    batchSize: 10,
  });
  expect(await countRows(parsed)).toBe(2);
}

// --- a minimal zip writer, enough for an xlsx package -------------------------------------

interface ZipEntry {
  name: string;
  data: Buffer;
}

function zip(entries: ZipEntry[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name);
    const compressed = deflateRawSync(entry.data, { level: 9 });
    const crc = crc32(entry.data) >>> 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(20, 6);
    header.writeUInt16LE(8, 10);
    header.writeUInt32LE(crc, 16);
    header.writeUInt32LE(compressed.length, 20);
    header.writeUInt32LE(entry.data.length, 24);
    header.writeUInt16LE(name.length, 28);
    header.writeUInt32LE(offset, 42);
    parts.push(local, name, compressed);
    central.push(header, name);
    offset += local.length + name.length + compressed.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, directory, end]);
}

const NS = 'http://schemas.openxmlformats.org';

/** An xlsx whose one sheet inflates to `sheetMb` MB of identical rows (a few hundred KB zipped). */
function zipBomb(sheetMb: number): Buffer {
  const row = `<row>${'<c><v>1</v></c>'.repeat(100)}</row>`;
  const chunk = row.repeat(Math.ceil((1024 * 1024) / row.length));
  const sheet = Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="${NS}/spreadsheetml/2006/main"><sheetData>${chunk.repeat(sheetMb)}</sheetData></worksheet>`,
  );
  const xml = (body: string): Buffer => Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>${body}`);
  return zip([
    {
      name: '[Content_Types].xml',
      data: xml(
        `<Types xmlns="${NS}/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`,
      ),
    },
    {
      name: '_rels/.rels',
      data: xml(
        `<Relationships xmlns="${NS}/package/2006/relationships"><Relationship Id="rId1" Type="${NS}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
      ),
    },
    {
      name: 'xl/workbook.xml',
      data: xml(
        `<workbook xmlns="${NS}/spreadsheetml/2006/main" xmlns:r="${NS}/officeDocument/2006/relationships"><sheets><sheet name="Bomb" sheetId="1" r:id="rId1"/></sheets></workbook>`,
      ),
    },
    {
      name: 'xl/_rels/workbook.xml.rels',
      data: xml(
        `<Relationships xmlns="${NS}/package/2006/relationships"><Relationship Id="rId1" Type="${NS}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
      ),
    },
    { name: 'xl/worksheets/sheet1.xml', data: sheet },
  ]);
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
    rows.push([`K${String(i).padStart(7, '0')}`, `Customer ${i}`, `City ${i % 1000}`, i * 1.5, `a longer note for row ${i}`]);
  }
  const book = XLSX.utils.book_new();
  XLSX.utils.book_append_sheet(book, XLSX.utils.aoa_to_sheet(rows, { dense: true }), 'Big');
  await writeFile(bigPath, XLSX.write(book, { type: 'buffer', bookType: 'xlsx', compression: true }) as Buffer);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ExcelParser limits', () => {
  it('reads the big workbook within generous limits', async () => {
    expect(await countRows(await open(GENEROUS, bigPath, 'big.xlsx'))).toBe(BIG_ROWS);
  });

  it('fails with RESOURCE_LIMIT when the big workbook needs more heap than maxHeapMb', async () => {
    await expect(open({ ...GENEROUS, maxHeapMb: 32 }, bigPath, 'big.xlsx')).rejects.toMatchObject({
      code: 'RESOURCE_LIMIT',
      message: expect.stringContaining("Workbook 'big.xlsx' needs more than 32 MB to read") as unknown,
    });
    await expectStillWorking();
  });

  it('fails with RESOURCE_LIMIT on a zip bomb and the process carries on', async () => {
    const path = join(dir, 'bomb.xlsx');
    const bytes = zipBomb(64);
    expect(bytes.length).toBeLessThan(1024 * 1024);
    await writeFile(path, bytes);
    await expect(open({ ...GENEROUS, maxHeapMb: 32 }, path, 'bomb.xlsx')).rejects.toMatchObject({
      code: 'RESOURCE_LIMIT',
      message: expect.stringContaining("Workbook 'bomb.xlsx' needs more than 32 MB to read") as unknown,
    });
    await expectStillWorking();
  });

  it('fails with RESOURCE_LIMIT when reading takes longer than timeoutSeconds', async () => {
    const started = Date.now();
    await expect(open({ ...GENEROUS, timeoutSeconds: 0.3 }, bigPath, 'big.xlsx')).rejects.toMatchObject({
      code: 'RESOURCE_LIMIT',
      message: "Reading workbook 'big.xlsx' took longer than 0.3 s; raise excel.timeoutSeconds or split the workbook",
    });
    expect(Date.now() - started).toBeLessThan(5000);
    await expectStillWorking();
  });

  it('rejects a workbook over maxFileBytes unread with FILE_TOO_LARGE', async () => {
    await expect(open({ ...GENEROUS, maxFileBytes: 1000 }, bigPath, 'big.xlsx')).rejects.toMatchObject({
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
    await writeFile(path, Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.from('Geheime Kundin '.repeat(20))]));
    const error: unknown = await open(GENEROUS, path, 'damaged.xlsx').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PARSE_FAILED' });
    expect(String((error as Error).message)).toContain("'damaged.xlsx' could not be read as an Excel workbook");
    expect(JSON.stringify(error)).not.toContain('Geheime');
  });

  it('fails with FILE_UNREADABLE when the file is missing', async () => {
    await expect(open(GENEROUS, join(dir, 'missing.xlsx'), 'missing.xlsx')).rejects.toMatchObject({
      code: 'FILE_UNREADABLE',
    });
  });
});
