import { tmpdir } from 'node:os';
import { AppError, ErrorCode, coerceError } from '../errors.js';
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
 * into a temporary SQLite file (disk-key-lines.ts) and goes on there, with a fixed-size Bloom
 * filter (key-filter.ts, 8 MB) in front so that a new key, the usual case, costs no disk lookup.
 * From then on memory stays flat: the filter, SQLite's small page cache, nothing per key.
 *
 * The temporary file lives in `tempDir` (default: the OS temp folder, `TMPDIR`) and never
 * outlives the run: see disk-key-lines.ts. `close()` must be called when the run ends, however
 * it ends.
 *
 * @internal
 */

/**
 * Keys kept in memory before the index moves to a temporary file: 2¹⁸, about 7 MB with keys of
 * ten characters. Measured on the 1 000 000-row benchmark import (README, Benchmark): with 2²⁰
 * keys in memory the peak RSS was ~245 MB, moved at 2¹⁸ ~220 MB (the memory table's strings grow
 * V8's heap, the file and its filter do not); the move costs ~0.4 µs of CPU a key beyond it
 * when the export is sorted by key, a few µs when it is not.
 */
export const DEFAULT_MAX_MEMORY_KEYS = 1 << 18;

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
  /** After the spill: every key, and the filter in front of it. */
  #disk: DiskKeyLines | null = null;
  #filter: KeyFilter | null = null;
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

  /** The first line of `key`, or undefined when the key was not seen yet. */
  get(key: string): number | undefined {
    if (this.#memory !== null) {
      return this.#memory.get(key);
    }
    const disk = this.#open();
    if (!(this.#filter as KeyFilter).mightHave(key)) {
      return undefined;
    }
    return this.#guard(() => disk.get(key));
  }

  /** Records the first line of a key not seen yet (call only after `get` returned undefined). */
  add(key: string, line: number): void {
    if (this.#memory !== null && this.#memory.size < this.#maxMemoryKeys) {
      this.#memory.add(key, line);
      this.#size++;
      return;
    }
    if (this.#memory !== null) {
      this.#spill(this.#memory);
    }
    const disk = this.#open();
    (this.#filter as KeyFilter).add(key);
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
    const filter = new KeyFilter();
    this.#filter = filter;
    this.#guard(() =>
      memory.forEach((key, line) => {
        disk.add(key, line);
        filter.add(key);
      }),
    );
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
      const cause = coerceError(e);
      throw new AppError(
        ErrorCode.RESOURCE_LIMIT,
        `The index of the file's keys (for duplicate-key reports) needs a temporary file in '${this.#tempDir}', ` +
          `which failed: ${cause.message}. Free some space there, or point TMPDIR at a folder with room; the file will be tried again.`,
        { cause, retryable: true, details: { tempDir: this.#tempDir } },
      );
    }
  }
}
