import type { Stats } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { WatchJob } from '../config/app-config.js';
import { coerceError, fsErrorCode } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import { moveToArchive } from '../pipeline/archive.js';
import type { CustomerStore } from '../store/customer-store.js';
import type { Clock } from '../util/clock.js';
import { NODE_FS_PORT, type FsPort } from '../util/fs-port.js';
import { isPartialName } from '../util/move-file.js';
import { sha256File } from '../util/hash.js';
import { parseClaimedName, type ClaimedFile } from '../watcher/claim.js';
import { createNameFilter } from '../watcher/name-filter.js';

/**
 * Start-up recovery. A file in processing/ means a process claimed it and then stopped
 * (crash, kill -9, shutdown while queued). If the file's content was committed by a run of the
 * same file, only the move to archive/ is missing: do it now. Otherwise the run never committed
 * (a crash rolls it back), so the file is imported again, exactly once (a copy of a file another
 * run imported is then recorded as its duplicate).
 */
export async function recoverClaimedFiles(
  runtime: { job: WatchJob; processingDir: string; archiveDir: string },
  deps: { store: CustomerStore; logger: Logger; clock: Clock },
  /** Only these processing/ names (the claims this instance just took over); default: all. */
  only?: ReadonlySet<string>,
): Promise<ClaimedFile[]> {
  const { job, processingDir } = runtime;
  let names: string[];
  try {
    names = (await readdir(processingDir)).sort();
  } catch (e) {
    if (fsErrorCode(e) === 'ENOENT') {
      return [];
    }
    throw e;
  }
  const filter = createNameFilter({ patterns: [job.pattern].flat() });
  const toImport: ClaimedFile[] = [];
  for (const name of names) {
    if (only !== undefined && !only.has(name)) {
      continue;
    }
    const parsed = parseClaimedName(name);
    // Several jobs may share one processing/ folder: each takes back the names its pattern matches.
    if (!parsed || filter.classify(parsed.originalName) !== 'data') {
      continue;
    }
    const path = join(processingDir, name);
    const log = deps.logger.child({ job: job.name, file: parsed.originalName });
    try {
      const stats = await NODE_FS_PORT.lstat(path);
      if (!stats.isFile()) {
        continue;
      }
      const claimed: ClaimedFile = {
        path,
        name,
        originalName: parsed.originalName,
        originalPath: join(job.folder, parsed.originalName),
        size: stats.size,
        mtimeMs: stats.mtimeMs,
        ino: stats.ino,
        dev: stats.dev,
        claimedAt: parsed.claimedAt,
        markerPath: null,
        crossDevice: false,
      };
      const sha256 = stats.size > 0 ? await sha256File(path) : null;
      const committed =
        sha256 === null ? null : await deps.store.findSucceededRunBySha(sha256);
      // This file's own run committed: only its move is missing. A run of another file with
      // the same content (a copy the ERP dropped again) is no such case: the copy is imported,
      // which records it as a duplicate of that run, as for any copy.
      if (committed && committed.file === parsed.originalName) {
        const archived = await moveToArchive(claimed, runtime.archiveDir, {
          clock: deps.clock,
        });
        log.info('File left in processing/ had been imported; archived it', {
          event: 'file.recovered',
          runId: committed.id,
          archivedAs: archived.name,
        });
        continue;
      }
      log.info('File left in processing/ was not imported yet; importing it', {
        event: 'file.recovered',
        claimedAs: name,
      });
      toImport.push(claimed);
    } catch (e) {
      log.error('Could not recover a file in processing/; it stays there', {
        event: 'internal.error',
        error: coerceError(e),
      });
    }
  }
  return toImport;
}

/**
 * Whether a claim in processing/ is the empty reservation of a claim that never finished. A
 * claim first reserves its processing/ name with an empty file, then renames the dropped file
 * over it (util/move-file.ts); a process killed between the two leaves the reservation behind,
 * while the dropped file was never moved and is watched, claimed and imported as usual (by this
 * or another instance). Recovering the reservation would "import" it into failed/ as an empty
 * file: a failure report, and mail, for a file that was imported.
 *
 * It is told from an empty file that really was dropped and claimed by its times: a renamed file
 * keeps the mtime it was dropped with, which is before its claim (it had to be stable first),
 * while a reservation was written at the claim (the second in its name) or later. An empty
 * claim whose dropped name is in the folder again counts as a reservation too. Only empty files
 * ever count, so removing them loses no data.
 */
export async function isUnfinishedClaim(
  fs: FsPort,
  path: string,
  claim: { originalName: string; claimedAt: string },
  folder: string,
): Promise<boolean> {
  let stats: Stats;
  try {
    stats = await fs.lstat(path);
  } catch (e) {
    if (fsErrorCode(e) === 'ENOENT') {
      return false;
    }
    throw e;
  }
  if (!stats.isFile() || stats.size > 0) {
    return false;
  }
  if (stats.mtimeMs >= Date.parse(claim.claimedAt)) {
    return true;
  }
  try {
    return (await fs.lstat(join(folder, claim.originalName))).isFile();
  } catch (e) {
    if (fsErrorCode(e) === 'ENOENT') {
      return false;
    }
    throw e;
  }
}

/**
 * Removes the hidden partial copies (`.<name>.partial`, util/move-file.ts) that a process killed
 * while moving a file across file systems left in these folders. A partial copy is renamed into
 * place only once it is complete, and its source is unlinked only after that, so the file it
 * copied is still where it was: removing the partial loses nothing. One not written for
 * `staleMs` (the job's claim timeout) is nobody's copy any more: a copy in progress writes it
 * continuously, and one that stalls that long fails at its rename and leaves its source alone.
 */
export async function removeStalePartials(
  fs: FsPort,
  dirs: readonly string[],
  staleMs: number,
  nowMs: number,
  logger: Logger,
): Promise<void> {
  for (const dir of dirs) {
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch (e) {
      if (fsErrorCode(e) === 'ENOENT') {
        continue;
      }
      throw e;
    }
    for (const name of names.filter(isPartialName).sort()) {
      const path = join(dir, name);
      try {
        const stats = await fs.lstat(path);
        if (!stats.isFile() || nowMs - stats.mtimeMs < staleMs) {
          continue;
        }
        await fs.unlink(path);
        logger.info('Removed the partial copy of a move that never finished', {
          event: 'file.recovered',
          reason: 'stale-partial',
          folder: dir,
          removed: name,
          bytes: stats.size,
        });
      } catch (e) {
        if (fsErrorCode(e) === 'ENOENT') {
          continue;
        }
        logger.warn('Could not remove a stale partial copy; it stays', {
          event: 'file.recovered',
          folder: dir,
          removed: name,
          error: coerceError(e),
        });
      }
    }
  }
}
