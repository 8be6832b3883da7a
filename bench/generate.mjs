// Generates ERP-like customer exports for the benchmark: 20 columns, `;`, CRLF, decimal comma,
// dd.MM.yyyy dates, German captions and non-ASCII names, some quoted fields (with `;` and
// doubled quotes inside), in UTF-8 or windows-1252. Every row is a pure function of its index
// (seeded per row), so the "1 % changed" copy differs from the full file in exactly the rows
// it means to change, and files can be cached between runs.
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import iconv from 'iconv-lite';

/** Bumped whenever the generated content changes, so cached files are rebuilt. */
export const GENERATOR_VERSION = 3;

export const HEADER = [
  'Nr.',
  'Name',
  'Name 2',
  'Adresse',
  'Adresse 2',
  'PLZ Code',
  'Ort',
  'Länder-/Regionscode',
  'Telefonnr.',
  'E-Mail',
  'USt-IdNr.',
  'Kreditlimit (MW)',
  'Gesperrt',
  'Zahlungsbedingungscode',
  'Währungscode',
  'Verkäufercode',
  'Korrigiert am',
  'Kunde seit',
  'Rabatt %',
  'Sprachcode',
];

// Only characters windows-1252 can hold, so both encodings carry the same text.
const FIRST = [
  'Jürgen',
  'Björn',
  'Zoë',
  'Müller',
  'Sören',
  'Renée',
  'Jörg',
  'Ümit',
  'François',
  'Lukas',
  'Anna',
  'Grégoire',
  'Åsa',
  'Núria',
  'Dörte',
  'Max',
];
const LAST = [
  'Müller',
  'Schäfer',
  'Großmann',
  'Weiß',
  'Köhler',
  'Bäcker',
  'Öztürk',
  'Sánchez',
  'Lindqvist',
  'Dvorak',
  'Jäger',
  'Kühn',
  'Fuß',
  'Böhm',
  'Schmidt',
  'Nußbaum',
];
const SUFFIX = ['GmbH', 'AG', 'KG', 'e.K.', 'GmbH & Co. KG', 'OHG', '', ''];
const STREETS = [
  'Hauptstraße',
  'Königsallee',
  'Bahnhofstraße',
  'Mühlenweg',
  'Schloßplatz',
  'Gartenstraße',
  'Am Grün',
  'Rue de la Paix',
];
const CITIES = [
  ['München', 'DE'],
  ['Köln', 'DE'],
  ['Düsseldorf', 'DE'],
  ['Nürnberg', 'DE'],
  ['Zürich', 'CH'],
  ['Genève', 'CH'],
  ['Wien', 'AT'],
  ['Graz', 'AT'],
  ['Göteborg', 'SE'],
  ['Kraków', 'PL'],
  ['Besançon', 'FR'],
  ['Hamburg', 'DE'],
];
const TERMS = ['14T', '30T', '30T 2%', 'SOFORT', '60T'];
const CURRENCIES = ['EUR', 'EUR', 'EUR', 'CHF', 'SEK', ''];
const LANGUAGES = ['DEU', 'DES', 'FRA', 'SVE', 'PLK', 'ENU'];

/** mulberry32: tiny, fast, good enough to make fake data look varied. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = (r, list) => list[Math.floor(r() * list.length)];
const pad = (n, width) => String(n).padStart(width, '0');

/** A German-style decimal: thousands with '.', decimals with ','. */
function germanAmount(value) {
  const [int, frac] = value.toFixed(2).split('.');
  return `${int.replace(/\B(?=(\d{3})+(?!\d))/g, '.')},${frac}`;
}

