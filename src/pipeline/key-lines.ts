import { tmpdir } from 'node:os';
import { scratchFileFailure } from '../util/scratch-file.js';
import { DiskKeyLines } from './disk-key-lines.js';
import { KeyFilter } from './key-filter.js';
import { PackedKeyTable } from './packed-key-table.js';

/**
 * The line on which each key of a file first appeared, to report keys that appear twice, with
 * memory that does not grow with the file.
 *
 * A run judges each row when it reads it (the `duplicateKeys` rule needs the first line at
 * once), so every key seen so far must be at hand. Up to `maxMemoryKeys` keys are kept in memory
 * (packed-key-table.ts, ~26 bytes a key plus its characters); an export with more keys moves them
 * into a temporary SQLite file (disk-key-lines.ts) and goes on there, and memory stays flat from
 * then on. Most keys of an export are new, so the file is spared lookups where it can be:
 * - a key greater than every key so far cannot have been seen: an export sorted by key (the
 *   usual case) never looks anything up;
 * - once keys come out of order (more than FILTER_AFTER_LOOKUPS times), a fixed-size Bloom filter
 *   (key-filter.ts, 8 MB) is built from the file and answers "certainly new" from memory.
 *
 * The temporary file lives in `tempDir` (default: the OS temp folder, `TMPDIR`) and never
 * outlives the run: see disk-key-lines.ts. `close()` must be called when the run ends, however
 * it ends.
 *
 * @internal
 */

/**
 * Keys kept in memory before the index moves to a temporary file: 2¹⁷, about 3.5 MB with keys of
 * ten characters. Measured on the 1 000 000-row benchmark import (README, Benchmark): with 2²⁰
 * keys in memory the peak RSS was ~245 MB, with the index moved at 2¹⁸ ~220 MB (the memory
 * table's strings grow V8's heap, the file does not); a key beyond the budget costs well under
 * 1 µs of CPU when the export is sorted by key, about 5 µs when it is not.
 */
export const DEFAULT_MAX_MEMORY_KEYS = 1 << 17;

/** Out-of-order lookups in the file before the filter is built (a few duplicates need none). */
const FILTER_AFTER_LOOKUPS = 1024;

export interface KeyLinesOptions {
  /** Keys kept in memory before moving to a temporary file. Default DEFAULT_MAX_MEMORY_KEYS. */
  maxMemoryKeys?: number;
  /** Folder of the temporary file. Default: `os.tmpdir()`. */
  tempDir?: string;
}

export class KeyLines {
  readonly #maxMemoryKeys: number;
  readonly #tempDir: string;
  /** Until the spill: every key. Null afterwards. */
  #memory: PackedKeyTable | null = new PackedKeyTable();
  /** After the spill: every key. */
  #disk: DiskKeyLines | null = null;
  /** After FILTER_AFTER_LOOKUPS out-of-order lookups in the file: every key. */
  #filter: KeyFilter | null = null;
  /** The greatest key added (UTF-16 code unit order); a greater one is certainly new. */
  #maxKey: string | null = null;
  #lookups = 0;
  #size = 0;
  #closed = false;

  constructor(options: KeyLinesOptions = {}) {
    this.#maxMemoryKeys = options.maxMemoryKeys ?? DEFAULT_MAX_MEMORY_KEYS;
    this.#tempDir = options.tempDir ?? tmpdir();
  }

  /** Number of distinct keys added. */
  get size(): number {
    return this.#size;
  }

  /** True once the keys moved to the temporary file. */
  get onDisk(): boolean {
    return this.#disk !== null;
  }

  /** True once the Bloom filter stands in front of the file (keys came out of order). */
  get filtered(): boolean {
    return this.#filter !== null;
  }

  /** The first line of `key`, or undefined when the key was not seen yet. */
  get(key: string): number | undefined {
    if (this.#memory !== null) {
      return this.#memory.get(key);
    }
    const disk = this.#open();
    if (this.#maxKey !== null && key > this.#maxKey) {
      return undefined;
    }
    if (this.#filter === null) {
      if (++this.#lookups <= FILTER_AFTER_LOOKUPS) {
        return this.#guard(() => disk.get(key));
      }
      this.#filter = this.#guard(() => filterOf(disk));
    }
    return this.#filter.mightHave(key)
      ? this.#guard(() => disk.get(key))
      : undefined;
  }

  /** Records the first line of a key not seen yet (call only after `get` returned undefined). */
  add(key: string, line: number): void {
    if (this.#maxKey === null || key > this.#maxKey) {
      this.#maxKey = key;
    }
    if (this.#memory !== null && this.#memory.size < this.#maxMemoryKeys) {
      this.#memory.add(key, line);
      this.#size++;
      return;
    }
    if (this.#memory !== null) {
      this.#spill(this.#memory);
    }
    const disk = this.#open();
    this.#filter?.add(key);
    this.#guard(() => disk.add(key, line));
    this.#size++;
  }

  /** Releases the memory and removes the temporary file; safe to call more than once. */
  close(): void {
    this.#closed = true;
    this.#memory = null;
    this.#filter = null;
    const disk = this.#disk;
    this.#disk = null;
    disk?.close();
  }

  /** Moves every key into a new temporary file and drops the memory table. */
  #spill(memory: PackedKeyTable): void {
    const disk = this.#guard(() => DiskKeyLines.open(this.#tempDir));
    // Owned from here on, so close() removes the file whatever happens next.
    this.#disk = disk;
    this.#guard(() => memory.forEach((key, line) => disk.add(key, line)));
    this.#memory = null;
  }

  #open(): DiskKeyLines {
    if (this.#closed || this.#disk === null) {
      throw new Error('KeyLines was used after close()');
    }
    return this.#disk;
  }

  /** Runs a call on the temporary file; its failure (a full disk, say) becomes an AppError. */
  #guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw scratchFileFailure(
        "The index of the file's keys (for duplicate-key reports) needs a temporary file",
        this.#tempDir,
        e,
      );
    }
  }
}

/** A filter of every key in the file (a scan of it, about a second per million keys). */
function filterOf(disk: DiskKeyLines): KeyFilter {
  const filter = new KeyFilter();
  disk.forEachKey((key) => filter.add(key));
  return filter;
}
