import { describe, expect, it } from 'vitest';
import { archiveName } from '../../../src/pipeline/archive.js';
import {
  childPath,
  fileTimestamp,
  safeBaseName,
} from '../../../src/util/safe-file-name.js';

const AT = Date.UTC(2026, 10, 21, 13, 45, 1, 789);

describe('archive names', () => {
  it('puts a UTC timestamp before the extension and a counter after it', () => {
    expect(fileTimestamp(AT)).toBe('20261121T134501Z');
    expect(archiveName('customers.txt', AT)).toBe(
      'customers.20261121T134501Z.txt',
    );
    expect(archiveName('customers.txt', AT, 2)).toBe(
      'customers.20261121T134501Z-2.txt',
    );
    expect(archiveName('README', AT, 3)).toBe('README.20261121T134501Z-3');
    expect(archiveName('export.2026.csv', AT)).toBe(
      'export.2026.20261121T134501Z.csv',
    );
  });

  it.each([
    ['..', 'file'],
    ['.', 'file'],
    ['../../etc/passwd', 'passwd'],
    ['..\\..\\windows\\win.ini', 'win.ini'],
    ['/abs/path/customers.txt', 'customers.txt'],
    ['.hidden.csv', '_hidden.csv'],
    ['customers $(rm -rf ~).txt', 'customers $(rm -rf ~).txt'],
    ['a;b|c&d.txt', 'a;b_c&d.txt'],
    ['ctrl\u0000\u001f\u007f.txt', 'ctrl___.txt'],
    ['spoof\u202Etxt.exe', 'spoof_txt.exe'],
    ['kunden äöü 客户.txt', 'kunden äöü 客户.txt'],
    ['trailing dots...', 'trailing dots'],
    ['  padded.txt  ', 'padded.txt'],
    ['C:\\Users\\erp\\customers.txt', 'customers.txt'],
  ])('sanitises %j to %j', (input, expected) => {
    expect(safeBaseName(input)).toBe(expected);
  });

  it('truncates very long names in the stem, keeping the extension, within the byte budget', () => {
    const long = `${'ü'.repeat(300)}.csv`;
    const safe = safeBaseName(long);
    expect(safe.endsWith('.csv')).toBe(true);
    expect(Buffer.byteLength(safe)).toBeLessThanOrEqual(120);
    expect(safe).not.toContain('\uFFFD');
    const full = archiveName(long, AT, 999);
    expect(Buffer.byteLength(`${full}.errors.csv`)).toBeLessThan(255);
  });

  it('never builds a path outside the folder', () => {
    expect(childPath('/x/archive', 'a.txt')).toBe('/x/archive/a.txt');
    for (const bad of ['..', '.', '', '../a', 'a/b', 'a/../../b']) {
      expect(() => childPath('/x/archive', bad)).toThrow(/leave the folder/);
    }
  });
});
