import type { RetryConfig } from '../config/app-config.js';
import { coerceError, fsErrorCode } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import type { Notifier } from '../notify/notifier.js';
import type { Clock } from '../util/clock.js';
import { NODE_FS_PORT } from '../util/fs-port.js';
import { ClaimError, claimFile, type ClaimedFile } from '../watcher/claim.js';
import type { StableFile } from '../watcher/exchange-watcher.js';
import { ClaimRetries } from './claim-retries.js';
import type { FileStateRecorder } from './file-state-recorder.js';
import { notClaimedOutcome } from './finish-file.js';
import type { JobRuntime } from './job-runtime.js';

export interface ClaimStageDeps {
  retry: RetryConfig;
  states: FileStateRecorder;
  notifier: Notifier;
  clock: Clock;
  instance: string;
  /** `watch --once`: a file still locked after all retries is left alone instead of watched forever. */
  once: boolean;
}

/**
 * Claim, then read: a stable file is renamed into processing/ before anyone reads it. This stage
 * does the claim and everything around it — the marker, the drop path handed back to the
 * watcher, and the back-off for a file someone still holds. The service queues what it returns.
 */
export class ClaimStage {
  readonly #deps: ClaimStageDeps;
  readonly #retries: ClaimRetries;

  constructor(deps: ClaimStageDeps) {
    this.#deps = deps;
    this.#retries = new ClaimRetries(deps.retry);
  }

  /** The claimed file, or null when there is nothing to import now (changed, gone, locked). */
  async claim(
    runtime: JobRuntime,
    file: StableFile,
    log: Logger,
  ): Promise<ClaimedFile | null> {
    const watcher = runtime.watcher;
    try {
      const claimed = await claimFile(
        file,
        runtime.processingDir,
        NODE_FS_PORT,
        this.#deps.clock,
      );
      this.#retries.forget(file.path);
      // The marker belongs to the file just claimed: remove it now, not after the run, or it
      // could be the marker the ERP already wrote for its next drop (which would then wait forever).
      await removeMarker(claimed, log);
      // The drop path is free again: the ERP's next export there is a new file.
      watcher?.release(file.path);
      await this.#deps.states.saveClaimed(
        runtime,
        claimed,
        'claimed',
        null,
        null,
      );
      return claimed;
    } catch (e) {
      if (!(e instanceof ClaimError)) {
        log.error('Could not claim the file; it stays in the exchange folder', {
          event: 'file.not-ready',
          error: coerceError(e),
        });
        watcher?.release(file.path, {
          retryInMs: this.#deps.retry.maxIntervalMs,
        });
        return null;
      }
      switch (e.reason) {
        case 'busy':
          await this.#busy(runtime, file, e, log);
          return null;
        case 'changed':
          log.debug(
            'File changed after it was seen stable; watching it again',
            { event: 'file.waiting' },
          );
          this.#retries.forget(file.path);
          watcher?.release(file.path);
          return null;
        case 'vanished':
          log.debug('File vanished before it could be claimed', {
            event: 'file.vanished',
          });
          this.#retries.forget(file.path);
          watcher?.release(file.path);
          return null;
        default: {
          const never: never = e.reason;
          return never;
        }
      }
    }
  }

  /**
   * A stable file we may not rename yet (locked): look again after a growing back-off. Once the
   * retries are used up a human must act: say so once (error line, notification), then keep
   * looking at the longest interval, since a locked file cannot be moved to failed/ either.
   */
  async #busy(
    runtime: JobRuntime,
    file: StableFile,
    error: ClaimError,
    log: Logger,
  ): Promise<void> {
    const decision = this.#retries.next(file.path);
    const code =
      typeof error.details?.['code'] === 'string'
        ? error.details['code']
        : error.code;
    const meta = {
      event: 'file.not-ready' as const,
      code,
      attempt: decision.attempt,
      retryInMs: decision.retryInMs,
    };
    if (decision.gaveUpNow) {
      log.error(
        'File is still locked after all retries; someone must release it. Looking again at the longest interval',
        meta,
      );
    } else if (decision.exhausted) {
      log.debug('File is still locked; will look again', meta);
    } else {
      log.warn('File is not ready (locked); will look again', meta);
    }
    if (decision.gaveUpNow && this.#deps.once) {
      // --once: reported below; the file stays in flight (not looked at again) so the run can end.
      log.error(
        'File is still locked after all retries; it is left in the exchange folder',
        meta,
      );
    } else {
      runtime.watcher?.release(file.path, { retryInMs: decision.retryInMs });
    }
    await this.#deps.states.saveDrop(
      runtime,
      file,
      'not-ready',
      `locked: ${code}`,
    );
    if (decision.gaveUpNow) {
      await this.#deps.notifier.notifyRun({
        job: runtime.job.name,
        instance: this.#deps.instance,
        file: file.name,
        outcome: notClaimedOutcome(runtime, file, error, this.#deps.clock),
        gaveUp: true,
      });
    }
  }
}

async function removeMarker(claimed: ClaimedFile, log: Logger): Promise<void> {
  if (claimed.markerPath === null) {
    return;
  }
  try {
    await NODE_FS_PORT.unlink(claimed.markerPath);
  } catch (e) {
    if (fsErrorCode(e) !== 'ENOENT') {
      log.warn('Could not remove the marker file', {
        event: 'file.claimed',
        error: coerceError(e),
      });
    }
  }
}
