import { rm } from 'node:fs/promises';
import iconv from 'iconv-lite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors.js';
import { corpusPath } from '../../helpers/corpus.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import {
  cellsOf,
  delimitedFormat,
  fixturePath,
  parseAll,
  writeExport,
} from './delimited-helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const nodeCsv = (name: string): string =>
  corpusPath('csv-suites', 'node-csv', name);

describe('DelimitedParser encodings', () => {
  it('reads node-csv #365 the same from UTF-8 with BOM and from UTF-16LE with BOM', async () => {
    const utf8 = await parseAll(
      nodeCsv('365-utf8-bom-windows.csv'),
      delimitedFormat({ encoding: 'utf-8' }),
    );
    const utf16 = await parseAll(
      nodeCsv('365-utf16le-bom-windows.csv'),
      delimitedFormat({ encoding: 'utf-16le' }),
    );
    for (const result of [utf8, utf16]) {
      expect(result.header).toEqual(['a', 'b', 'c']);
      expect(cellsOf(result.rows)).toEqual([['1', '2', '3']]);
      expect(result.rows[0]?.line).toBe(2);
    }
  });

  it('reads node-csv #327 in latin1 and in UTF-8 to the same text', async () => {
    const latin1 = await parseAll(
      nodeCsv('327.cws.csv'),
      delimitedFormat({ encoding: 'iso-8859-1' }),
    );
    const utf8 = await parseAll(
      nodeCsv('327.cws.buf.csv'),
      delimitedFormat({ encoding: 'utf-8' }),
    );
    expect(cellsOf(latin1.rows)).toEqual([['Acentuação1', 'acentuação2']]);
    expect(cellsOf(utf8.rows)).toEqual(cellsOf(latin1.rows));
  });

  it('says the latin1 file of #327 is not UTF-8 when declared so, naming line 2 and suggesting windows-1252', async () => {
    const error = await parseAll(
      nodeCsv('327.cws.csv'),
      delimitedFormat({ encoding: 'utf-8' }),
      {
        displayName: '327.cws.csv',
      },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('ENCODING_INVALID');
    expect((error as AppError).details).toMatchObject({
      line: 2,
      byteOffset: 21,
      suggestedEncoding: 'windows-1252',
    });
    expect((error as AppError).message).toContain(
      "'327.cws.csv' is not valid UTF-8",
    );
  });

  it('reads the windows-1252 fixture with € Ÿ „ “ ä ö ü ß', async () => {
    const result = await parseAll(
      fixturePath('customers-windows-1252.csv'),
      delimitedFormat({ encoding: 'windows-1252' }),
    );
    expect(result.header).toEqual(['Kundennr', 'Name', 'Ort', 'Umsatz']);
    expect(cellsOf(result.rows)).toEqual([
      ['10001', 'Müller GmbH', 'München', '1.234,50 €'],
      ['10002', '„Ÿvonne“ Straße', 'Köln', '99 €'],
      ['10003', 'Ärzte & Söhne', 'Düsseldorf', '0'],
    ]);
  });

  it('decodes windows-1252 right when every character is cut into its own read', async () => {
    const text = 'Nr;Name\r\n1;€ Ÿ „ ä\r\n2;„Ärger“ €\r\n';
    const path = await writeExport(
      dir,
      'w1252.csv',
      iconv.encode(text, 'windows-1252'),
    );
    const result = await parseAll(
      path,
      delimitedFormat({ encoding: 'windows-1252' }),
      { highWaterMark: 1 },
    );
    expect(cellsOf(result.rows)).toEqual([
      ['1', '€ Ÿ „ ä'],
      ['2', '„Ärger“ €'],
    ]);
  });

  it('decodes iso-8859-15 (€ at 0xA4)', async () => {
    const path = await writeExport(
      dir,
      'l9.csv',
      iconv.encode('Nr;Preis\n1;5 €\n', 'iso-8859-15'),
    );
    const result = await parseAll(
      path,
      delimitedFormat({ encoding: 'iso-8859-15' }),
    );
    expect(cellsOf(result.rows)).toEqual([['1', '5 €']]);
  });

  it('gives the line of invalid UTF-8 deep in a file, counted across reads', async () => {
    const good =
      'Nr;Name\n' +
      Array.from({ length: 500 }, (_, i) => `${i};Name ${i}\n`).join('');
    const path = await writeExport(
      dir,
      'bad.csv',
      Buffer.concat([
        Buffer.from(good),
        Buffer.from('500;M'),
        Buffer.from([0xe4]),
        Buffer.from('ller\n'),
      ]),
    );
    const error = (await parseAll(path, delimitedFormat(), {
      highWaterMark: 100,
    }).catch((e: unknown) => e)) as AppError;
    expect(error.code).toBe('ENCODING_INVALID');
    expect(error.details).toMatchObject({
      line: 502,
      byteOffset: Buffer.byteLength(good) + 5,
    });
  });

  it('rejects a .txt that is really a zip as a binary file', async () => {
    const zip = Buffer.concat([
      Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00]),
      Buffer.from('[Content_Types].xml'),
    ]);
    const path = await writeExport(dir, 'customers.txt', zip);
    const error = (await parseAll(
      path,
      delimitedFormat({ encoding: 'windows-1252' }),
      {
        displayName: 'customers.txt',
      },
    ).catch((e: unknown) => e)) as AppError;
    expect(error.code).toBe('PARSE_FAILED');
    expect(error.message).toContain(
      "'customers.txt' is a binary file, not text",
    );
  });

  it('refuses a UTF-16 file declared utf-8, saying what to set', async () => {
    const error = (await parseAll(
      nodeCsv('365-utf16le-bom-windows.csv'),
      delimitedFormat(),
    ).catch((e: unknown) => e)) as AppError;
    expect(error.code).toBe('ENCODING_INVALID');
    expect(error.message).toContain('set encoding: utf-16le');
  });
});
