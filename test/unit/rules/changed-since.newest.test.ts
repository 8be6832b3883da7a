import { describe, expect, it } from 'vitest';
import type { FieldValue } from '../../../src/domain/customer.js';
import { NewestLastModified } from '../../../src/rules/changed-since.js';

/**
 * NewestLastModified compares canonical instants (`toISOString()` text) as text and parses only
 * the others. It must pick exactly what parsing every value picks, whatever comes in.
 */
function reference(values: readonly (FieldValue | undefined)[]): string | null {
  let ms = Number.NEGATIVE_INFINITY;
  let text: string | null = null;
  for (const value of values) {
    if (typeof value !== 'string' || value === '') {
      continue;
    }
    const parsed = Date.parse(value);
    if (!Number.isNaN(parsed) && parsed > ms) {
      ms = parsed;
      text = value;
    }
  }
  return text;
}

describe('newest last-modified value', () => {
  it('is the one parsing every value gives, for canonical, lenient and other texts', () => {
    let state = 7;
    const next = (): number => {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = Math.imul(state ^ (state >>> 15), state | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
    const value = (): FieldValue | undefined => {
      const roll = next();
      const y = 2020 + Math.floor(next() * 6);
      const mo = 1 + Math.floor(next() * 12);
      // Days up to 31 and hour 24: Date.parse takes 2024-02-31 and 24:00, text order does not.
      const d = 1 + Math.floor(next() * 31);
      const h = Math.floor(next() * 25);
      const iso = `${y}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(Math.floor(next() * 60))}:00.${pad(Math.floor(next() * 1000), 3)}Z`;
      if (roll < 0.7) {
        return iso;
      }
      if (roll < 0.8) {
        return iso.slice(0, 10);
      }
      if (roll < 0.85) {
        return iso.replace('Z', '+01:00');
      }
      if (roll < 0.9) {
        return iso.replace('T', 'x');
      }
      return [undefined, null, '', 12, true, 'yesterday'][
        Math.floor(next() * 6)
      ];
    };
    for (let run = 0; run < 200; run++) {
      const values = Array.from({ length: 1 + Math.floor(next() * 60) }, value);
      const newest = new NewestLastModified();
      for (const v of values) {
        newest.see(v);
      }
      expect(newest.value, JSON.stringify(values)).toBe(reference(values));
    }
  });

  it('takes a later lenient text over an earlier canonical one, as Date.parse orders them', () => {
    const newest = new NewestLastModified();
    newest.see('2024-03-01T00:00:00.000Z');
    // 31 February is 2 March to Date.parse, although it sorts before March as text.
    newest.see('2024-02-31T00:00:00.000Z');
    expect(newest.value).toBe('2024-02-31T00:00:00.000Z');
  });
});
