import type { FileHandle } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { AppError, fsErrorCode } from '../errors.js';
import type { FsPort } from './fs-port.js';
import { childPath } from './safe-file-name.js';

/**
 * Moves a file into a folder under a name nobody else has, and never overwrites anything.
 *
 * How: the target name is first *reserved* by creating an empty file with O_EXCL (`wx`), which
 * exactly one process can win, even on NFS v3+ and SMB. The source is then renamed over our own
 * placeholder (rename replaces atomically, so no other name is touched). When the rename fails
 * with EXDEV (other file system), the source is copied beside the placeholder into a hidden
 * `.<name>.partial` (also created exclusively), fsync-ed, checked for size, renamed over the
 * placeholder, and only then is the source unlinked. So the target name holds either nothing
 * (the empty reservation) or the whole file, never part of it: a process killed mid-copy leaves
 * the empty reservation (in processing/, claim recovery removes it: server/recovery.ts) and a
 * hidden partial file (removed at the next start once stale: removeStalePartials), while the
 * source is still where it was. Whatever fails, the source stays where it was and the files we
 * made are removed; a dropped file is never lost.
 */

const PARTIAL_SUFFIX = '.partial';

/** The hidden partial copy's name beside `name` while a move across file systems copies. */
export function partialName(name: string): string {
  return `.${name}${PARTIAL_SUFFIX}`;
}

/** Whether a folder entry is such a partial copy (see partialName). */
export function isPartialName(name: string): boolean {
  return (
    name.startsWith('.') &&
    name.endsWith(PARTIAL_SUFFIX) &&
    name.length > 1 + PARTIAL_SUFFIX.length
  );
}

export interface MoveFileOptions {
  fs: FsPort;
  /** The name to try on attempt 1, 2, 3 …; a taken name moves on to the next attempt. */
  candidateName: (attempt: number) => string;
  /**
   * Sibling files reserved together with the target (`<name>.error.txt` …), created empty and
   * exclusively. A name counts as free only when all of them are free.
   */
  companionSuffixes?: readonly string[];
  /** Runs after the names are reserved and before the source moves (e.g. to fill the companions). */
  beforeMove?: (companionPaths: readonly string[]) => Promise<void>;
  /** Give up after this many taken names. Default 1000. */
  maxAttempts?: number;
}

export interface MovedFile {
  path: string;
  name: string;
  /** Paths of the reserved companions, in the order of `companionSuffixes`. */
  companions: string[];
  /** True when the file was copied across file systems rather than renamed. */
  crossDevice: boolean;
}

const DEFAULT_MAX_ATTEMPTS = 1000;
const COPY_CHUNK_BYTES = 1024 * 1024;

export async function moveFileExclusive(
  source: string,
  destDir: string,
  options: MoveFileOptions,
): Promise<MovedFile> {
  const { fs } = options;
  const suffixes = options.companionSuffixes ?? [];
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const name = options.candidateName(attempt);
    const dest = childPath(destDir, name);
    const companions = suffixes.map((suffix) =>
      childPath(destDir, `${name}${suffix}`),
    );
    if (!(await reserveAll(fs, [dest, ...companions]))) {
      continue;
    }
    // Until the move completes, `dest` is our own placeholder (or our own partial copy) and may
    // be removed on failure; after that it is the dropped file and must never be touched.
    let destIsOurs = true;
    try {
      await options.beforeMove?.(companions);
      let crossDevice = false;
      try {
        await fs.rename(source, dest);
      } catch (e) {
        if (fsErrorCode(e) !== 'EXDEV') {
          throw e;
        }
        crossDevice = true;
        await copyOver(fs, source, dest);
        await fs.unlink(source);
      }
      destIsOurs = false;
      return { path: dest, name, companions, crossDevice };
    } catch (e) {
      await removeQuietly(fs, destIsOurs ? [dest, ...companions] : companions);
      throw e;
    }
  }
  throw new AppError(
    'ARCHIVE_FAILED',
    `Found no free file name in '${destDir}' after ${maxAttempts} tries; clean up that folder`,
    {
      details: { folder: destDir },
    },
  );
}

/** Creates every path exclusively; if one is taken, removes the ones it made and returns false. */
async function reserveAll(
  fs: FsPort,
  paths: readonly string[],
): Promise<boolean> {
  const made: string[] = [];
  for (const path of paths) {
    try {
      const handle = await fs.open(path, 'wx');
      made.push(path);
      await handle.close();
    } catch (e) {
      await removeQuietly(fs, made);
      if (fsErrorCode(e) === 'EEXIST') {
        return false;
      }
      throw e;
    }
  }
  return true;
}

/**
 * Copies `source` into a hidden partial file beside our placeholder `dest`, then renames it over
 * the placeholder (same folder: atomic). The partial file is removed if anything fails.
 */
async function copyOver(
  fs: FsPort,
  source: string,
  dest: string,
): Promise<void> {
  const partial = childPath(dirname(dest), partialName(basename(dest)));
  let made = false;
  try {
    await copyInto(fs, source, partial, () => {
      made = true;
    });
    await fs.rename(partial, dest);
  } catch (e) {
    if (made) {
      await removeQuietly(fs, [partial]);
    }
    throw e;
  }
}

/**
 * Copies `source` into the new file `dest` (created exclusively), fsyncs it, checks that the
 * size and mtime held, and gives it the source's times. `onCreated` runs once `dest` exists.
 */
async function copyInto(
  fs: FsPort,
  source: string,
  dest: string,
  onCreated: () => void,
): Promise<void> {
  const before = await fs.lstat(source);
  let input: FileHandle | undefined;
  let output: FileHandle | undefined;
  try {
    input = await fs.open(source, 'r');
    output = await fs.open(dest, 'wx');
    onCreated();
    const buffer = Buffer.allocUnsafe(COPY_CHUNK_BYTES);
    let position = 0;
    for (;;) {
      const { bytesRead } = await input.read(
        buffer,
        0,
        buffer.length,
        position,
      );
      if (bytesRead === 0) {
        break;
      }
      let written = 0;
      while (written < bytesRead) {
        const { bytesWritten } = await output.write(
          buffer,
          written,
          bytesRead - written,
          position + written,
        );
        written += bytesWritten;
      }
      position += bytesRead;
    }
    await output.sync();
    const copied = await output.stat();
    const after = await fs.lstat(source);
    if (
      copied.size !== before.size ||
      after.size !== before.size ||
      after.mtimeMs !== before.mtimeMs
    ) {
      throw new AppError(
        'ARCHIVE_FAILED',
        `Copy of '${source}' to '${dest}' does not match its source (${copied.size} of ${before.size} bytes, or the source changed); the source was left in place`,
        {
          details: {
            source,
            dest,
            copiedBytes: copied.size,
            sourceBytes: before.size,
          },
        },
      );
    }
  } finally {
    await input?.close();
    await output?.close();
  }
  // Keep the ERP's mtime, as a rename would; the archive is sorted and audited by it.
  await fs.utimes(dest, before.atime, before.mtime);
}

async function removeQuietly(
  fs: FsPort,
  paths: readonly string[],
): Promise<void> {
  for (const path of paths) {
    try {
      await fs.unlink(path);
    } catch {
      // Best effort: a leftover empty placeholder is harmless, a thrown cleanup error would hide the real one.
    }
  }
}
