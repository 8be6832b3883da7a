import { describe, expect, it } from 'vitest';
import { createNumberReader } from '../../../src/validate/number-format.js';

/**
 * The number reader checks text character by character and computes values without Number()
 * for up to 15 digits. This compares it, on many generated texts, with the regular expression
 * and Number() of the text it replaced (kept here as the reference).
 */
function referenceReader(
  dec: string,
  group: string,
): (text: string) => number | undefined {
  const escape = (t: string): string =>
    t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const integerPart =
    group === '' ? '\\d+' : `(?:\\d{1,3}(?:${escape(group)}\\d{3})+|\\d+)`;
  const shape = new RegExp(
    `^([+-])?(${integerPart})?(?:${escape(dec)}(\\d+))?(-)?$`,
  );
  return (text) => {
    const m = shape.exec(text);
    if (m === null) {
      return undefined;
    }
    const [, sign, integer, fraction, trailingMinus] = m;
    if (
      (integer === undefined && fraction === undefined) ||
      (sign !== undefined && trailingMinus !== undefined)
    ) {
      return undefined;
    }
    const digits =
      integer === undefined ? '0' : integer.split(group || '\u0000').join('');
    const negative = sign === '-' || trailingMinus !== undefined;
    const value = Number(
      `${negative ? '-' : ''}${digits}${fraction === undefined ? '' : `.${fraction}`}`,
    );
    if (!Number.isFinite(value)) {
      return undefined;
    }
    return value === 0 ? 0 : value;
  };
}

/** Deterministic pseudo-random numbers, so a failure can be reproduced. */
function random(seed: number): () => number {
  // mulberry32: 32-bit integer steps, so no precision is lost and the sequence does not cycle early.
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SETTINGS: [string, string][] = [
  ['.', ''],
  [',', '.'],
  ['.', ','],
  [',', ' '],
  ['.', "'"],
  [',', ''],
];

function texts(dec: string, group: string, count: number): string[] {
  const next = random(dec.charCodeAt(0) * 131 + (group.charCodeAt(0) || 7));
  const pick = (chars: string): string =>
    chars.charAt(Math.floor(next() * chars.length));
  const alphabet = `0123456789000${dec}${dec}${group}${group}-+e .,x`;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const kind = next();
    if (kind < 0.5) {
      // Anything from the characters a number is made of.
      const length = Math.floor(next() * 12);
      let text = '';
      for (let k = 0; k < length; k++) {
        text += pick(alphabet);
      }
      out.push(text);
    } else {
      // Well-formed numbers (and near misses), up to 25 digits, so both the exact arithmetic
      // and the Number() fallback are compared.
      const intDigits = Math.floor(next() * 19);
      let integer = '';
      for (let k = 0; k < intDigits; k++) {
        integer += pick('0123456789');
      }
      const grouping = group === '' ? 1 : next();
      if (grouping < 0.5) {
        integer = integer.replace(/\B(?=(\d{3})+(?!\d))/g, group);
      } else if (grouping < 0.75) {
        // Grouped in the wrong places: 1234.567, 12.34, 1..234
        const cut = Math.floor(next() * (integer.length + 1));
        integer = `${integer.slice(0, cut)}${group}${integer.slice(cut)}`;
      }
      const fracDigits = next() < 0.6 ? Math.floor(next() * 8) : 0;
      let fraction = '';
      for (let k = 0; k < fracDigits; k++) {
        fraction += pick('0123456789');
      }
      const sign = next() < 0.2 ? pick('+-') : '';
      const trailing = next() < 0.1 ? '-' : '';
      out.push(
        `${sign}${integer}${next() < 0.9 && fraction !== '' ? dec + fraction : ''}${trailing}`,
      );
    }
  }
  return out;
}

describe('number reader', () => {
  for (const [dec, group] of SETTINGS) {
    it(`reads like the regular expression it replaced (decimal '${dec}', thousands '${group}')`, () => {
      const reader = createNumberReader({
        decimalSeparator: dec,
        thousandsSeparator: group,
      });
      const reference = referenceReader(dec, group);
      let numbers = 0;
      for (const text of texts(dec, group, 20_000)) {
        const expected = reference(text);
        expect(reader.read(text), JSON.stringify(text)).toBe(expected);
        numbers += expected === undefined ? 0 : 1;
      }
      // The generated texts hold numbers as well as non-numbers.
      expect(numbers).toBeGreaterThan(5_000);
    });
  }

  it('gives exactly what Number() gives for long numbers and for many fraction digits', () => {
    const reader = createNumberReader({
      decimalSeparator: ',',
      thousandsSeparator: '.',
    });
    expect(reader.read('123.456.789.012.345,6789')).toBe(
      Number('123456789012345.6789'),
    );
    expect(reader.read('999999999999999')).toBe(999999999999999);
    expect(reader.read('9999999999999999')).toBe(Number('9999999999999999'));
    expect(reader.read('0,1000000000000000000000001')).toBe(0.1);
    expect(reader.read('0,30')).toBe(0.3);
    expect(reader.read('-0,00')).toBe(0);
    expect(Object.is(reader.read('-0,00'), -0)).toBe(false);
    expect(reader.read(`1${'0'.repeat(400)}`)).toBeUndefined();
  });
});
