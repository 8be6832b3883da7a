import { describe, expect, it } from 'vitest';
import {
  csvField,
  csvLine,
  neutraliseFormula,
} from '../../../src/util/csv-safe.js';

// CSV injection: a value from a dropped file that a spreadsheet would run as a formula must come
// out of every report as inert text. The cases are the OWASP list plus what ERP exports hold.

describe('neutraliseFormula', () => {
  it.each([
    ['=HYPERLINK("http://x")', `'=HYPERLINK("http://x")`],
    ['+1', "'+1"],
    ['-1+1', "'-1+1"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=1+1', "'\t=1+1"],
    ['\r=1+1', "'\r=1+1"],
    ["=cmd|' /C calc'!A0", `'=cmd|' /C calc'!A0`],
  ])('prefixes %j with a single quote', (value, expected) => {
    expect(neutraliseFormula(value)).toBe(expected);
  });

  it.each([
    'Müller GmbH',
    '1+1',
    'a=b',
    "'=already quoted",
    '',
    ' =leading space',
    '€-1',
    '12-34',
  ])('leaves %j as it is', (value) => {
    expect(neutraliseFormula(value)).toBe(value);
  });
});

describe('csvField', () => {
  it('neutralises first, then quotes, so the quote is inside the field', () => {
    expect(csvField('=HYPERLINK("http://x","click")')).toBe(
      `"'=HYPERLINK(""http://x"",""click"")"`,
    );
    expect(csvField('-1;2')).toBe(`"'-1;2"`);
  });

  it('quotes separators, quotes, line breaks and surrounding spaces (RFC 4180)', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('a;b')).toBe('"a;b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(' padded ')).toBe('" padded "');
    expect(csvField('plain')).toBe('plain');
  });

  it('writes numbers as numbers (a negative line number is not text from a file) and null as empty', () => {
    expect(csvField(-5)).toBe('-5');
    expect(csvField(17)).toBe('17');
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
  });
});

describe('csvLine', () => {
  it('joins neutralised fields with commas', () => {
    expect(csvLine([3, 'E-Mail', null, '@SUM(A1)', 'INVALID_EMAIL'])).toBe(
      "3,E-Mail,,'@SUM(A1),INVALID_EMAIL",
    );
  });
});
