import { lstat } from 'node:fs/promises';
import { AppError, ErrorCode, coerceError, fsErrorCode } from '../errors.js';
import { sha256File } from '../util/hash.js';

/**
 * What the pipeline checks of a file before it reads a row: that it is a regular file, not
 * empty and not over `maxFileBytes`, and its sha256 (the run's identity). Every failure is an
 * AppError naming the file: busy or locked files are retryable (FILE_BUSY), the rest reject it.
 */

/** The size of a regular file; else (missing, a folder, a link, unreadable) the AppError why. */
export async function regularFileSize(
  path: string,
  displayName: string,
): Promise<number> {
  let stats;
  try {
    stats = await lstat(path);
  } catch (e) {
    throw fileError(e, displayName);
  }
  if (!stats.isFile()) {
    throw new AppError(
      ErrorCode.FILE_UNREADABLE,
      `'${displayName}' is not a regular file (directory, link or device); it was not read.`,
    );
  }
  return stats.size;
}

/** Throws the AppError for a file of this size that is not imported: empty, or too large. */
export function checkImportableSize(
  sizeBytes: number,
  displayName: string,
  maxFileBytes: number,
): void {
  if (sizeBytes === 0) {
    throw new AppError(
      ErrorCode.FILE_EMPTY,
      `'${displayName}' is empty (0 bytes).`,
    );
  }
  if (sizeBytes > maxFileBytes) {
    throw new AppError(
      ErrorCode.FILE_TOO_LARGE,
      `'${displayName}' is ${sizeBytes} bytes, more than the configured maximum of ${maxFileBytes} bytes (maxFileBytes).`,
    );
  }
}

/** The file's sha256 (hex); a read failure as the AppError `fileError` gives. */
export async function fileSha256(
  path: string,
  displayName: string,
): Promise<string> {
  try {
    return await sha256File(path);
  } catch (e) {
    throw fileError(e, displayName);
  }
}

/** Sorts an fs error by its code: busy/locked files are retried later, the rest are rejected. */
export function fileError(e: unknown, displayName: string): AppError {
  const code = fsErrorCode(e);
  switch (code) {
    case 'ENOENT':
      return new AppError(
        ErrorCode.FILE_UNREADABLE,
        `File '${displayName}' does not exist.`,
        { cause: e },
      );
    case 'EISDIR':
      return new AppError(
        ErrorCode.FILE_UNREADABLE,
        `'${displayName}' is a directory, not a file.`,
        { cause: e },
      );
    case 'EBUSY':
    case 'EPERM':
    case 'EACCES':
    case 'EAGAIN':
      return new AppError(
        ErrorCode.FILE_BUSY,
        `'${displayName}' cannot be read yet (${code}); it may be locked or still being written.`,
        {
          cause: e,
        },
      );
    default:
      return new AppError(
        ErrorCode.FILE_UNREADABLE,
        `'${displayName}' cannot be read: ${coerceError(e).message}`,
        { cause: e },
      );
  }
}
