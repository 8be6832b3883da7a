import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { corpusPath } from '../helpers/corpus.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import {
  TEST_CONFIG_YAML,
  runCli,
  runCliJson,
  writeTree,
} from '../helpers/run-cli.js';

/**
 * Fixed-width exports end to end through `customer-import import`: a windows-1252 file written
 * here with a header record, C (customer) and K (contact) records and a trailer, as AS/400-era
 * systems write them. Only C records are customers; short records are row errors unless the
 * columns they lack are optional.
 */

// Layout of a C record (1-based, as admins count):
//   1     record type "C"
//   2-7   customer number (leading zeros matter)
//   8-37  name
//   38-42 postal code
//   43-62 city            (optional: exporters strip trailing blanks)
//   63-72 credit limit    (optional, decimal comma)
const FORMAT = `
id: as400
type: fixed-width
encoding: windows-1252
skipLines: 1
decimalSeparator: ","
thousandsSeparator: "."
recordType: { start: 1, length: 1, value: C }
onInvalidRows:
  maxSkippedRows: 3
columns:
  - { start: 2, length: 6, field: customerNo, required: true }
  - { start: 8, end: 37, field: name, required: true }
  - { start: 38, length: 5, field: postalCode }
  - { start: 43, length: 20, field: city }
  - { start: 63, end: 72, field: creditLimit, type: decimal }
`;

const pad = (text: string, width: number): string =>
  text.padEnd(width, ' ').slice(0, width);

function cRecord(
  no: string,
  name: string,
  postcode: string,
  city: string,
  credit: string,
): string {
  return `C${pad(no, 6)}${pad(name, 30)}${pad(postcode, 5)}${pad(city, 20)}${credit.padStart(10, ' ')}`;
}

function kRecord(no: string, contact: string, phone: string): string {
  // A contact line has its own layout; read with the customer layout it would be nonsense.
  return `K${pad(no, 6)}${pad(contact, 25)}${pad(phone, 20)}`;
}

function file(lines: string[]): Buffer {
  return iconv.encode(`${lines.join('\r\n')}\r\n`, 'win1252');
}

interface ImportJson {
  runId: number | null;
  outcome: string;
  read: number;
  inserted: number;
  skipped: number;
  error: { code: string; message: string } | null;
  errors: {
    line: number;
    column: string | null;
    value: string | null;
    message: string;
    code: string;
  }[];
}

let dir: string;

