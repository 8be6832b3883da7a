import { describe, expect, it } from 'vitest';
import { isoInstant } from '../../../src/validate/iso-instant.js';

/** isoInstant must write exactly what Date#toISOString() writes, or fail the same way. */
describe('isoInstant', () => {
  it('gives toISOString() for instants all over the years 0–9999', () => {
    let state = 99;
    const next = (): number => {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = Math.imul(state ^ (state >>> 15), state | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const from = Date.UTC(-1, 11, 25);
    const to = Date.UTC(10000, 0, 5);
    for (let i = 0; i < 50_000; i++) {
      const ms = from + Math.floor(next() * (to - from));
      expect(isoInstant(ms)).toBe(new Date(ms).toISOString());
    }
  });

  it('gives toISOString() at day, month, year and range edges', () => {
    const edges = [
      0,
      -1,
      1,
      Date.UTC(2024, 1, 29, 23, 59, 59, 999),
      Date.UTC(2024, 2, 1),
      Date.UTC(1900, 1, 28, 12),
      Date.UTC(2000, 1, 29),
      Date.UTC(1969, 11, 31, 23, 59, 59, 999),
      -62_167_219_200_000,
      -62_167_219_200_001,
      253_402_300_799_999,
      253_402_300_800_000,
      8.64e15,
      -8.64e15,
      1.5,
    ];
    for (const ms of edges) {
      expect(isoInstant(ms), String(ms)).toBe(new Date(ms).toISOString());
    }
  });

  it('throws the RangeError of toISOString() for an instant a Date cannot hold', () => {
    expect(() => isoInstant(8.64e15 + 1)).toThrow(RangeError);
    expect(() => isoInstant(Number.NaN)).toThrow(RangeError);
  });
});
