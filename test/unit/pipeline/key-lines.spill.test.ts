import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeyLines } from '../../../src/pipeline/key-lines.js';
import { KEY_FILE_PREFIX } from '../../../src/pipeline/disk-key-lines.js';
import { openFilesUnder } from '../../helpers/open-files.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

/**
 * The duplicate-key index with a small memory budget: keys move to a temporary SQLite file
 * once the budget is reached, and every answer stays exact across the move.
 */

const LINUX = process.platform === 'linux';

let dir = '';
beforeEach(async () => {
  dir = await makeTempDir('key-lines-');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('KeyLines beyond its memory budget', () => {
  it('gives the first line of keys seen before and after the move to disk', () => {
    const keys = new KeyLines({ maxMemoryKeys: 100, tempDir: dir });
    const expected = new Map<string, number>();
    // Prefixes of each other, case, non-ASCII, astral, empty and long keys.
    const samples = [
      'K1',
      'K10',
      'K100',
      'k1',
      'Müller',
      'Mül',
      '',
      ' ',
      '€„“',
      '𝔘𝔫𝔦',
      'x'.repeat(5000),
    ];
    let line = 2;
    for (let i = 0; i < 3000; i++) {
      // Every 7th row repeats a key from far back (often from before the move).
      const key =
        i < samples.length
          ? (samples[i] as string)
          : i % 7 === 0
            ? `K${(i * 31) % 150}`
            : `K${i}`;
      const first = keys.get(key);
      expect(first).toBe(expected.get(key));
      if (first === undefined) {
        keys.add(key, line);
        expected.set(key, line);
      }
      line += 1 + (i % 3);
    }
    expect(keys.onDisk).toBe(true);
    // `K${i}` is not in code unit order ('K10' < 'K9'): lookups came out of order, hence a filter.
    expect(keys.filtered).toBe(true);
    expect(keys.size).toBe(expected.size);
    for (const [key, first] of expected) {
      expect(keys.get(key)).toBe(first);
    }
    for (const absent of [
      'K',
      'K3000000',
      'k10',
      'Müller ',
      'x'.repeat(4999),
    ]) {
      expect(keys.get(absent)).toBeUndefined();
    }
    keys.close();
  });

  it('answers a sorted export without a filter, and builds one when keys come out of order', () => {
    const keys = new KeyLines({ maxMemoryKeys: 50, tempDir: dir });
    const key = (i: number) => `K${String(i).padStart(6, '0')}`;
    // Sorted, with a repeat of an earlier key now and then (a lookup in the file each).
    for (let i = 0; i < 5000; i++) {
      if (i % 500 === 499) {
        expect(keys.get(key(i - 300))).toBe(i - 300 + 2);
      }
      expect(keys.get(key(i))).toBeUndefined();
      keys.add(key(i), i + 2);
    }
    expect(keys.onDisk).toBe(true);
    expect(keys.filtered).toBe(false);
    // Now out of order: new keys below the greatest one, and repeats; the filter comes after
    // 1024 such lookups and must know every key, including the ones added before it existed.
    for (let i = 0; i < 3000; i++) {
      const fresh = `J${String(i).padStart(6, '0')}`;
      expect(keys.get(fresh)).toBeUndefined();
      keys.add(fresh, 10_000 + i);
      expect(keys.get(key((i * 37) % 5000))).toBe(((i * 37) % 5000) + 2);
    }
    expect(keys.filtered).toBe(true);
    for (let i = 0; i < 5000; i += 7) {
      expect(keys.get(key(i))).toBe(i + 2);
    }
    for (let i = 0; i < 3000; i += 7) {
      expect(keys.get(`J${String(i).padStart(6, '0')}`)).toBe(10_000 + i);
    }
    for (const absent of ['J003000', 'K', 'K0049999', 'I000001', 'J']) {
      expect(keys.get(absent)).toBeUndefined();
    }
    keys.close();
  });

  it('stays in memory up to the budget, and moves on the first key beyond it', () => {
    const keys = new KeyLines({ maxMemoryKeys: 3, tempDir: dir });
    keys.add('a', 2);
    keys.add('b', 3);
    keys.add('c', 4);
    expect(keys.onDisk).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
    keys.add('d', 5);
    expect(keys.onDisk).toBe(true);
    expect([keys.get('a'), keys.get('d'), keys.get('e')]).toEqual([
      2,
      5,
      undefined,
    ]);
    keys.close();
  });

  it.skipIf(!LINUX)(
    'keeps its file in tempDir without a name while open, and closes it with the index',
    () => {
      const keys = new KeyLines({ maxMemoryKeys: 10, tempDir: dir });
      for (let i = 0; i < 50; i++) {
        keys.add(`K${i}`, i + 2);
      }
      // Unlinked at once: nothing to clean up after a crash, yet the index works from it.
      expect(readdirSync(dir)).toEqual([]);
      const open = openFilesUnder(dir);
      expect(open).toHaveLength(1);
      expect(open?.[0]).toMatch(
        new RegExp(
          `^${KEY_FILE_PREFIX}${process.pid}-[0-9a-f]+\\.sqlite \\(deleted\\)$`,
        ),
      );
      expect(keys.get('K3')).toBe(5);
      keys.close();
      expect(openFilesUnder(dir)).toEqual([]);
      keys.close();
      expect(() => keys.get('K3')).toThrow(/after close/);
    },
  );

  it('removes stale index files of processes that are gone, and nothing else', () => {
    // A pid that certainly belonged to a process that has exited.
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    const names = {
      stale: `${KEY_FILE_PREFIX}${gone}-0123abcd.sqlite`,
      staleJournal: `${KEY_FILE_PREFIX}${gone}-0123abcd.sqlite-journal`,
      live: `${KEY_FILE_PREFIX}${process.ppid}-0123abcd.sqlite`,
      other: `${KEY_FILE_PREFIX}${gone}-notes.txt`,
      unrelated: 'customers.db',
    };
    for (const name of Object.values(names)) {
      writeFileSync(join(dir, name), 'x');
    }
    const keys = new KeyLines({ maxMemoryKeys: 1, tempDir: dir });
    keys.add('a', 2);
    expect(readdirSync(dir).sort()).toEqual(Object.values(names).sort());
    keys.add('b', 3);
    expect(readdirSync(dir).sort()).toEqual(
      [names.live, names.other, names.unrelated].sort(),
    );
    keys.close();
  });

  it('turns a temporary folder it cannot use into a retryable AppError naming the folder', () => {
    const missing = join(dir, 'no-such-folder');
    const keys = new KeyLines({ maxMemoryKeys: 2, tempDir: missing });
    keys.add('a', 2);
    keys.add('b', 3);
    let error: unknown;
    try {
      keys.add('c', 4);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({
      code: 'RESOURCE_LIMIT',
      retryable: true,
      details: { tempDir: missing },
    });
    expect((error as Error).message).toContain(missing);
    keys.close();
  });
});
