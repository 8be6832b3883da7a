/**
 * The in-memory part of the duplicate-key index (key-lines.ts): the line on which each key of a
 * file first appeared, for as many keys as the index keeps in memory.
 *
 * Why not a `Map<string, number>`: an export has a million keys, and a Map holds a string object
 * and a hash-table entry for each, about 60 bytes a key before the table doubles. Here keys are
 * packed into shared text blocks (a key costs its characters plus an offset), and an
 * open-addressing table of typed arrays points at them: about 18 bytes a key plus its
 * characters, in a handful of large allocations the garbage collector never has to trace.
 * Lookups compare the stored key text exactly, so there are no false positives. No hash is
 * kept per key (it would cost 4 bytes a key): a probe compares lengths first, and the table is
 * at most half full, so a lookup compares about two keys; growing the table hashes the packed
 * keys again, which happens ~20 times for a million keys.
 *
 * @internal
 */

/** Keys per text block; a block is joined into one string once it is full. */
const BLOCK_KEYS = 4096;
const INITIAL_SLOTS = 1 << 12;

export class PackedKeyTable {
  /** Entry index + 1 per slot (0 = empty); the table is kept at most half full. */
  #slots = new Int32Array(INITIAL_SLOTS);
  /** First line per entry (lines are positive and far below 2³²). */
  #lines = new Uint32Array(INITIAL_SLOTS / 2);
  /** Sealed blocks: all keys of the block joined, and where each key starts in that text. */
  readonly #blocks: string[] = [];
  readonly #blockStarts: Uint32Array[] = [];
  /** Keys of the block being filled, kept as strings until it is sealed. */
  #open: string[] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** The first line of `key`, or undefined when the key was not seen yet. */
  get(key: string): number | undefined {
    const entry = this.#find(key, hashKey(key));
    return entry < 0 ? undefined : this.#lines[entry];
  }

  /** Records the first line of a key not seen yet (call only after `get` returned undefined). */
  add(key: string, line: number): void {
    if ((this.#size + 1) * 2 > this.#slots.length) {
      this.#grow();
    }
    const hash = hashKey(key);
    const entry = this.#size;
    this.#lines[entry] = line;
    this.#open.push(key);
    if (this.#open.length === BLOCK_KEYS) {
      this.#seal();
    }
    this.#insertSlot(hash, entry);
    this.#size++;
  }

  /** Calls `fn` for every key with its line, in the order the keys were added. */
  forEach(fn: (key: string, line: number) => void): void {
    for (let entry = 0; entry < this.#size; entry++) {
      fn(this.#keyAt(entry), this.#lines[entry] ?? 0);
    }
  }

  #find(key: string, hash: number): number {
    const mask = this.#slots.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const stored = this.#slots[slot] ?? 0;
      if (stored === 0) {
        return -1;
      }
      const entry = stored - 1;
      if (this.#keyEquals(entry, key)) {
        return entry;
      }
    }
  }

  #keyEquals(entry: number, key: string): boolean {
    const block = Math.floor(entry / BLOCK_KEYS);
    const index = entry % BLOCK_KEYS;
    if (block === this.#blocks.length) {
      return this.#open[index] === key;
    }
    const starts = this.#blockStarts[block] as Uint32Array;
    const start = starts[index] ?? 0;
    const end = starts[index + 1] ?? 0;
    return (
      end - start === key.length &&
      (this.#blocks[block] as string).startsWith(key, start)
    );
  }

  #insertSlot(hash: number, entry: number): void {
    const mask = this.#slots.length - 1;
    let slot = hash & mask;
    while ((this.#slots[slot] ?? 0) !== 0) {
      slot = (slot + 1) & mask;
    }
    this.#slots[slot] = entry + 1;
  }

  #grow(): void {
    const slots = this.#slots.length * 2;
    const lines = new Uint32Array(slots / 2);
    lines.set(this.#lines);
    this.#lines = lines;
    this.#slots = new Int32Array(slots);
    for (let entry = 0; entry < this.#size; entry++) {
      this.#insertSlot(hashKey(this.#keyAt(entry)), entry);
    }
  }

  /** The text of an entry's key (a slice of its block, or the open block's string). */
  #keyAt(entry: number): string {
    const block = Math.floor(entry / BLOCK_KEYS);
    const index = entry % BLOCK_KEYS;
    if (block === this.#blocks.length) {
      return this.#open[index] ?? '';
    }
    const starts = this.#blockStarts[block] as Uint32Array;
    return (this.#blocks[block] as string).slice(
      starts[index] ?? 0,
      starts[index + 1] ?? 0,
    );
  }

  /** Joins the full open block into one flat string plus start offsets. */
  #seal(): void {
    const starts = new Uint32Array(this.#open.length + 1);
    let at = 0;
    this.#open.forEach((key, i) => {
      starts[i] = at;
      at += key.length;
    });
    starts[this.#open.length] = at;
    // join() copies into one flat string, so the key strings themselves can be collected.
    this.#blocks.push(this.#open.join(''));
    this.#blockStarts.push(starts);
    this.#open = [];
  }
}

/** FNV-1a over UTF-16 code units, with a final mix so sequential keys spread over the table. */
export function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h | 0;
}
