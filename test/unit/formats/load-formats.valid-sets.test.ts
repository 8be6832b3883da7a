import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { loadFormats } from '../../../src/formats/load-formats.js';
import type { DelimitedFormat } from '../../../src/formats/format-definition.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const FIXTURES = resolve(REPO, 'test/fixtures/formats');

describe('loadFormats on valid sets', () => {
  it('loads every shipped format in formats/', async () => {
    const set = await loadFormats(resolve(REPO, 'formats'));
    expect(set.dir).toBe(resolve(REPO, 'formats'));
    expect(set.list().map((f) => f.id)).toEqual([
      'as400-fixed-width',
      'customers-xlsx',
      'nav-contacts',
      'nav-debitors',
      'nav-salespeople',
      'plain-csv',
    ]);
    const nav = set.require('nav-debitors');
    expect(nav.file).toBe(resolve(REPO, 'formats/nav-debitors.yaml'));
    expect(nav.definition).toMatchObject({
      type: 'delimited',
      encoding: 'windows-1252',
      delimiter: ';',
      decimalSeparator: ',',
      thousandsSeparator: '.',
      dateFormat: 'dd.MM.yyyy',
      key: 'customerNo',
    });
  });

  it('freezes every definition deeply', async () => {
    const set = await loadFormats(resolve(REPO, 'formats'));
    const definition = set.require('plain-csv').definition;
    expect(Object.isFrozen(definition)).toBe(true);
    expect(Object.isFrozen(definition.columns[0])).toBe(true);
    expect(() => {
      (definition.columns as unknown as unknown[]).push({});
    }).toThrow(TypeError);
  });

  it('reads YAML, .yml and JSON definitions, and drops "$schema" from JSON', async () => {
    const set = await loadFormats(resolve(FIXTURES, 'valid'));
    expect(set.list().map((f) => [f.id, f.definition.type])).toEqual([
      ['csv-by-position', 'delimited'],
      ['fixed-legacy', 'fixed-width'],
      ['sheet', 'xlsx'],
    ]);
    expect(set.require('fixed-legacy').definition).not.toHaveProperty(
      '$schema',
    );
  });

  // Nothing parses here (that is the parser's job): the point is that the examples and the
  // formats that describe them agree on the columns, byte encoding and line endings.
  it('describes the example exports: every mapped header is in the example file', async () => {
    const set = await loadFormats(resolve(REPO, 'formats'));
    const cases = [
      { format: 'nav-debitors', file: 'examples/nav-customers.txt' },
      { format: 'nav-contacts', file: 'examples/nav-contacts.txt' },
      { format: 'nav-salespeople', file: 'examples/nav-salespeople.txt' },
      { format: 'plain-csv', file: 'examples/customers.csv' },
    ];
    for (const { format, file } of cases) {
      const definition = set.require(format).definition as DelimitedFormat;
      const bytes = await readFile(resolve(REPO, file));
      const text = iconv.decode(bytes, definition.encoding);
      expect(text).not.toContain('\uFFFD');
      const header = (text.split(/\r?\n/)[0] ?? '').split(definition.delimiter);
      for (const column of definition.columns) {
        expect(
          header,
          `${file} lacks column ${String(column.source)}`,
        ).toContain(column.source);
      }
    }
  });

  it('ships the NAV example as real windows-1252 bytes with CRLF line endings', async () => {
    const bytes = await readFile(resolve(REPO, 'examples/nav-customers.txt'));
    // "ü" is one byte 0xFC in windows-1252 (two bytes C3 BC in UTF-8); "€" is 0x80.
    expect(bytes.includes(Buffer.from([0xfc]))).toBe(true);
    expect(bytes.includes(Buffer.from([0x80]))).toBe(true);
    expect(bytes.includes(Buffer.from('ü', 'utf8'))).toBe(false);
    const lf = bytes.filter((b) => b === 0x0a).length;
    const crlf = bytes.toString('latin1').split('\r\n').length - 1;
    expect(crlf).toBe(lf);
    expect(crlf).toBe(26);
  });
});
