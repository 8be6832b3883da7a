import { describe, expect, it } from 'vitest';
import { stableStringify } from '../../../src/util/stable-json.js';

/** The general algorithm (per-key pieces), which the flat fast path must match exactly. */
function reference(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) {
    return `[${value.map((v) => reference(v)).join(',')}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${reference(obj[k])}`).join(',')}}`;
}

/** Deterministic pseudo-random values, so a failure can be reproduced. */
function* randomRecords(count: number): Generator<Record<string, unknown>> {
  let seed = 12345;
  const next = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const names = [
    'name',
    'city',
    'attributes.Größe',
    'attributes.a b',
    'Z',
    'a',
    'ä',
    'é',
    '\u2028',
    '__proto__',
    'x"y',
    'attributes.10',
  ];
  const values = [
    null,
    undefined,
    '',
    'Müller',
    '"quoted"\n',
    '\u2028\u2029',
    0,
    -1.5,
    1e21,
    Number.NaN,
    true,
    false,
    '€ „x“',
  ];
  for (let i = 0; i < count; i++) {
    const record = Object.create(null) as Record<string, unknown>;
    for (const name of names) {
      if (next() < 0.6) {
        record[name] = values[Math.floor(next() * values.length)];
      }
    }
    yield record;
  }
}

describe('stableStringify', () => {
  it('gives the same text as the general algorithm for flat records', () => {
    for (const record of randomRecords(2000)) {
      expect(stableStringify(record)).toBe(reference(record));
    }
  });

  it('gives the same text for flat records whose keys were set in sorted order (taken as they are)', () => {
    for (const record of randomRecords(2000)) {
      const sorted = Object.create(null) as Record<string, unknown>;
      const plain: Record<string, unknown> = {};
      for (const key of Object.keys(record).sort()) {
        sorted[key] = record[key];
        Object.defineProperty(plain, key, {
          value: record[key],
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      expect(stableStringify(sorted)).toBe(reference(record));
      expect(stableStringify(plain)).toBe(reference(record));
    }
  });

  it('never lets a toJSON of the prototype stand in for the keys (class instances, dates)', () => {
    class Tagged {
      a = 1;
      b = 'x';
      toJSON(): string {
        return 'tagged';
      }
    }
    for (const value of [new Tagged(), new Date(0), { d: new Date(0) }]) {
      expect(stableStringify(value)).toBe(reference(value));
    }
  });

  it('sorts keys whatever the insertion order, and leaves undefined values out', () => {
    expect(stableStringify({ b: 1, a: 'x', c: undefined })).toBe(
      '{"a":"x","b":1}',
    );
    expect(stableStringify({ a: 'x', b: 1 })).toBe(
      stableStringify({ b: 1, a: 'x' }),
    );
  });

  it('keeps the general order for integer-like keys, which objects would list first', () => {
    const value = { b: 1, '10': 2, '9': 3, a: null };
    expect(stableStringify(value)).toBe(reference(value));
    expect(stableStringify(value)).toBe('{"10":2,"9":3,"a":null,"b":1}');
  });

  it('handles nested objects, arrays and values JSON has no text for like the general algorithm', () => {
    const cases: unknown[] = [
      { z: { b: 1, a: [1, undefined, { d: 1, c: 2 }] }, a: 1 },
      { f: () => 1, a: 1 },
      [{ b: 2, a: 1 }, null],
      'text',
      42,
      null,
    ];
    for (const value of cases) {
      expect(stableStringify(value)).toBe(reference(value));
    }
  });
});
