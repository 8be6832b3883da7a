import { describe, expect, it } from 'vitest';
import { PackedKeyTable } from '../../../src/pipeline/packed-key-table.js';

describe('PackedKeyTable', () => {
  it('gives the first line of every key, across table growth and sealed text blocks', () => {
    const keys = new PackedKeyTable();
    const expected = new Map<string, number>();
    // Prefixes of each other, non-ASCII and empty keys: packed side by side in one block text,
    // they must still only match exactly.
    const samples = [
      'K1',
      'K10',
      'K100',
      'Müller',
      'Mül',
      'ler',
      '',
      ' ',
      '€„“',
      'k1',
    ];
    let line = 2;
    for (let i = 0; i < 20_000; i++) {
      const key =
        i < samples.length
          ? (samples[i] as string)
          : `K${(i * 7919) % 100_003}`;
      if (keys.get(key) === undefined) {
        keys.add(key, line);
      }
      if (!expected.has(key)) {
        expected.set(key, line);
      }
      line += 1 + (i % 3);
    }
    expect(keys.size).toBe(expected.size);
    for (const [key, first] of expected) {
      expect(keys.get(key)).toBe(first);
    }
    // forEach hands out every key with its line, in the order they were added.
    const listed: [string, number][] = [];
    keys.forEach((key, line) => listed.push([key, line]));
    expect(listed).toEqual([...expected]);
  });

  it('does not find keys it was never given, however similar', () => {
    const keys = new PackedKeyTable();
    for (let i = 0; i < 10_000; i++) {
      keys.add(`K${String(i).padStart(7, '0')}`, i + 2);
    }
    expect(keys.get('K0000000')).toBe(2);
    expect(keys.get('K0009999')).toBe(10_001);
    for (const absent of [
      'K0010000',
      'K000000',
      'K00000000',
      'k0000001',
      'K0000001 ',
      '',
    ]) {
      expect(keys.get(absent)).toBeUndefined();
    }
  });
});
