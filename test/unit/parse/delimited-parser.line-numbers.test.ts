import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
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

/** univocity's essential.csv: preamble, blank lines, a comment, a quoted line break, odd rows. */
const ESSENTIAL_ROWS: [number, string[]][] = [
  [5, ['1997', 'Ford', 'E350', 'ac, abs, moon', '3000.00']],
  [6, ['1999', 'Chevy', 'Venture "Extended Edition"', '', '4900.00']],
  [
    8,
    [
      '1996',
      'Jeep',
      'Grand Cherokee',
      'MUST SELL!\nair, moon roof, loaded',
      '4799.00',
    ],
  ],
  [10, ['-->skipping this line (10) as well']],
  [
    11,
    ['1999', 'Chevy', 'Venture "Extended Edition, Very Large"', '', '5000.00'],
  ],
  [12, ['', '', 'Venture "Extended Edition"', '', '4900.00']],
  [13, ['', '', '', '', '']],
  [14, [' ', ' ', ' ', ' ', ' ']],
  [15, ['', '', ' 5 ', '', '']],
  [17, ['1997 ', ' Ford ', 'E350', 'ac, abs, moon', ' "3000.00" \t']],
  [18, ['1997', ' Ford ', 'E350', ' ac, abs, moon ', '3000.00  \t']],
  [19, ['  1997', ' Ford ', 'E350', ' ac, abs, moon ', '3000.00']],
  [20, ['    19 97 ', ' Fo rd ', 'E350', ' ac, abs, moon ', '3000.00']],
  [21, ['\t\t', ' ', '  ', ' "  "\t', '30 00.00\t']],
  [22, ['1997', 'Ford', 'E350', ' " ac, abs, moon " ', '3000.00']],
  [23, ['1997', 'Ford', 'E350', '" ac, abs, moon " ', '3000.00']],
];

describe('DelimitedParser line numbers', () => {
  for (const [file, lineBreak] of [
    ['essential.csv', '\n'],
    ['essential-dos.csv', '\r\n'],
    ['essential-mac.csv', '\r'],
  ] as const) {
    it(`gives the same rows and physical lines for ${file} (${JSON.stringify(lineBreak)} line endings)`, async () => {
      const path = corpusPath('csv-suites', 'univocity-parsers', 'csv', file);
      const result = await parseAll(
        path,
        delimitedFormat({ skipLines: 1, comment: '#' }),
        { highWaterMark: 37 },
      );
      expect(result.header).toEqual([
        'Year',
        'Make',
        'Model',
        'Description',
        'Price',
      ]);
      const rows = result.rows.map((r) => [
        r.line,
        r.cells.map((c) => String(c).replaceAll(lineBreak, '\n')),
      ]);
      expect(rows).toEqual(ESSENTIAL_ROWS);
      // The stray preamble line on line 10 is the only short row.
      expect(
        result.rows.filter((r) => r.issue).map((r) => [r.line, r.issue?.code]),
      ).toEqual([[10, 'TOO_FEW_FIELDS']]);
    });
  }

  it('counts quoted line breaks, comment lines and blank lines before a record', async () => {
    const text = 'h1,h2\n#c1\n#c2 "x\n1,"a\nb"\n#c3\n\n2,z\n\n3,"\n\n"\n4,w';
    const path = await writeExport(dir, 'mixed.csv', text);
    for (const highWaterMark of [1, 2, 3, 5, 64 * 1024]) {
      const result = await parseAll(path, delimitedFormat({ comment: '#' }), {
        highWaterMark,
      });
      expect(
        result.rows.map((r) => r.line),
        `highWaterMark ${highWaterMark}`,
      ).toEqual([4, 8, 10, 13]);
      expect(cellsOf(result.rows)).toEqual([
        ['1', 'a\nb'],
        ['2', 'z'],
        ['3', '\n\n'],
        ['4', 'w'],
      ]);
    }
  });

  it('counts an Excel-style LF inside a cell of a CRLF file as a line, and skips the trailing empty line', async () => {
    const path = fixturePath('customers-quoted-newlines.csv');
    const result = await parseAll(path, delimitedFormat());
    expect(result.header).toEqual(['Kundennr', 'Name', 'Straße', 'Bemerkung']);
    expect(result.rows.map((r) => [r.line, ...r.cells])).toEqual([
      [2, '20001', 'Schmidt', 'Hauptstr. 1\nHinterhaus', 'sagt "hallo"'],
      [4, '20002', 'Weber', 'Ring 5', 'zwei\r\nZeilen; mit Semikolon'],
      [6, '20003', 'Fischer', 'Am Markt 3', ''],
    ]);
    expect(result.rows.every((r) => r.issue === undefined)).toBe(true);
  });

  it('skips lines before the header even when they hold quotes, and numbers from the file start', async () => {
    const text = 'Export "Kunden\nvom 21.11.\nNr;Name\n1;A\n2;B\n';
    const path = await writeExport(dir, 'preamble.csv', text);
    const result = await parseAll(path, delimitedFormat({ skipLines: 2 }));
    expect(result.header).toEqual(['Nr', 'Name']);
    expect(result.rows.map((r) => [r.line, ...r.cells])).toEqual([
      [4, '1', 'A'],
      [5, '2', 'B'],
    ]);
  });

  it('numbers rows of a file without header from line 1 (after skipped lines)', async () => {
    const path = await writeExport(
      dir,
      'noheader.csv',
      'skip me\r\n1;A\r\n\r\n2;B\r\n',
    );
    const format = delimitedFormat({ header: false, skipLines: 1 });
    const result = await parseAll(path, format);
    expect(result.header).toBeNull();
    expect(result.rows.map((r) => [r.line, ...r.cells])).toEqual([
      [2, '1', 'A'],
      [4, '2', 'B'],
    ]);
  });
});