beforeEach(async () => {
  dir = await makeTempDir('file-types-fixed-');
  await writeTree(dir, {
    'customer-import.config.yaml': TEST_CONFIG_YAML,
    'formats/as400.yaml': FORMAT,
  });
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function importJson(name: string, format = 'as400') {
  return runCliJson<ImportJson>(['import', name, '--format', format], {
    cwd: dir,
  });
}

async function stored(key: string): Promise<Record<string, unknown> | null> {
  const result = await runCli(['customers', 'show', key, '--json'], {
    cwd: dir,
  });
  return result.code === 0
    ? (
        JSON.parse(result.stdout) as {
          customer: { data: Record<string, unknown> };
        }
      ).customer.data
    : null;
}

describe('import: a fixed-width export with record types (type: fixed-width)', () => {
  it('imports only the C records of a windows-1252 file, by character positions', async () => {
    await writeFile(
      join(dir, 'KUNDEN.TXT'),
      file([
        'H20261121KUNDENEXPORT',
        cRecord(
          '000100',
          'Müller Straßenbau GmbH',
          '01067',
          'Dresden',
          '1.500,50',
        ),
        kRecord('000100', 'Jürgen Müller', '+49 351 5550100'),
        kRecord('000100', 'Anna Weiß', '+49 351 5550101'),
        cRecord('000200', 'Café Œuvre', '75018', 'Paris', '0,30'),
        'T000002',
      ]),
    );
    const { code, json } = await importJson('KUNDEN.TXT');
    expect(json.error).toBeNull();
    expect(code).toBe(0);
    expect(json).toMatchObject({
      outcome: 'imported',
      read: 2,
      inserted: 2,
      skipped: 0,
    });
    expect(await stored('000100')).toMatchObject({
      customerNo: '000100',
      name: 'Müller Straßenbau GmbH',
      postalCode: '01067',
      city: 'Dresden',
      creditLimit: 1500.5,
    });
    expect(await stored('000200')).toMatchObject({
      name: 'Café Œuvre',
      creditLimit: 0.3,
    });
    // The K records' numbers are the same customers'; nothing else was created from them.
    const all = await runCliJson<{ key: string }[]>(['customers', 'list'], {
      cwd: dir,
    });
    expect(all.json.map((c) => c.key).sort()).toEqual(['000100', '000200']);
  });

  it('accepts a record that ends before its optional columns, and rejects one that lacks a required column', async () => {
    await writeFile(
      join(dir, 'short.txt'),
      file([
        'H',
        cRecord('000300', 'Kurz & Knapp OHG', '80331', '', '').trimEnd(),
        'C000400Abgeschnit',
        'C000500',
        cRecord('000600', 'Vollständig AG', '20095', 'Hamburg', '10,00'),
      ]),
    );
    const { code, json } = await importJson('short.txt');
    expect(code).toBe(0);
    expect(json).toMatchObject({
      outcome: 'partial',
      read: 4,
      inserted: 3,
      skipped: 1,
    });
    // Line 3 ends inside the name: what is there is taken (padding is often stripped).
    expect(await stored('000400')).toMatchObject({
      customerNo: '000400',
      name: 'Abgeschnit',
    });
    expect(await stored('000300')).toMatchObject({
      customerNo: '000300',
      name: 'Kurz & Knapp OHG',
      postalCode: '80331',
    });
    // The columns the short records lack are empty: nothing is stored for them.
    for (const key of ['000300', '000400']) {
      const data = await stored(key);
      expect(data).not.toHaveProperty('city');
      expect(data).not.toHaveProperty('creditLimit');
    }
    expect(json.errors).toEqual([
      expect.objectContaining({
        line: 4,
        column: '8-37',
        code: 'RECORD_TOO_SHORT',
      }),
    ]);
    expect(json.errors[0]?.message).toContain(
      "Line 4 of 'short.txt' is 7 characters long",
    );
    expect(await stored('000500')).toBeNull();
    const report = await readFile(join(dir, 'short.txt.errors.csv'), 'utf8');
    expect(report).toContain('4,8-37,,,RECORD_TOO_SHORT,error,');
  });

  it('fails the file and writes nothing when more short records than the error budget', async () => {
    await writeFile(
      join(dir, 'broken.txt'),
      file([
        'H',
        'C000001',
        'C000002',
        'C000003',
        'C000004',
        cRecord('000005', 'Gut', '', '', ''),
      ]),
    );
    const { code, json } = await importJson('broken.txt');
    expect(code).toBe(1);
    expect(json.error?.code).toBe('TOO_MANY_INVALID_ROWS');
    expect(await stored('000005')).toBeNull();
  });
});

describe('import: fixed-width files from the corpus', () => {
  it('reads the C# customer records of univocity multi_schema.txt and ignores the A# account records', async () => {
    const text = await readFile(
      corpusPath(
        'csv-suites',
        'univocity-parsers',
        'examples',
        'multi_schema.txt',
      ),
      'latin1',
    );
    const customerLines = text.split(/\r?\n/).filter((l) => l.startsWith('C#'));
    expect(customerLines.length).toBeGreaterThan(0);
    await writeTree(dir, {
      'formats/multi.yaml': `
id: multi
type: fixed-width
encoding: iso-8859-1
recordType: { start: 1, length: 2, value: "C#" }
columns:
  - { start: 3, length: 30, field: customerNo, required: true, transforms: [trim, collapseSpaces] }
`,
    });
    const { code, json } = await importJson(
      corpusPath(
        'csv-suites',
        'univocity-parsers',
        'examples',
        'multi_schema.txt',
      ),
      'multi',
    );
    expect(json.error).toBeNull();
    expect(code).toBe(0);
    expect(json.read).toBe(customerLines.length);
  });
});
