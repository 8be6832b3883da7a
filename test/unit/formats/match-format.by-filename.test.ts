import { describe, expect, it } from 'vitest';
import {
  createFormatSet,
  type LoadedFormat,
} from '../../../src/formats/load-formats.js';
import { matchFormat } from '../../../src/formats/match-format.js';
import { FormatDefinitionSchema } from '../../../src/formats/format-definition.js';
import { deepFreeze } from '../../../src/util/deep-freeze.js';

function format(id: string, match?: string | string[]): LoadedFormat {
  const definition = FormatDefinitionSchema.parse({
    type: 'delimited',
    id,
    ...(match === undefined ? {} : { match }),
    columns: [{ source: 'No', field: 'customerNo', required: true }],
  });
  return {
    id,
    file: `/formats/${id}.yaml`,
    definition: deepFreeze(definition),
  };
}

const set = createFormatSet('/formats', [
  format('nav', ['customers.txt', 'debitoren*.txt']),
  format('csv', '*.csv'),
  format('numbered', 'export_??.dat'),
  format('classes', 'kd[0-9][!x].txt'),
  format('named-only'),
]);

function ids(fileName: string): string[] {
  return matchFormat(set, fileName).map((f) => f.id);
}

describe('matchFormat', () => {
  it('matches exact names and * globs', () => {
    expect(ids('customers.txt')).toEqual(['nav']);
    expect(ids('debitoren_2025-11-21.txt')).toEqual(['nav']);
    expect(ids('debitoren.txt')).toEqual(['nav']);
    expect(ids('anything.csv')).toEqual(['csv']);
  });

  it('ignores case, as Windows shares do', () => {
    expect(ids('CUSTOMERS.TXT')).toEqual(['nav']);
    expect(ids('Debitoren_Nord.Txt')).toEqual(['nav']);
    expect(ids('EXPORT.CSV')).toEqual(['csv']);
  });

  it('takes ? as exactly one character', () => {
    expect(ids('export_01.dat')).toEqual(['numbered']);
    expect(ids('export_1.dat')).toEqual([]);
    expect(ids('export_001.dat')).toEqual([]);
  });

  it('supports [..] classes and [!..] negation', () => {
    expect(ids('kd7a.txt')).toEqual(['classes']);
    expect(ids('kd7x.txt')).toEqual([]);
    expect(ids('kdAa.txt')).toEqual([]);
  });

  it('compares the file name only, not its folder', () => {
    expect(ids('/srv/exchange/customers.txt')).toEqual(['nav']);
    expect(ids('C:\\ERP\\Export\\customers.txt')).toEqual(['nav']);
    expect(ids('/srv/customers.txt/other.dat')).toEqual([]);
  });

  it('treats regex characters in patterns literally', () => {
    expect(ids('customersXtxt')).toEqual([]);
    expect(ids('customers.txt.bak')).toEqual([]);
  });

  it('returns every matching format, in set order, and never a format without match', () => {
    const overlapping = createFormatSet('/formats', [
      format('a', '*.txt'),
      format('b', 'customers.*'),
      format('c'),
    ]);
    expect(matchFormat(overlapping, 'customers.txt').map((f) => f.id)).toEqual([
      'a',
      'b',
    ]);
    expect(matchFormat(overlapping, 'c')).toEqual([]);
  });
});
