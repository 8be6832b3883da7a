import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { AppError, ErrorCode, coerceError, fsErrorCode } from '../errors.js';

/**
 * Scratch files of one run (the duplicate-key index, the row issues beyond those kept in memory)
 * must not outlive it, however it ends:
 * - they are unlinked right after they are opened (POSIX keeps an open file readable and
 *   writable until its last descriptor closes), so even a killed process leaves nothing behind;
 * - where an open file cannot be unlinked (Windows), their owner removes them when it closes,
 *   and a crashed process's files are removed by the next scratch file of the same kind opened
 *   in the same folder: the name carries the pid (`<prefix><pid>-<random><suffix>`), and a file
 *   whose process is gone is stale.
 */

/**
 * A scratch file's failure (a full disk, say) as the retryable AppError a run reports: `needs`
 * says what the file is for, as in "The index of the file's keys … needs a temporary file".
 */
export function scratchFileFailure(
  needs: string,
  tempDir: string,
  e: unknown,
): AppError {
  const cause = coerceError(e);
  return new AppError(
    ErrorCode.RESOURCE_LIMIT,
    `${needs} in '${tempDir}', which failed: ${cause.message}. ` +
      'Free some space there, or point TMPDIR at a folder with room; the file will be tried again.',
    { cause, retryable: true, details: { tempDir } },
  );
}

/** A new scratch file name in `dir` for this process: `<prefix><pid>-<random><suffix>`. */
export function scratchFilePath(
  dir: string,
  prefix: string,
  suffix: string,
): string {
  return join(
    dir,
    `${prefix}${process.pid}-${randomBytes(6).toString('hex')}${suffix}`,
  );
}

/**
 * Unlinks a scratch file its owner has open. Returns the path when the name is still there
 * (Windows: an open file keeps its name), for the owner to remove when it closes; else null.
 */
export function unlinkOpenScratchFile(path: string): string | null {
  try {
    unlinkSync(path);
    return null;
  } catch {
    return path;
  }
}

/**
 * Removes the scratch files in `dir` whose names match `name` (its first group: the pid) and
 * whose process is gone. Files of live processes, and names that are not ours, are left.
 */
export function removeStaleScratchFiles(dir: string, name: RegExp): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const entry of names) {
    const pid = scratchFilePid(entry, name);
    if (pid === null || pid === process.pid || isProcessAlive(pid)) {
      continue;
    }
    try {
      rmSync(join(dir, entry), { force: true });
    } catch {
      // In use or not ours to remove: leave it.
    }
  }
}

/** The pid in a scratch file's name (the first group of `name`), or null when it is not one. */
export function scratchFilePid(entry: string, name: RegExp): number | null {
  const match = name.exec(entry);
  return match === null ? null : Number(match[1]);
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return fsErrorCode(e) === 'EPERM';
  }
}
