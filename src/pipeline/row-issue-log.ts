import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { StringDecoder } from 'node:string_decoder';
import type { RowIssue, RowIssues } from '../domain/row-issue.js';
import {
  removeStaleScratchFiles,
  scratchFileFailure,
  scratchFilePath,
  unlinkOpenScratchFile,
} from '../util/scratch-file.js';

/**
 * The row issues of one run, in file order, with memory that does not grow with the file.
 *
 * Every row of an export may carry a warning (a key repeated on each contact line of a joined
 * export, a salesperson code the store does not know): 1 000 000 issues held as objects took the
 * peak RSS of an import from about 200 MB to 820 MB. The first `maxMemoryIssues` issues are kept
 * in memory (the ones a summary, a mail or the terminal shows); the rest are appended to a
 * temporary file as JSON lines, and iterating reads them back in order, for the store's
 * run_issues and the `.errors.csv` report, which list every one.
 *
 * The file lives in `tempDir` (default: the OS temp folder) and never outlives the run
 * (util/scratch-file.ts: unlinked at open). `release()` closes it once the outcome has been
 * reported; a log that is dropped without it closes its file when it is garbage-collected.
 *
 * @internal
 */

/** Issues kept in memory before the rest go to a temporary file (about 150 bytes each). */
export const DEFAULT_MAX_MEMORY_ISSUES = 10_000;

export const ISSUE_FILE_PREFIX = 'customer-import-issues-';
const ISSUE_FILE_SUFFIX = '.jsonl';
const ISSUE_FILE_NAME = /^customer-import-issues-(\d+)-[0-9a-f]+\.jsonl$/;
/** Characters of JSON lines collected before one write. */
const WRITE_CHARS = 1 << 16;
/** Bytes read a call when iterating the file. */
const READ_BYTES = 1 << 16;

export interface RowIssueLogOptions {
  /** Issues kept in memory. Default DEFAULT_MAX_MEMORY_ISSUES. */
  maxMemoryIssues?: number;
  /** Folder of the temporary file. Default: `os.tmpdir()`. */
  tempDir?: string;
}

/** The open temporary file; also what the finalizer closes, so it must not point at the log. */
interface IssueFile {
  fd: number;
  /** Its path while it still has a name (it could not be unlinked at open); else null. */
  path: string | null;
  /** Bytes written so far. */
  bytes: number;
}

const unreleased = new FinalizationRegistry<IssueFile>(closeIssueFile);

export class RowIssueLog implements RowIssues {
  readonly #maxMemory: number;
  readonly #tempDir: string;
  readonly #memory: RowIssue[] = [];
  #length = 0;
  #file: IssueFile | null = null;
  /** JSON lines not written yet. */
  #pending: string[] = [];
  #pendingChars = 0;
  #released = false;

  constructor(options: RowIssueLogOptions = {}) {
    this.#maxMemory = options.maxMemoryIssues ?? DEFAULT_MAX_MEMORY_ISSUES;
    this.#tempDir = options.tempDir ?? tmpdir();
  }

  get length(): number {
    return this.#length;
  }

  /** True once some issues are in the temporary file. */
  get onDisk(): boolean {
    return this.#file !== null;
  }

  push(...issues: RowIssue[]): void {
    this.#assertOpen();
    for (const issue of issues) {
      this.#length += 1;
      if (this.#memory.length < this.#maxMemory) {
        this.#memory.push(issue);
        continue;
      }
      const line = `${JSON.stringify(issue)}\n`;
      this.#pending.push(line);
      this.#pendingChars += line.length;
      if (this.#pendingChars >= WRITE_CHARS) {
        this.#flush();
      }
    }
  }

  slice(start = 0, end = this.#length): RowIssue[] {
    const from = Math.max(0, start);
    const to = Math.min(end, this.#length);
    if (to <= this.#memory.length) {
      return this.#memory.slice(from, to);
    }
    const out: RowIssue[] = [];
    let index = 0;
    for (const issue of this) {
      if (index >= to) {
        break;
      }
      if (index >= from) {
        out.push(issue);
      }
      index += 1;
    }
    return out;
  }

  /** Every issue pushed so far, in order (those pushed while iterating are not included). */
  *[Symbol.iterator](): Generator<RowIssue> {
    this.#assertOpen();
    const count = this.#length;
    const inMemory = this.#memory.slice(0, count);
    // Written before the first issue is yielded: the file must hold every issue counted.
    this.#flush();
    const file = this.#file;
    const end = file?.bytes ?? 0;
    yield* inMemory;
    if (file === null) {
      return;
    }
    const buffer = Buffer.allocUnsafe(READ_BYTES);
    const decoder = new StringDecoder('utf8');
    let carry = '';
    for (let position = 0; position < end;) {
      const read = this.#guard(() =>
        readSync(
          file.fd,
          buffer,
          0,
          Math.min(READ_BYTES, end - position),
          position,
        ),
      );
      if (read === 0) {
        throw new Error(`row issue file ended at ${position} of ${end} bytes`);
      }
      position += read;
      const lines = (carry + decoder.write(buffer.subarray(0, read))).split(
        '\n',
      );
      carry = lines.pop() ?? '';
      for (const line of lines) {
        yield JSON.parse(line) as RowIssue;
      }
    }
  }

  /** Closes (and removes) the temporary file; the log cannot be used afterwards. */
  release(): void {
    if (this.#released) {
      return;
    }
    this.#released = true;
    this.#pending = [];
    this.#memory.length = 0;
    const file = this.#file;
    if (file !== null) {
      this.#file = null;
      unreleased.unregister(this);
      closeIssueFile(file);
    }
  }

  #flush(): void {
    if (this.#pending.length === 0) {
      return;
    }
    const file = (this.#file ??= this.#open());
    const chunk = Buffer.from(this.#pending.join(''), 'utf8');
    this.#pending = [];
    this.#pendingChars = 0;
    this.#guard(() => {
      for (let written = 0; written < chunk.length;) {
        written += writeSync(
          file.fd,
          chunk,
          written,
          chunk.length - written,
          file.bytes + written,
        );
      }
    });
    file.bytes += chunk.length;
  }

  #open(): IssueFile {
    return this.#guard(() => {
      removeStaleScratchFiles(this.#tempDir, ISSUE_FILE_NAME);
      const path = scratchFilePath(
        this.#tempDir,
        ISSUE_FILE_PREFIX,
        ISSUE_FILE_SUFFIX,
      );
      const fd = openSync(path, 'wx+', 0o600);
      const file: IssueFile = {
        fd,
        path: unlinkOpenScratchFile(path),
        bytes: 0,
      };
      unreleased.register(this, file, this);
      return file;
    });
  }

  #assertOpen(): void {
    if (this.#released) {
      throw new Error('RowIssueLog used after release()');
    }
  }

  /** Runs a call on the temporary file; its failure (a full disk, say) becomes an AppError. */
  #guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw scratchFileFailure(
        'The file has more row issues than are kept in memory; the rest need a temporary file',
        this.#tempDir,
        e,
      );
    }
  }
}

function closeIssueFile(file: IssueFile): void {
  try {
    closeSync(file.fd);
  } catch {
    // Already closed.
  }
  if (file.path !== null) {
    rmSync(file.path, { force: true });
    file.path = null;
  }
}
