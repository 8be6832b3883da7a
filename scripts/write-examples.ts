import { writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import iconv from 'iconv-lite';
import * as XLSX from 'xlsx';

/**
 * Writes the sample export files for the shipped xlsx and fixed-width formats:
 * `examples/customers.xlsx` (format `customers-xlsx`) and `examples/kunden-fixed.txt` (format
 * `as400-fixed-width`). Run `npx tsx scripts/write-examples.ts` after changing either format and
 * commit the output. All data is fake.
 *
 * The workbook is written cell by cell so it holds what Excel itself saves: a title block above
 * the header, text cells for numbers with leading zeros, date serials with a date format,
 * decimals, a formula with its cached value, a blank row and a second sheet.
 */

const EXAMPLES = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../examples',
);

type Row = (XLSX.CellObject | null)[];

const s = (v: string): XLSX.CellObject => ({ t: 's', v });
const n = (v: number, z?: string): XLSX.CellObject =>
  z === undefined ? { t: 'n', v } : { t: 'n', v, z };
const b = (v: boolean): XLSX.CellObject => ({ t: 'b', v });
/** A date as Excel stores it: the 1900-system serial of a UTC calendar day, shown with a date format. */
const d = (iso: string): XLSX.CellObject =>
  n(Date.parse(`${iso}T00:00:00Z`) / 86_400_000 + 25_569, 'dd.mm.yyyy');

function sheet(rows: Row[]): XLSX.WorkSheet {
  const ws: XLSX.WorkSheet = {};
  let maxCol = 0;
  rows.forEach((row, r) =>
    row.forEach((cell, c) => {
      if (cell !== null) {
        ws[XLSX.utils.encode_cell({ r, c })] = cell;
        maxCol = Math.max(maxCol, c);
      }
    }),
  );
  ws['!ref'] = XLSX.utils.encode_range({
    s: { r: 0, c: 0 },
    e: { r: rows.length - 1, c: maxCol },
  });
  return ws;
}

export function exampleWorkbook(): Buffer {
  const header = [
    'Kundennummer',
    'Name',
    'Straße',
    'PLZ',
    'Ort',
    'Land',
    'E-Mail',
    'Kreditlimit',
    'Gesperrt',
    'Kunde seit',
  ];
  const customers: Row[] = [
    [s('Kundenliste'), null, null, null, s('Stand: Export aus dem ERP')],
    [],
    header.map(s),
    [
      s('000101'),
      s('Beispiel Handels GmbH'),
      s('Hauptstraße 1'),
      s('01067'),
      s('Dresden'),
      s('DE'),
      s('info@beispiel-handel.example'),
      n(25000),
      b(false),
      d('2019-03-01'),
    ],
    [
      s('000102'),
      s('Muster & Söhne KG'),
      s('Am Markt 5'),
      s('08056'),
      s('Zwickau'),
      s('DE'),
      s('kontakt@muster-soehne.example'),
      n(1500.5),
      b(false),
      d('2021-11-15'),
    ],
    [],
    [
      s('000103'),
      s('Café Fiktiv'),
      s('Rue Imaginaire 3'),
      s('75018'),
      s('Paris'),
      s('FR'),
      null,
      { t: 'n', v: 2500, f: '2*1250' },
      b(true),
      d('2024-02-29'),
    ],
    [
      s('000104'),
      s('Testbetrieb AG'),
      s('Bahnhofstraße 12'),
      s('8001'),
      s('Zürich'),
      s('CH'),
      s('buchhaltung@testbetrieb.example'),
      n(0.1 + 0.2),
      b(false),
      d('2000-01-01'),
    ],
  ];
  const book = XLSX.utils.book_new();
  XLSX.utils.book_append_sheet(
    book,
    sheet([
      [s('Hinweis')],
      [s('Diese Datei enthält nur erfundene Beispieldaten.')],
    ]),
    'Info',
  );
  XLSX.utils.book_append_sheet(book, sheet(customers), 'Kunden');
  return XLSX.write(book, {
    type: 'buffer',
    bookType: 'xlsx',
    compression: true,
  }) as Buffer;
}

/** Pads or cuts `text` to exactly `width` characters, as a fixed-width exporter does. */
const field = (
  text: string,
  width: number,
  align: 'left' | 'right' = 'left',
): string =>
  (align === 'left'
    ? text.padEnd(width, ' ')
    : text.padStart(width, ' ')
  ).slice(0, width);

export function exampleFixedWidth(): Buffer {
  const customer = (
    no: string,
    name: string,
    street: string,
    zip: string,
    city: string,
    country: string,
    limit: string,
    since: string,
    blocked: string,
  ): string =>
    `C${field(no, 8)}${field(name, 30)}${field(street, 30)}${field(zip, 5)}${field(city, 25)}${field(country, 2)}` +
    `${field(limit, 12, 'right')}${since}${blocked}`;
  const contact = (no: string, name: string, phone: string): string =>
    `K${field(no, 8)}${field(name, 30)}${field(phone, 20)}`;
  const lines = [
    'H20261121KUNDENSTAMM AS400 EXPORT',
    '* Satzarten: C = Kunde, K = Ansprechpartner, T = Summe',
    customer(
      '00000201',
      'Großhandel Nord GmbH',
      'Speicherstraße 7',
      '20457',
      'Hamburg',
      'DE',
      '50.000,00',
      '20150401',
      'N',
    ),
    contact('00000201', 'Jürgen Beispiel', '+49 40 5550201'),
    customer(
      '00000202',
      'Bäckerei Übermorgen',
      'Königsweg 2',
      '80331',
      'München',
      'DE',
      '1.250,75',
      '20200115',
      'N',
    ),
    contact('00000202', 'Anna Muster', '+49 89 5550202'),
    contact('00000202', 'Zoë Fiktiv', '+49 89 5550203'),
    // Exporters strip trailing blanks: this record ends after the city, its optional columns are empty.
    customer(
      '00000203',
      'Kurz & Bündig OHG',
      'Weg 1',
      '01067',
      'Dresden',
      '',
      '',
      '',
      '',
    ).trimEnd(),
    customer(
      '00000204',
      'Österreich Testhandel',
      'Ringstraße 10',
      '1010',
      'Wien',
      'AT',
      '0,30',
      '20231231',
      'J',
    ),
    'T00000004',
  ];
  return iconv.encode(`${lines.join('\r\n')}\r\n`, 'win1252');
}

async function main(): Promise<void> {
  await writeFile(join(EXAMPLES, 'customers.xlsx'), exampleWorkbook());
  await writeFile(join(EXAMPLES, 'kunden-fixed.txt'), exampleFixedWidth());
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main();
}
