import { rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import {
  removeStaleScratchFiles,
  scratchFilePath,
  unlinkOpenScratchFile,
} from '../util/scratch-file.js';

/**
 * The on-disk part of the duplicate-key index (key-lines.ts): key → first line in a temporary
 * SQLite file, for exports with more keys than the index keeps in memory. It is scratch space of
 * one run, not the customer store: no journal, no syncs, a small page cache (so memory stays flat
 * however many keys), one connection, nothing to recover after a crash.
 *
 * The file must not outlive the run, however the run ends (util/scratch-file.ts): it is unlinked
 * right after it is opened; where it cannot be (Windows), `close()` removes it, and a crashed
 * process's file (`customer-import-keys-<pid>-<random>.sqlite`) is removed by the next index
 * opened in the same folder.
 *
 * @internal
 */

export const KEY_FILE_PREFIX = 'customer-import-keys-';
const KEY_FILE_SUFFIX = '.sqlite';
const KEY_FILE_NAME =
  /^customer-import-keys-(\d+)-[0-9a-f]+\.sqlite(-journal)?$/;
/** Keys per INSERT statement: one native call for 64 rows costs a quarter of 64 calls. */
const KEYS_PER_INSERT = 64;
/** Writes are committed in transactions of about this many keys. */
const KEYS_PER_TRANSACTION = 50_000;
/** Page cache of the index, in KiB (SQLite's default here would be 16 MB). */
const CACHE_KIB = 2048;

export class DiskKeyLines {
  readonly #db: Database.Database;
  readonly #select: Database.Statement<[string], number>;
  readonly #selectKeys: Database.Statement<[], string>;
  readonly #insert: Database.Statement<unknown[]>;
  /** The file's path while it still has a name (it could not be unlinked at open). */
  #path: string | null;
  /** Keys added but not inserted yet (fewer than KEYS_PER_INSERT), with their lines. */
  #pendingKeys: string[] = [];
  #pendingLines: number[] = [];
  readonly #params: unknown[] = new Array<unknown>(2 * KEYS_PER_INSERT);
  #uncommitted = 0;
  #closed = false;

  private constructor(db: Database.Database, path: string | null) {
    this.#db = db;
    this.#path = path;
    this.#select = db
      .prepare<[string], number>('SELECT line FROM key_lines WHERE key = ?')
      .pluck();
    this.#selectKeys = db
      .prepare<[], string>('SELECT key FROM key_lines')
      .pluck();
    this.#insert = db.prepare<unknown[]>(
      'INSERT OR IGNORE INTO key_lines (key, line) VALUES ' +
        new Array<string>(KEYS_PER_INSERT).fill('(?, ?)').join(', '),
    );
    db.exec('BEGIN');
  }

  /** Creates the index file in `dir` (removing stale ones of dead processes first). */
  static open(dir: string): DiskKeyLines {
    removeStaleKeyFiles(dir);
    const path = scratchFilePath(dir, KEY_FILE_PREFIX, KEY_FILE_SUFFIX);
    const db = new Database(path);
    try {
      // better-sqlite3 opens in defensive mode, which refuses journal_mode = OFF; a file that is
      // thrown away after the run has nothing to roll back to.
      db.unsafeMode(true);
      db.pragma('journal_mode = OFF');
      db.unsafeMode(false);
      db.pragma('synchronous = OFF');
      db.pragma('locking_mode = EXCLUSIVE');
      db.pragma(`cache_size = -${CACHE_KIB}`);
      db.exec(
        'CREATE TABLE key_lines (key TEXT PRIMARY KEY, line INTEGER NOT NULL) WITHOUT ROWID',
      );
    } catch (e) {
      db.close();
      rmSync(path, { force: true });
      throw e;
    }
    return new DiskKeyLines(db, unlinkOpenScratchFile(path));
  }

  get(key: string): number | undefined {
    const pending = this.#pendingKeys.indexOf(key);
    return pending >= 0 ? this.#pendingLines[pending] : this.#select.get(key);
  }

  /** Calls `fn` for every key added so far (in key order, then the ones not inserted yet). */
  forEachKey(fn: (key: string) => void): void {
    for (const key of this.#selectKeys.iterate()) {
      fn(key);
    }
    this.#pendingKeys.forEach((key) => fn(key));
  }

  /** Records the first line of a key not added yet. */
  add(key: string, line: number): void {
    this.#pendingKeys.push(key);
    this.#pendingLines.push(line);
    if (this.#pendingKeys.length === KEYS_PER_INSERT) {
      this.#insertPending();
    }
  }

  /** Inserts the full list of pending keys with one statement. */
  #insertPending(): void {
    const keys = this.#pendingKeys;
    const lines = this.#pendingLines;
    const params = this.#params;
    for (let i = 0; i < KEYS_PER_INSERT; i++) {
      params[2 * i] = keys[i];
      params[2 * i + 1] = lines[i];
    }
    this.#insert.run(params);
    this.#pendingKeys = [];
    this.#pendingLines = [];
    this.#uncommitted += KEYS_PER_INSERT;
    if (this.#uncommitted >= KEYS_PER_TRANSACTION) {
      this.#db.exec('COMMIT');
      this.#db.exec('BEGIN');
      this.#uncommitted = 0;
    }
  }

  /** Closes and removes the file; safe to call more than once. */
  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    try {
      // The file is thrown away: what is not committed need not be.
      this.#db.close();
    } finally {
      if (this.#path !== null) {
        rmSync(this.#path, { force: true });
        this.#path = null;
      }
    }
  }
}

/**
 * Removes index files in `dir` whose process is gone (a crash on a system that cannot unlink
 * open files). Files of live processes, ours included, are left alone; so is anything that
 * cannot be removed (still open elsewhere).
 */
export function removeStaleKeyFiles(dir: string): void {
  removeStaleScratchFiles(dir, KEY_FILE_NAME);
}
