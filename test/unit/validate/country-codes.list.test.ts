import { describe, expect, it } from 'vitest';
import {
  COUNTRY_ALPHA2_CODES,
  toCountryAlpha2,
} from '../../../src/validate/country-codes.js';

describe('the embedded ISO 3166-1 list', () => {
  it('holds the 249 officially assigned alpha-2 codes, each once', () => {
    expect(COUNTRY_ALPHA2_CODES).toHaveLength(249);
    expect(new Set(COUNTRY_ALPHA2_CODES).size).toBe(249);
    expect(COUNTRY_ALPHA2_CODES).toContain('SS');
    expect(COUNTRY_ALPHA2_CODES).toContain('AX');
    expect(COUNTRY_ALPHA2_CODES).not.toContain('XK');
  });

  it('has a name in ICU for every code (no typos in the list)', () => {
    const names = new Intl.DisplayNames(['en'], { type: 'region' });
    const unknown = COUNTRY_ALPHA2_CODES.filter(
      (code) => names.of(code) === code,
    );
    expect(unknown).toEqual([]);
  });

  it('maps alpha-3 codes to alpha-2 in any case', () => {
    expect(toCountryAlpha2('DEU')).toBe('DE');
    expect(toCountryAlpha2('nld')).toBe('NL');
    expect(toCountryAlpha2('PRK')).toBe('KP');
    expect(toCountryAlpha2('KOR')).toBe('KR');
    expect(toCountryAlpha2('ANT')).toBeUndefined();
    expect(toCountryAlpha2('D')).toBeUndefined();
  });
});
