import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusPath } from '../../helpers/corpus.js';
import { cellsOf, delimitedFormat, parseAll } from './delimited-helpers.js';

/** Every csv-spectrum case against its expected JSON (all values strings, first row = header). */
const dir = corpusPath('csv-suites', 'csv-spectrum');
const cases = readdirSync(join(dir, 'csvs'))
  .filter((f) => f.endsWith('.csv'))
  .map((f) => basename(f, '.csv'));

/**
 * Upstream's location_coordinates.json is a bare object and has another phone number than
 * its CSV (1234567890 vs 2095257564); the CSV is the file we parse, so its value counts.
 */
const UPSTREAM_JSON_FIXES: Record<
  string,
  (rows: Record<string, string>[]) => void
> = {
  location_coordinates: (rows) => {
    const row = rows[0];
    expect(row?.['Contact Phone Number']).toBe('1234567890');
    if (row !== undefined) {
      row['Contact Phone Number'] = '2095257564';
    }
  },
};

function expectedJson(name: string): Record<string, string>[] {
  const raw = JSON.parse(
    readFileSync(join(dir, 'json', `${name}.json`), 'utf8'),
  ) as Record<string, string>[] | Record<string, string>;
  const rows = Array.isArray(raw) ? raw : [raw];
  UPSTREAM_JSON_FIXES[name]?.(rows);
  return rows;
}

describe('DelimitedParser on csv-spectrum', () => {
  it('has all twelve cases', () => {
    expect(cases).toHaveLength(12);
  });

  for (const name of cases) {
    const expected = expectedJson(name);
    const keys = Object.keys(expected[0] ?? {});
    const expectedRows = expected.map((o) => keys.map((k) => o[k] ?? ''));

    for (const delimiter of [',', 'auto'] as const) {
      it(`${name} (delimiter ${delimiter}) gives the expected header and rows, without issues`, async () => {
        const result = await parseAll(
          join(dir, 'csvs', `${name}.csv`),
          delimitedFormat({ delimiter }),
        );
        expect(result.header).toEqual(keys);
        expect(cellsOf(result.rows)).toEqual(expectedRows);
        expect(result.rows.filter((r) => r.issue !== undefined)).toEqual([]);
      });
    }
  }

  it('numbers rows by the physical line they start on, after quoted line breaks', async () => {
    const lines = async (name: string): Promise<number[]> =>
      (
        await parseAll(join(dir, 'csvs', `${name}.csv`), delimitedFormat())
      ).rows.map((r) => r.line);
    expect(await lines('newlines')).toEqual([2, 3, 5]);
    expect(await lines('newlines_crlf')).toEqual([2, 3, 5]);
    expect(await lines('quotes_and_newlines')).toEqual([2, 5]);
  });
});
