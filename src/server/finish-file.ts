import { ErrorCode, coerceError, type AppError } from '../errors.js';
import { emptyCounts, type FileOutcome } from '../domain/file-outcome.js';
import type { Logger } from '../logging/logger.js';
import { moveToArchive, moveToFailed } from '../pipeline/archive.js';
import {
  errorsCsvPieces,
  formatOutcomeText,
  writeErrorsCsv,
} from '../pipeline/error-report.js';
import type { Clock } from '../util/clock.js';
import type { ClaimedFile } from '../watcher/claim.js';
import type { StableFile } from '../watcher/exchange-watcher.js';
import type { FileStateRecorder } from './file-state-recorder.js';
import type { JobRuntime } from './job-runtime.js';

/**
 * The end of a run for the claimed file: to archive/ when its run committed (imported, partial,
 * or duplicate content), with `.errors.csv` beside it when rows were skipped; to failed/ with
 * `.error.txt` and `.errors.csv` otherwise. A move that fails leaves the file in processing/,
 * where the next start (or a takeover) finishes it; it never throws.
 */
export async function finishFile(
  runtime: JobRuntime,
  claimed: ClaimedFile,
  outcome: FileOutcome,
  deps: {
    states: FileStateRecorder;
    logger: Logger;
    clock: Clock;
    instance: string;
    gaveUpAfter: number | null;
  },
): Promise<void> {
  const { states, logger: log, clock } = deps;
  const committed =
    outcome.status === 'imported' ||
    outcome.status === 'partial' ||
    outcome.status === 'duplicate';
  const state = committed
    ? outcome.status === 'duplicate'
      ? 'duplicate'
      : 'imported'
    : 'failed';
  await states.saveClaimed(
    runtime,
    claimed,
    state,
    outcome.runId,
    outcome.error?.message ?? null,
  );
  try {
    if (committed) {
      const archived = await moveToArchive(claimed, runtime.archiveDir, {
        clock,
      });
      if (outcome.issues.length > 0) {
        await writeErrorsCsv(
          `${archived.path}.errors.csv`,
          outcome.issues,
          'wx',
        ).catch((e: unknown) =>
          log.warn(
            'Could not write the errors report next to the archived file',
            { event: 'file.archived', error: coerceError(e) },
          ),
        );
      }
      log.info('File archived', {
        event: 'file.archived',
        folder: 'archive',
        archivedAs: archived.name,
        runId: outcome.runId,
      });
      // A duplicate is reported, never skipped silently: the state says which run had it.
      const duplicateNote =
        outcome.status === 'duplicate'
          ? ` (duplicate: already imported in run ${outcome.duplicateOfRunId ?? '?'})`
          : '';
      await states.saveClaimed(
        runtime,
        claimed,
        'archived',
        outcome.runId,
        `archive/${archived.name}${duplicateNote}`,
      );
      return;
    }
    const text = formatOutcomeText(outcome, {
      job: runtime.job.name,
      instance: deps.instance,
    });
    const failed = await moveToFailed(
      claimed,
      runtime.failedDir,
      {
        errorsCsv: errorsCsvPieces(outcome.issues),
        errorText:
          deps.gaveUpAfter === null
            ? text
            : `Gave up after ${deps.gaveUpAfter} retries.\n\n${text}`,
      },
      { clock },
    );
    log.info('File moved to failed/', {
      event: 'file.archived',
      folder: 'failed',
      movedAs: failed.name,
      runId: outcome.runId,
      code: outcome.error?.code,
    });
    await states.saveClaimed(
      runtime,
      claimed,
      'failed',
      outcome.runId,
      `failed/${failed.name}`,
    );
  } catch (e) {
    // The file stays in processing/; the next start finishes it (archived if its run committed).
    log.error('Could not move the file out of processing/', {
      event: 'internal.error',
      code: ErrorCode.ARCHIVE_FAILED,
      error: coerceError(e),
    });
  }
}

/** The outcome of a drop that was never read (it could not be claimed), for notifiers. */
export function notClaimedOutcome(
  runtime: JobRuntime,
  file: StableFile,
  error: AppError,
  clock: Clock,
): FileOutcome {
  const now = new Date(clock.now()).toISOString();
  return {
    status: 'deferred',
    runId: null,
    file: file.name,
    format: runtime.job.format,
    mode: runtime.job.mode,
    sha256: null,
    sizeBytes: file.size,
    dryRun: false,
    counts: emptyCounts(),
    issues: [],
    notices: [],
    error,
    duplicateOfRunId: null,
    changes: [],
    changesOmitted: 0,
    startedAt: now,
    finishedAt: now,
    durationMs: 0,
  };
}
