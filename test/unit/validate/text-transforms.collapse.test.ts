import { describe, expect, it } from 'vitest';
import { composeTransforms } from '../../../src/validate/text-transforms.js';

/** collapseSpaces skips the replace when nothing would change; the result must not change. */
describe('collapseSpaces', () => {
  it('gives what replacing \\s+ with one space gives, for every kind of whitespace', () => {
    const collapse = composeTransforms(['collapseSpaces']);
    const pieces = [
      'a',
      'Müller',
      ' ',
      '  ',
      '\t',
      '\n',
      '\r\n',
      '\u00a0',
      '\u2003',
      '\u3000',
      '\ufeff',
      '\u2028',
      '\u0085',
      '\u200b',
      '\u0000',
      '\u001f',
      'x ',
    ];
    let state = 3;
    const next = (): number => {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = Math.imul(state ^ (state >>> 15), state | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    for (let i = 0; i < 20_000; i++) {
      let text = '';
      const length = Math.floor(next() * 6);
      for (let k = 0; k < length; k++) {
        text += pieces[Math.floor(next() * pieces.length)];
      }
      expect(collapse(text), JSON.stringify(text)).toBe(
        text.replace(/\s+/g, ' '),
      );
    }
  });
});