function quoteIfNeeded(cell) {
  return /[";\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}

/** The cells of row `i` (0-based); `changed` gives the variant used by the 1 %-changed copy. */
export function rowCells(i, changed = false) {
  const r = rng(0x9e3779b9 ^ Math.imul(i + 1, 0x85ebca6b));
  const first = pick(r, FIRST);
  const last = pick(r, LAST);
  const suffix = pick(r, SUFFIX);
  let name = suffix === '' ? `${first} ${last}` : `${last} ${suffix}`;
  // Some names need quoting: a `;` inside, or quotes inside (doubled in the file).
  if (i % 37 === 5) {
    name = `${last}; ${first} & Söhne`;
  } else if (i % 53 === 7) {
    name = `Gasthof "Zum ${last}"`;
  }
  const name2 =
    i % 9 === 0
      ? `z. Hd. ${first} ${last}`
      : i % 41 === 3
        ? '„Premium“ Kunde – 5 €'
        : '';
  const street = `${pick(r, STREETS)} ${1 + Math.floor(r() * 180)}`;
  const street2 = i % 13 === 0 ? `Gebäude ${1 + Math.floor(r() * 9)}` : '';
  const [city, country] = pick(r, CITIES);
  const postal = pad(1000 + Math.floor(r() * 98999), 5);
  let phone = `+49 ${pad(Math.floor(r() * 1000), 3)} ${pad(Math.floor(r() * 10_000_000), 7)}`;
  const email = `${first
    .normalize('NFD')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase()}.${i}@example.com`;
  const vat = i % 3 === 0 ? `${country}${pad(Math.floor(r() * 1e9), 9)}` : '';
  let credit = germanAmount(Math.floor(r() * 500_000) / 4);
  const blocked = r() < 0.05 ? 'Ja' : 'Nein';
  const terms = pick(r, TERMS);
  const currency = pick(r, CURRENCIES);
  const salesperson = `V${pad(Math.floor(r() * 40), 2)}`;
  const day = 1 + Math.floor(r() * 28);
  const month = 1 + Math.floor(r() * 12);
  let modified = `${pad(day, 2)}.${pad(month, 2)}.${2015 + Math.floor(r() * 11)} ${pad(Math.floor(r() * 24), 2)}:${pad(Math.floor(r() * 60), 2)}`;
  const since = `${pad(1 + Math.floor(r() * 28), 2)}.${pad(1 + Math.floor(r() * 12), 2)}.${1990 + Math.floor(r() * 35)}`;
  const discount =
    r() < 0.3 ? `${Math.floor(r() * 20)},${Math.floor(r() * 10)}` : '';
  const language = pick(r, LANGUAGES);
  if (changed) {
    phone = `+49 ${pad(i % 1000, 3)} 5550${pad(i % 1000, 3)}`;
    credit = germanAmount(1234.5 + (i % 100));
    modified = '21.11.2026 09:30';
  }
  return [
    `K${pad(i + 1, 7)}`,
    name,
    name2,
    street,
    street2,
    postal,
    city,
    country,
    phone,
    email,
    vat,
    credit,
    blocked,
    terms,
    currency,
    salesperson,
    modified,
    since,
    discount,
    language,
  ];
}

/** Whether row `i` differs in the 1 %-changed copy (every 100th row). */
export function isChangedRow(i) {
  return i % 100 === 42;
}

/**
 * Writes `rows` data rows plus a header to `path` in `encoding` ('utf-8' | 'windows-1252').
 * `changedCopy`: the variant with 1 % of rows changed. Writes to a temp name and renames, so an
 * interrupted run never leaves a half file that a later run would take as cached.
 */
export function writeExport(path, { rows, encoding, changedCopy }) {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.part`;
  const fd = openSync(tmp, 'w');
  const encode =
    encoding === 'utf-8'
      ? (s) => Buffer.from(s, 'utf8')
      : (s) => iconv.encode(s, 'windows-1252');
  try {
    writeSync(fd, encode(`${HEADER.map(quoteIfNeeded).join(';')}\r\n`));
    const step = 10_000;
    for (let start = 0; start < rows; start += step) {
      const lines = [];
      for (let i = start; i < Math.min(rows, start + step); i++) {
        lines.push(
          rowCells(i, changedCopy && isChangedRow(i))
            .map(quoteIfNeeded)
            .join(';'),
        );
      }
      writeSync(fd, encode(`${lines.join('\r\n')}\r\n`));
    }
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** Writes the file unless a file of the same generator version is already there. */
export function ensureExport(path, options) {
  if (existsSync(path)) {
    return false;
  }
  writeExport(path, options);
  return true;
}

/** The format definition matching the generated files (written by the bench, not shipped in formats/). */
export function formatDefinitionYaml(id, encoding) {
  return `# Written by bench/run-bench.mjs for its generated files; not a shipped format.
type: delimited
id: ${id}
match: ['${id}-*.txt']
encoding: ${encoding}
delimiter: ';'
quote: '"'
header: true
key: customerNo
duplicateKeys: last-wins
emptyCells: keep
onInvalidRows:
  maxSkippedRows: 0
decimalSeparator: ','
thousandsSeparator: '.'
dateFormat: dd.MM.yyyy
dateTimeFormat: dd.MM.yyyy HH:mm
timeZone: Europe/Berlin
trueValues: [Ja]
falseValues: [Nein]
columns:
  - { source: 'Nr.', field: customerNo, required: true, transforms: [trim, upper] }
  - { source: 'Name', field: name, required: true, transforms: [trim, collapseSpaces] }
  - { source: 'Name 2', field: name2 }
  - { source: 'Adresse', field: street }
  - { source: 'Adresse 2', field: street2 }
  - { source: 'PLZ Code', field: postalCode }
  - { source: 'Ort', field: city }
  - { source: 'Länder-/Regionscode', field: country, type: country }
  - { source: 'Telefonnr.', field: phone }
  - { source: 'E-Mail', field: email, type: email }
  - { source: 'USt-IdNr.', field: vatId, transforms: [trim, upper] }
  - { source: 'Kreditlimit (MW)', field: creditLimit, type: decimal }
  - { source: 'Gesperrt', field: blocked, type: boolean }
  - { source: 'Zahlungsbedingungscode', field: paymentTerms }
  - { source: 'Währungscode', field: currency }
  - { source: 'Verkäufercode', field: salespersonCode }
  - { source: 'Korrigiert am', field: lastModified, type: datetime }
  - { source: 'Kunde seit', field: customerSince, type: date }
  - { source: 'Rabatt %', field: discountPercent, type: decimal }
  - { source: 'Sprachcode', field: language }
`;
}
