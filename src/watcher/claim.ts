import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { basename } from 'node:path';
import { AppError, coerceError, fsErrorCode, isAppError } from '../errors.js';
import { SYSTEM_CLOCK, type Clock } from '../util/clock.js';
import { NODE_FS_PORT, type FsPort } from '../util/fs-port.js';
import { moveFileExclusive } from '../util/move-file.js';
import { fileTimestamp, safeBaseName } from '../util/safe-file-name.js';
import type { StableFile } from './stable-file.js';
import { sameSnapshot, snapshotOf } from './stability.js';

/**
 * Claim, then read. A stable file is renamed into `processing/` before anyone reads it, so the
 * ERP can drop its next `customers.txt` at once, and a second instance watching the same share
 * finds nothing to take (its rename fails with ENOENT). The claimed name is unique and starts
 * with a timestamp, and keeps the original name recoverable after a crash.
 */

/** A file in processing/, owned by the run that claimed it. */
export interface ClaimedFile {
  /** Absolute path in the processing folder. */
  readonly path: string;
  /** Name in the processing folder: `<timestamp>-<random>-<safe original name>`. */
  readonly name: string;
  /** Name as the ERP dropped it (for runs, reports and the archive name). */
  readonly originalName: string;
  /** Where it was dropped. */
  readonly originalPath: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ino: number;
  readonly dev: number;
  /** ISO instant of the claim. */
  readonly claimedAt: string;
  /** Marker mode: the marker to remove after the run; otherwise null. */
  readonly markerPath: string | null;
  /** True when processing/ is on another file system and the file was copied. */
  readonly crossDevice: boolean;
}

/**
 * Why a claim did not happen. All three leave the dropped file where it was (or gone); the
 * caller's answer is the same: `watcher.release(path)` (with a back-off for `busy`).
 * - `busy`: EBUSY/EPERM/EACCES: someone holds the file (retryable, 'not ready').
 * - `changed`: the file differs from what passed the gate (it is being written again).
 * - `vanished`: the file is gone; most likely another instance claimed it.
 */
export const CLAIM_FAILURES = ['busy', 'changed', 'vanished'] as const;
export type ClaimFailure = (typeof CLAIM_FAILURES)[number];

/** A claim that did not happen. Code FILE_BUSY (transient: the file stays in the exchange folder). */
export class ClaimError extends AppError {
  readonly reason: ClaimFailure;

  constructor(
    reason: ClaimFailure,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super('FILE_BUSY', message, {
      ...options,
      retryable: reason !== 'vanished',
    });
    this.name = 'ClaimError';
    this.reason = reason;
  }
}

const CLAIMED_NAME = /^(\d{8}T\d{6}Z)-([0-9a-f]{8})-(.+)$/u;

/** The processing/ name for a claim: `20261121T134501Z-1a2b3c4d-customers.txt`. */
export function claimedName(
  originalName: string,
  nowMs: number,
  random: string = randomBytes(4).toString('hex'),
): string {
  return `${fileTimestamp(nowMs)}-${random}-${safeBaseName(originalName)}`;
}

/** Reads a processing/ name back (crash recovery); null for names we did not make. */
export function parseClaimedName(
  name: string,
): { claimedAt: string; originalName: string } | null {
  const match = CLAIMED_NAME.exec(name);
  if (match === null) {
    return null;
  }
  const [, stamp = '', , originalName = ''] = match;
  const iso = `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}Z`;
  return { claimedAt: iso, originalName };
}

/**
 * Moves a stable file into `processingDir` under a unique name, after checking it is still the
 * file that passed the gate. Never overwrites; works across file systems. Throws
 * {@link ClaimError} when the claim did not happen, AppError ARCHIVE_FAILED when processing/
 * itself is the problem (no free name, failed copy).
 */
export async function claimFile(
  file: StableFile,
  processingDir: string,
  fs: FsPort = NODE_FS_PORT,
  clock: Clock = SYSTEM_CLOCK,
): Promise<ClaimedFile> {
  const details = { file: file.name };
  const current = await lstatForClaim(fs, file.path, file.name);
  if (
    !current.isFile() ||
    !sameSnapshot(snapshotOf(current), snapshotOf(file))
  ) {
    throw new ClaimError(
      'changed',
      `File '${file.name}' changed after it was seen stable; it will be watched again`,
      { details },
    );
  }
  const nowMs = clock.now();
  try {
    await fs.mkdir(processingDir, { recursive: true });
    const moved = await moveFileExclusive(file.path, processingDir, {
      fs,
      candidateName: () => claimedName(file.name, nowMs),
    });
    const claimed: ClaimedFile = Object.freeze({
      path: moved.path,
      name: moved.name,
      originalName: file.name,
      originalPath: file.path,
      size: file.size,
      mtimeMs: file.mtimeMs,
      ino: file.ino,
      dev: file.dev,
      claimedAt: new Date(nowMs).toISOString(),
      markerPath: file.markerPath,
      crossDevice: moved.crossDevice,
    });
    await verifyClaimed(fs, claimed);
    return claimed;
  } catch (e) {
    throw toClaimError(e, file.name);
  }
}

async function lstatForClaim(
  fs: FsPort,
  path: string,
  name: string,
): Promise<Stats> {
  try {
    return await fs.lstat(path);
  } catch (e) {
    throw toClaimError(e, name);
  }
}

/**
 * Between the last look and the rename the writer may have struck again (it can even keep
 * writing through an open handle after the rename). Such a file is not ours to read yet: put it
 * back under its dropped name (only if that name is still free) and report it as changed.
 */
async function verifyClaimed(fs: FsPort, claimed: ClaimedFile): Promise<void> {
  const now = await fs.lstat(claimed.path);
  const same = claimed.crossDevice
    ? now.size === claimed.size
    : sameSnapshot(snapshotOf(now), snapshotOf(claimed));
  if (same) {
    return;
  }
  let putBack = false;
  try {
    await fs.link(claimed.path, claimed.originalPath);
    await fs.unlink(claimed.path);
    putBack = true;
  } catch {
    // The name was taken by a new drop (or links are not supported): keep the file in processing/,
    // where start-up recovery finds it; nothing is lost or overwritten.
  }
  throw new ClaimError(
    'changed',
    `File '${claimed.originalName}' changed while it was being claimed; it will be watched again`,
    {
      details: {
        file: claimed.originalName,
        ...(putBack ? {} : { leftInProcessing: basename(claimed.path) }),
      },
    },
  );
}

function toClaimError(e: unknown, name: string): AppError {
  if (isAppError(e)) {
    return e;
  }
  const err = coerceError(e);
  const code = fsErrorCode(err);
  if (code === 'ENOENT') {
    return new ClaimError(
      'vanished',
      `File '${name}' is gone before it could be claimed (another instance may have taken it)`,
      {
        cause: err,
        details: { file: name, code },
      },
    );
  }
  // EBUSY/EPERM/EACCES above all, but any other fs error too: the file stays where it is and is
  // tried again later, which is always safe; a crash or a move to failed/ would not be.
  return new ClaimError(
    'busy',
    `File '${name}' cannot be claimed yet (${code ?? err.message}); it will be tried again`,
    {
      cause: err,
      details: { file: name, code: code ?? 'UNKNOWN' },
    },
  );
}
