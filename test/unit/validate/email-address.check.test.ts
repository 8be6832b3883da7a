import { describe, expect, it } from 'vitest';
import { isEmailAddress } from '../../../src/validate/email-address.js';

/** The regular expression the character loop stands in for (the definition of a valid address). */
const EMAIL =
  /^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+(?:\.[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+)*@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+[\p{L}]{2,63}$/u;

describe('e-mail check', () => {
  it('accepts exactly what the regular expression accepts', () => {
    let state = 11;
    const next = (): number => {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = Math.imul(state ^ (state >>> 15), state | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = (chars: string): string =>
      chars.charAt(Math.floor(next() * chars.length));
    const run = (chars: string, max: number): string => {
      let text = '';
      const length = Math.floor(next() * max);
      for (let k = 0; k < length; k++) {
        text += pick(chars);
      }
      return text;
    };
    const local = 'abcxyzAZ0129.!#$%&\'*+/=?^_`{|}~-@ ,"';
    const label = 'abcz09-A._';
    const tld = 'abcdefzZ1-ä';
    let valid = 0;
    for (let i = 0; i < 40_000; i++) {
      let text =
        next() < 0.05
          ? run(`${local}${label}ü€`, 20)
          : `${run(local, 8)}@${run(label, 8)}.${run(label, 4)}${next() < 0.7 ? '.' : ''}${run(tld, 5)}`;
      if (next() < 0.02) {
        text = `a@${'b'.repeat(60 + Math.floor(next() * 8))}.de`;
      }
      if (next() < 0.02) {
        text = `a@b.${'c'.repeat(60 + Math.floor(next() * 8))}`;
      }
      const expected = EMAIL.test(text);
      expect(isEmailAddress(text), JSON.stringify(text)).toBe(expected);
      valid += expected ? 1 : 0;
    }
    expect(valid).toBeGreaterThan(1_000);
    expect(valid).toBeLessThan(38_000);
  });

  it('leaves non-ASCII addresses to the regular expression', () => {
    expect(isEmailAddress('jürgen@müller.de')).toBe(true);
    expect(isEmailAddress('a@b.c€')).toBe(false);
  });
});
