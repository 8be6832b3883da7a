import { describe, expect, it } from 'vitest';
import { KeyFilter } from '../../../src/pipeline/key-filter.js';

describe('KeyFilter', () => {
  it('never misses a key it was given, and rarely claims one it was not', () => {
    // 1 024 blocks of 512 bits, 20 000 keys: about 20 keys a block, like 5 million in 16 MB.
    const filter = new KeyFilter(64 * 1024);
    for (let i = 0; i < 20_000; i++) {
      filter.add(`K${i}`);
    }
    for (let i = 0; i < 20_000; i++) {
      expect(filter.mightHave(`K${i}`)).toBe(true);
    }
    let falsePositives = 0;
    for (let i = 20_000; i < 220_000; i++) {
      if (filter.mightHave(`K${i}`) || filter.mightHave(`k${i - 20_000}`)) {
        falsePositives++;
      }
    }
    // Expected about 0.01 % per lookup (two lookups per round here).
    expect(falsePositives / 200_000).toBeLessThan(0.002);
  });

  it('wants a power of two of 64-byte blocks', () => {
    expect(() => new KeyFilter(3 * 64)).toThrow(RangeError);
  });
});
