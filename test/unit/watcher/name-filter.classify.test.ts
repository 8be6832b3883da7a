import { globToRegExp } from '../../../src/util/glob.js';
import { describe, expect, it } from 'vitest';
import {
  createNameFilter,
  isTemporaryName,
} from '../../../src/watcher/name-filter.js';

describe('name filter', () => {
  it('matches exact names and globs case-insensitively', () => {
    const filter = createNameFilter({
      patterns: ['customers.txt', 'debitors_*.csv', 'export-??.xlsx'],
    });
    expect(filter.classify('customers.txt')).toBe('data');
    expect(filter.classify('CUSTOMERS.TXT')).toBe('data');
    expect(filter.classify('Debitors_0412.CSV')).toBe('data');
    expect(filter.classify('export-01.xlsx')).toBe('data');
    expect(filter.classify('export-001.xlsx')).toBe('other');
    expect(filter.classify('customers.txt.bak')).toBe('other');
    expect(filter.classify('xcustomers.txt')).toBe('other');
  });

  it('treats regex characters in patterns literally', () => {
    expect(globToRegExp('a+b(1).txt').test('a+b(1).txt')).toBe(true);
    expect(globToRegExp('a+b(1).txt').test('aab(1).txt')).toBe(false);
    expect(globToRegExp('file[12].csv').test('file2.csv')).toBe(true);
    expect(globToRegExp('file[!12].csv').test('file2.csv')).toBe(false);
    expect(globToRegExp('*.csv').test('dir/x.csv')).toBe(false);
  });

  it('ignores temporary and lock files even when the pattern matches them', () => {
    const filter = createNameFilter({ patterns: ['*'] });
    for (const name of [
      'customers.txt.tmp',
      'customers.TMP',
      'customers.txt.part',
      '~$customers.xlsx',
      '.~lock.customers.xlsx#',
    ]) {
      expect(isTemporaryName(name)).toBe(true);
      expect(filter.classify(name)).toBe('temporary');
    }
    expect(filter.classify('customers.txt')).toBe('data');
  });

  it('knows our own folders as reserved', () => {
    const filter = createNameFilter({
      patterns: ['*'],
      reservedNames: ['processing', 'Archive', 'failed'],
    });
    expect(filter.classify('processing')).toBe('reserved');
    expect(filter.classify('archive')).toBe('reserved');
    expect(filter.classify('FAILED')).toBe('reserved');
  });

  it('classifies marker files before data files (suffix mode)', () => {
    const filter = createNameFilter({
      patterns: ['customers*'],
      marker: { enabled: true, suffix: '.done' },
    });
    expect(filter.classify('customers.txt.done')).toBe('marker');
    expect(filter.classify('customers.txt')).toBe('data');
    expect(filter.markerNameFor('customers.txt')).toBe('customers.txt.done');
    expect(filter.dataNameFor('customers.txt.done')).toBe('customers.txt');
    expect(filter.dataNameFor('other.txt.done')).toBeNull();
  });

  it('supports a fixed marker name', () => {
    const filter = createNameFilter({
      patterns: ['*.txt'],
      marker: { enabled: true, suffix: '.done', name: 'export.ready' },
    });
    expect(filter.classify('export.ready')).toBe('marker');
    expect(filter.markerNameFor('customers.txt')).toBe('export.ready');
    expect(filter.dataNameFor('export.ready')).toBeNull();
  });

  it('has no markers when marker mode is off', () => {
    const filter = createNameFilter({
      patterns: ['*'],
      marker: { enabled: false, suffix: '.done' },
    });
    expect(filter.classify('customers.txt.done')).toBe('data');
    expect(filter.markerNameFor('customers.txt')).toBeNull();
  });
});
