import { AppError, coerceError, fsErrorCode, isAppError } from '../errors.js';
import { SYSTEM_CLOCK, type Clock } from '../util/clock.js';
import { NODE_FS_PORT, type FsPort } from '../util/fs-port.js';
import { moveFileExclusive } from '../util/move-file.js';
import {
  fileTimestamp,
  safeBaseName,
  splitExtension,
} from '../util/safe-file-name.js';

/**
 * The last step of a run: the claimed file leaves processing/ for archive/ (the run committed)
 * or failed/ (it was rejected, with its reports next to it). A dropped file is never deleted or
 * overwritten: names are timestamped, a taken name gets `-2`, `-3` …, and every name is
 * reserved with exclusive create, so two instances cannot pick the same one. Moves work across
 * file systems (copy, fsync, compare, then unlink).
 */

/** What archiving needs to know about a claimed file (watcher's ClaimedFile fits). */
export interface ArchivableFile {
  /** Where the file is now (processing/). */
  readonly path: string;
  /** Name as the ERP dropped it; the archive name is built from it. */
  readonly originalName: string;
}

export interface ArchiveOptions {
  fs?: FsPort | undefined;
  clock?: Clock | undefined;
}

export interface ArchivedFile {
  /** Absolute path of the file in archive/ or failed/. */
  path: string;
  name: string;
  crossDevice: boolean;
}

export interface FailureReports {
  /**
   * Every skipped row, as CSV text or as pieces of it (written one after the other, so a large
   * report is never one string); null when there are no row issues (then no .errors.csv is written).
   */
  errorsCsv: string | Iterable<string> | null;
  /** Why the run failed, for people. */
  errorText: string;
}

export interface FailedFile extends ArchivedFile {
  errorsCsvPath: string | null;
  errorTextPath: string;
}

export const ERRORS_CSV_SUFFIX = '.errors.csv';
export const ERROR_TEXT_SUFFIX = '.error.txt';

/**
 * `customers.txt` at 2026-11-21 13:45:01 UTC → `customers.20261121T134501Z.txt`, then
 * `customers.20261121T134501Z-2.txt` … for attempt 2, 3 …; the original name is sanitised first.
 */
export function archiveName(
  originalName: string,
  epochMs: number,
  attempt = 1,
): string {
  const { stem, ext } = splitExtension(safeBaseName(originalName));
  const counter = attempt > 1 ? `-${attempt}` : '';
  return `${stem}.${fileTimestamp(epochMs)}${counter}${ext}`;
}

/** Moves a claimed file into `archiveDir` under a timestamped, never-colliding name. */
export async function moveToArchive(
  file: ArchivableFile,
  archiveDir: string,
  options: ArchiveOptions = {},
): Promise<ArchivedFile> {
  const fs = options.fs ?? NODE_FS_PORT;
  const nowMs = (options.clock ?? SYSTEM_CLOCK).now();
  try {
    await fs.mkdir(archiveDir, { recursive: true });
    const moved = await moveFileExclusive(file.path, archiveDir, {
      fs,
      candidateName: (attempt) =>
        archiveName(file.originalName, nowMs, attempt),
    });
    return {
      path: moved.path,
      name: moved.name,
      crossDevice: moved.crossDevice,
    };
  } catch (e) {
    throw archiveError(e, file, archiveDir);
  }
}

/**
 * Moves a claimed file into `failedDir` with `<final name>.error.txt` and (when there are row
 * issues) `<final name>.errors.csv` next to it. The reports are written and fsync-ed *before*
 * the file moves, so a failed/ file never lacks its explanation; if anything fails, the reports
 * are removed again and the file stays in processing/.
 */
export async function moveToFailed(
  file: ArchivableFile,
  failedDir: string,
  reports: FailureReports,
  options: ArchiveOptions = {},
): Promise<FailedFile> {
  const fs = options.fs ?? NODE_FS_PORT;
  const nowMs = (options.clock ?? SYSTEM_CLOCK).now();
  const suffixes =
    reports.errorsCsv === null
      ? [ERROR_TEXT_SUFFIX]
      : [ERROR_TEXT_SUFFIX, ERRORS_CSV_SUFFIX];
  try {
    await fs.mkdir(failedDir, { recursive: true });
    const moved = await moveFileExclusive(file.path, failedDir, {
      fs,
      candidateName: (attempt) =>
        archiveName(file.originalName, nowMs, attempt),
      companionSuffixes: suffixes,
      beforeMove: async ([textPath, csvPath]) => {
        // The companions are our own empty placeholders, made with exclusive create just now.
        if (textPath !== undefined) {
          await writeInto(fs, textPath, reports.errorText);
        }
        if (csvPath !== undefined && reports.errorsCsv !== null) {
          await writeInto(fs, csvPath, reports.errorsCsv);
        }
      },
    });
    const [errorTextPath = '', errorsCsvPath = null] = moved.companions;
    return {
      path: moved.path,
      name: moved.name,
      crossDevice: moved.crossDevice,
      errorTextPath,
      errorsCsvPath,
    };
  } catch (e) {
    throw archiveError(e, file, failedDir);
  }
}

async function writeInto(
  fs: FsPort,
  path: string,
  text: string | Iterable<string>,
): Promise<void> {
  const handle = await fs.open(path, 'r+');
  try {
    for (const piece of typeof text === 'string' ? [text] : text) {
      await handle.writeFile(piece, 'utf8');
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function archiveError(
  e: unknown,
  file: ArchivableFile,
  folder: string,
): AppError {
  if (isAppError(e)) {
    return e;
  }
  const err = coerceError(e);
  const code = fsErrorCode(err);
  const gone = code === 'ENOENT';
  return new AppError(
    'ARCHIVE_FAILED',
    gone
      ? `Cannot move '${file.originalName}' to '${folder}': the claimed file '${file.path}' is gone`
      : `Cannot move '${file.originalName}' to '${folder}' (${code ?? err.message}); it stays in processing/ and will be tried again`,
    // A missing source will not come back by waiting; anything else (busy share, full disk) might.
    {
      cause: err,
      retryable: !gone,
      details: { file: file.originalName, folder, code: code ?? 'UNKNOWN' },
    },
  );
}
