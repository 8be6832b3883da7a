import { writeFile } from 'node:fs/promises';
import type { AppConfig, WatchJob } from '../config/app-config.js';
import { AppError, ErrorCode, coerceError, fsErrorCode } from '../errors.js';
import { emptyCounts, type FileOutcome } from '../domain/file-outcome.js';
import type { FormatSet } from '../formats/load-formats.js';
import type { Logger } from '../logging/logger.js';
import type { Notifier } from '../notify/notifier.js';
import { moveToArchive, moveToFailed } from '../pipeline/archive.js';
import { formatErrorsCsv, formatOutcomeText } from '../pipeline/error-report.js';
import { parserFactory } from '../pipeline/parser-factory.js';
import { processFile } from '../pipeline/process-file.js';
import { importOptionsFor } from '../pipeline/import-options.js';
import type { CustomerStore, FileState } from '../store/customer-store.js';
import { SYSTEM_CLOCK, type Clock } from '../util/clock.js';
import { NODE_FS_PORT } from '../util/fs-port.js';
import { ClaimError, claimFile, type ClaimedFile } from '../watcher/claim.js';
import { createExchangeWatcher, type ExchangeWatcher, type StableFile } from '../watcher/exchange-watcher.js';
import { backoffMs } from './backoff.js';
import { ClaimRetries } from './claim-retries.js';
import { createClaimTakeover, type ClaimTakeover } from './claim-takeover.js';
import { Releasers } from './releasers.js';

/**
 * The service: every watch job's watcher feeds one queue, and one worker imports the queued
 * files one at a time (one run at a time per store), in arrival order.
 *
 *   stable file ─▶ claim (rename into processing/) ─▶ queue ─▶ processFile ─▶ archive/ or failed/ ─▶ notify
 *
 * A file is claimed as soon as it is stable, so the ERP can drop its next export while this one
 * waits or imports. Files left in processing/ by a crash are finished at start-up.
 */

export interface ServiceOptions {
  /**
   * Import what is in the folders now, then report idle (`watch --once`): a file that stays
   * locked after all retries is reported and then left alone instead of being watched forever.
   */
  once?: boolean;
  /** How often whenIdle() re-checks, in ms (files can vanish without telling anyone). Default 200. */
  idleCheckMs?: number;
}

export interface ServiceDeps {
  store: CustomerStore;
  formats: FormatSet;
  logger: Logger;
  notifier: Notifier;
  clock?: Clock;
}

export interface Service {
  /** Starts every job's watcher; resolves once files already in the folders are being tracked. */
  start(): Promise<void>;
  /**
   * Stops taking new files, lets the run in progress finish (or, after `graceMs`, rolls it back
   * so the file stays claimed for the next start), and releases everything. Safe to call twice.
   */
  stop(graceMs?: number): Promise<void>;
  /** Resolves when nothing is queued or running and no watcher is waiting for a file to settle. */
  whenIdle(): Promise<void>;
  /** Resolves after stop() finished. */
  readonly done: Promise<void>;
}

/** A job with its resolved format and its watcher. */
interface JobRuntime {
  job: WatchJob;
  /** Absolute processing/archive/failed folders (load-config resolved and defaulted them). */
  processingDir: string;
  archiveDir: string;
  failedDir: string;
  watcher: ExchangeWatcher | null;
}

interface QueueItem {
  runtime: JobRuntime;
  claimed: ClaimedFile;
  /** Runs tried so far that were deferred (busy file, store down). */
  attempts: number;
}

const DEFAULT_STOP_GRACE_MS = 60_000;

export function createService(config: AppConfig, deps: ServiceDeps, options: ServiceOptions = {}): Service {
  return new WatchService(config, deps, options);
}

class WatchService implements Service {
  readonly #config: AppConfig;
  readonly #deps: ServiceDeps;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #releasers = new Releasers();
  readonly #runtimes: JobRuntime[] = [];
  readonly #queue: QueueItem[] = [];
  /** Deferred items waiting for their back-off before going back into the queue. */
  readonly #retryTimers = new Set<NodeJS.Timeout>();
  readonly #claimRetries: ClaimRetries;
  /** Claims in progress (between stable and queued). */
  #claiming = 0;
  #running: Promise<void> | null = null;
  #abort = new AbortController();
  #stopping = false;
  #idleWaiters: (() => void)[] = [];
  #resolveDone!: () => void;
  readonly done: Promise<void>;
  readonly #parserFor;
  readonly #instance: string;
  /** Per job: the heartbeat on claims held, and the takeover of stale ones (claim-takeover.ts). */
  readonly #takeovers = new Map<JobRuntime, ClaimTakeover>();

  readonly #options: ServiceOptions;

  constructor(config: AppConfig, deps: ServiceDeps, options: ServiceOptions) {
    this.#options = options;
    this.#config = config;
    this.#deps = deps;
    this.#logger = deps.logger;
    this.#clock = deps.clock ?? SYSTEM_CLOCK;
    this.#parserFor = parserFactory(config);
    this.#claimRetries = new ClaimRetries(config.retry);
    this.#instance = config.instanceName ?? 'customer-import';
    this.done = new Promise((resolve) => (this.#resolveDone = resolve));
  }

  async start(): Promise<void> {
    if (this.#config.jobs.length === 0) {
      throw new AppError(ErrorCode.CONFIG_INVALID, 'The config has no watch jobs: add at least one under "jobs".');
    }
    for (const job of this.#config.jobs) {
      // A job whose format is unknown is a config error: fail before watching anything.
      this.#deps.formats.require(job.format);
      this.#runtimes.push({
        job,
        processingDir: job.processingDir ?? `${job.folder}/processing`,
        archiveDir: job.archiveDir ?? `${job.folder}/archive`,
        failedDir: job.failedDir ?? `${job.folder}/failed`,
        watcher: null,
      });
    }
    const aborted = await this.#deps.store.abortStaleRuns(this.#instance);
    if (aborted > 0) {
      this.#logger.warn('Runs left unfinished by an earlier process were marked aborted', {
        event: 'file.recovered',
        runs: aborted,
      });
    }
    for (const runtime of this.#runtimes) {
      await this.#recover(runtime);
    }
    for (const runtime of this.#runtimes) {
      const { job } = runtime;
      const watcher = createExchangeWatcher(
        {
          folder: job.folder,
          patterns: job.pattern,
          stabilityMs: Math.round(job.stabilitySeconds * 1000),
          polling: job.polling,
          pollIntervalMs: job.pollIntervalMs,
          marker: job.marker,
          ignoreDirs: [runtime.processingDir, runtime.archiveDir, runtime.failedDir],
          onStable: (file) => this.#onStable(runtime, file),
          onDetected: (file) => void this.#saveDropState(runtime, file, 'waiting', 'waiting for the stability window'),
        },
        { logger: this.#logger.child({ job: job.name }), clock: this.#clock },
      );
      this.#releasers.add(`watcher ${job.name}`, () => watcher.stop());
      runtime.watcher = watcher;
      await watcher.start();
      this.#logger.info('Watching the exchange folder', {
        event: 'job.watching',
        job: job.name,
        folder: job.folder,
        pattern: job.pattern,
        format: job.format,
        mode: job.mode,
        stabilitySeconds: job.stabilitySeconds,
        polling: job.polling,
        marker: job.marker.enabled,
      });
    }
    this.#logger.info('Service started', { event: 'service.started', jobs: this.#runtimes.length, instance: this.#instance });
  }

  async stop(graceMs = DEFAULT_STOP_GRACE_MS): Promise<void> {
    if (this.#stopping) {
      return this.done;
    }
    this.#stopping = true;
    this.#logger.info('Service stopping: no new files are taken', { event: 'service.stopping', queued: this.#queue.length });
    for (const timer of this.#retryTimers) {
      clearTimeout(timer);
    }
    this.#retryTimers.clear();
    let stopError: unknown = null;
    try {
      // Watchers first, so no new file is claimed; queued files stay in processing/ for the next start.
      await this.#releasers.releaseAll((name, error) =>
        this.#logger.error('Could not release a resource', { event: 'internal.error', resource: name, error }),
      );
    } catch (e) {
      stopError = e;
    }
    if (this.#running) {
      const timer = setTimeout(() => this.#abort.abort(), graceMs);
      timer.unref();
      await this.#running.catch(() => undefined);
      clearTimeout(timer);
    }
    this.#queue.length = 0;
    await this.#deps.notifier.close().catch(() => undefined);
    this.#logger.info('Service stopped', { event: 'service.stopped' });
    this.#notifyIdle();
    this.#resolveDone();
    if (stopError) {
      throw stopError;
    }
  }

  whenIdle(): Promise<void> {
    if (this.#isIdle()) {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      // Events wake waiters at once; the timer catches what nobody announces (a waiting file vanished).
      const timer = setInterval(() => this.#notifyIdle(), this.#options.idleCheckMs ?? 200);
      this.#idleWaiters.push(() => {
        clearInterval(timer);
        resolve();
      });
    });
  }

  #isIdle(): boolean {
    return (
      this.#stopping ||
      (this.#queue.length === 0 &&
        this.#running === null &&
        this.#claiming === 0 &&
        this.#retryTimers.size === 0 &&
        this.#runtimes.every((r) => (r.watcher?.pendingCount() ?? 0) === 0))
    );
  }

  #notifyIdle(): void {
    if (!this.#isIdle()) {
      return;
    }
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) {
      resolve();
    }
  }

  /** Files in processing/ from a crash: archived if their content was committed, imported otherwise. */
  async #recover(runtime: JobRuntime): Promise<void> {
    const enqueue = (files: readonly ClaimedFile[]): void => {
      for (const claimed of files) {
        if (!this.#stopping) {
          this.#enqueue({ runtime, claimed, attempts: 0 });
        }
      }
    };
    const takeover = createClaimTakeover(runtime, {
      store: this.#deps.store,
      logger: this.#logger,
      clock: this.#clock,
      instance: this.#instance,
      onTaken: enqueue,
    });
    this.#takeovers.set(runtime, takeover);
    this.#releasers.add(`claim takeover ${runtime.job.name}`, () => takeover.stop());
    enqueue(await takeover.start());
  }

  #onStable(runtime: JobRuntime, file: StableFile): void {
    if (this.#stopping) {
      return;
    }
    this.#claiming += 1;
    void this.#claim(runtime, file).finally(() => {
      this.#claiming -= 1;
      this.#notifyIdle();
    });
  }

  async #claim(runtime: JobRuntime, file: StableFile): Promise<void> {
    const watcher = runtime.watcher;
    const log = this.#logger.child({ job: runtime.job.name, file: file.name });
    try {
      const claimed = await claimFile(file, runtime.processingDir, NODE_FS_PORT, this.#clock);
      this.#claimRetries.forget(file.path);
      // The marker belongs to the file just claimed: remove it now, not after the run, or it
      // could be the marker the ERP already wrote for its next drop (which would then wait forever).
      await this.#removeMarker(claimed, log);
      // The drop path is free again: the ERP's next export there is a new file.
      watcher?.release(file.path);
      await this.#saveState(runtime, claimed, 'claimed', null, null);
      // Logged and queued in one step: once 'file.claimed' is out, the file is this service's to finish.
      log.info('File claimed', { event: 'file.claimed', claimedAs: claimed.name, size: claimed.size });
      this.#enqueue({ runtime, claimed, attempts: 0 });
      // The drop's own record ends here; the claimed file carries on under its processing/ name.
      await this.#saveDropState(runtime, file, 'claimed', `claimed as processing/${claimed.name}`);
    } catch (e) {
      if (e instanceof ClaimError) {
        switch (e.reason) {
          case 'busy':
            await this.#claimBusy(runtime, file, e, log);
            return;
          case 'changed':
            log.debug('File changed after it was seen stable; watching it again', { event: 'file.waiting' });
            this.#claimRetries.forget(file.path);
            watcher?.release(file.path);
            return;
          case 'vanished':
            log.debug('File vanished before it could be claimed', { event: 'file.vanished' });
            this.#claimRetries.forget(file.path);
            watcher?.release(file.path);
            return;
          default: {
            const never: never = e.reason;
            return never;
          }
        }
      }
      log.error('Could not claim the file; it stays in the exchange folder', { event: 'file.not-ready', error: coerceError(e) });
      watcher?.release(file.path, { retryInMs: this.#config.retry.maxIntervalMs });
    }
  }

  /**
   * A stable file we may not rename yet (locked): look again after a growing back-off. Once the
   * retries are used up a human must act: say so once (error line, notification), then keep
   * looking at the longest interval, since a locked file cannot be moved to failed/ either.
   */
  async #claimBusy(runtime: JobRuntime, file: StableFile, error: ClaimError, log: Logger): Promise<void> {
    const decision = this.#claimRetries.next(file.path);
    const code = typeof error.details?.['code'] === 'string' ? error.details['code'] : error.code;
    const meta = { event: 'file.not-ready' as const, code, attempt: decision.attempt, retryInMs: decision.retryInMs };
    if (decision.gaveUpNow) {
      log.error('File is still locked after all retries; someone must release it. Looking again at the longest interval', meta);
    } else if (decision.exhausted) {
      log.debug('File is still locked; will look again', meta);
    } else {
      log.warn('File is not ready (locked); will look again', meta);
    }
    if (decision.gaveUpNow && this.#options.once) {
      // --once: reported below; the file stays in flight (not looked at again) so the run can end.
      log.error('File is still locked after all retries; it is left in the exchange folder', meta);
    } else {
      runtime.watcher?.release(file.path, { retryInMs: decision.retryInMs });
    }
    await this.#saveDropState(runtime, file, 'not-ready', `locked: ${code}`);
    if (decision.gaveUpNow) {
      await this.#deps.notifier.notifyRun({
        job: runtime.job.name,
        instance: this.#instance,
        file: file.name,
        outcome: this.#notClaimedOutcome(runtime, file, error),
        gaveUp: true,
      });
    }
  }

  /** The outcome of a drop that was never read (it could not be claimed), for notifiers. */
  #notClaimedOutcome(runtime: JobRuntime, file: StableFile, error: ClaimError): FileOutcome {
    const now = new Date(this.#clock.now()).toISOString();
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
      startedAt: now,
      finishedAt: now,
      durationMs: 0,
    };
  }

  #enqueue(item: QueueItem): void {
    this.#takeovers.get(item.runtime)?.hold(item.claimed.name);
    // Arrival order is the order the ERP finished writing (mtime), not the order the files
    // happened to pass their stability windows: two drops a moment apart can settle the other
    // way round under load. Only waiting files are reordered; the running one is never touched.
    const position = this.#queue.findIndex((queued) => queued.claimed.mtimeMs > item.claimed.mtimeMs);
    const index = position === -1 ? this.#queue.length : position;
    this.#queue.splice(index, 0, item);
    this.#logger.info('File queued', {
      event: 'file.queued',
      job: item.runtime.job.name,
      file: item.claimed.originalName,
      position: index + 1,
      queued: this.#queue.length,
      running: this.#running !== null,
    });
    this.#pump();
  }

  /** Starts the worker if it is not running: one file at a time. */
  #pump(): void {
    if (this.#running || this.#stopping) {
      return;
    }
    const item = this.#queue.shift();
    if (!item) {
      this.#notifyIdle();
      return;
    }
    this.#running = this.#processItem(item)
      .catch((e: unknown) => {
        this.#logger.error('Unexpected error while handling a file; it stays in processing/', {
          event: 'internal.error',
          file: item.claimed.originalName,
          error: coerceError(e),
        });
      })
      .finally(() => {
        this.#running = null;
        this.#pump();
      });
  }

  async #processItem(item: QueueItem): Promise<void> {
    const { runtime, claimed } = item;
    const { job } = runtime;
    const log = this.#logger.child({ job: job.name, file: claimed.originalName });
    const format = this.#deps.formats.require(job.format).definition;
    const outcome = await processFile(
      {
        path: claimed.path,
        displayName: claimed.originalName,
        format,
        mode: job.mode,
        job: job.name,
        options: importOptionsFor(this.#config, job),
        ...(job.matchExisting === undefined ? {} : { matchExisting: job.matchExisting }),
      },
      {
        store: this.#deps.store,
        logger: log,
        parserFor: this.#parserFor,
        instance: this.#instance,
        batchSize: this.#config.batchSize,
        maxFileBytes: this.#config.maxFileBytes,
        defaultTimeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
        signal: this.#abort.signal,
        clock: this.#clock,
        // A few quick in-process tries; after them #defer re-queues the file with the same back-off.
        retry: this.#config.retry,
      },
    );
    if (outcome.status === 'deferred') {
      await this.#defer(item, outcome, log);
      return;
    }
    await this.#finish(runtime, claimed, outcome, log, false);
  }

  /** A run that could not happen now: try again after a back-off, or give up into failed/. */
  async #defer(item: QueueItem, outcome: FileOutcome, log: Logger): Promise<void> {
    const attempts = item.attempts + 1;
    if (this.#stopping) {
      log.info('Import interrupted by shutdown; the file stays claimed for the next start', { event: 'file.deferred' });
      return;
    }
    if (attempts > this.#config.retry.maxRetries) {
      log.error('File could not be imported after all retries', {
        event: 'file.deferred',
        attempt: attempts,
        code: outcome.error?.code,
      });
      await this.#finish(item.runtime, item.claimed, outcome, log, true);
      return;
    }
    const delayMs = backoffMs(this.#config.retry, attempts);
    log.warn('File could not be imported now; will retry', {
      event: 'file.deferred',
      attempt: attempts,
      retryInMs: delayMs,
      code: outcome.error?.code,
    });
    await this.#saveState(item.runtime, item.claimed, 'not-ready', outcome.runId, outcome.error?.message ?? null);
    await this.#deps.notifier.notifyRun({ job: item.runtime.job.name, instance: this.#instance, file: item.claimed.originalName, outcome });
    const timer = setTimeout(() => {
      this.#retryTimers.delete(timer);
      this.#enqueue({ ...item, attempts });
    }, delayMs);
    this.#retryTimers.add(timer);
  }

  /** The run is over: move the file, write reports, tell people. (The marker went at the claim.) */
  async #finish(runtime: JobRuntime, claimed: ClaimedFile, outcome: FileOutcome, log: Logger, gaveUp: boolean): Promise<void> {
    const { job } = runtime;
    const committed = outcome.status === 'imported' || outcome.status === 'partial' || outcome.status === 'duplicate';
    await this.#saveState(runtime, claimed, committed ? (outcome.status === 'duplicate' ? 'duplicate' : 'imported') : 'failed', outcome.runId, outcome.error?.message ?? null);
    try {
      if (committed) {
        const archived = await moveToArchive(claimed, runtime.archiveDir, { clock: this.#clock });
        const report = formatErrorsCsv(outcome.issues);
        if (report !== null) {
          await writeFile(`${archived.path}.errors.csv`, report, { flag: 'wx' }).catch((e: unknown) =>
            log.warn('Could not write the errors report next to the archived file', { event: 'file.archived', error: coerceError(e) }),
          );
        }
        log.info('File archived', { event: 'file.archived', folder: 'archive', archivedAs: archived.name, runId: outcome.runId });
        // A duplicate is reported, never skipped silently: the state says which run had it.
        const duplicateNote =
          outcome.status === 'duplicate' ? ` (duplicate: already imported in run ${outcome.duplicateOfRunId ?? '?'})` : '';
        await this.#saveState(runtime, claimed, 'archived', outcome.runId, `archive/${archived.name}${duplicateNote}`);
      } else {
        const text = formatOutcomeText(outcome, { job: job.name, instance: this.#instance });
        const failed = await moveToFailed(
          claimed,
          runtime.failedDir,
          { errorsCsv: formatErrorsCsv(outcome.issues), errorText: gaveUp ? `Gave up after ${this.#config.retry.maxRetries} retries.\n\n${text}` : text },
          { clock: this.#clock },
        );
        log.info('File moved to failed/', { event: 'file.archived', folder: 'failed', movedAs: failed.name, runId: outcome.runId, code: outcome.error?.code });
        await this.#saveState(runtime, claimed, 'failed', outcome.runId, `failed/${failed.name}`);
      }
    } catch (e) {
      // The file stays in processing/; the next start finishes it (archived if its run committed).
      log.error('Could not move the file out of processing/', { event: 'internal.error', code: ErrorCode.ARCHIVE_FAILED, error: coerceError(e) });
    }
    // Moved, or left for a takeover once the claim goes stale: either way this run is done with it.
    this.#takeovers.get(runtime)?.release(claimed.name);
    await this.#deps.notifier.notifyRun({ job: job.name, instance: this.#instance, file: claimed.originalName, outcome, gaveUp });
  }

  async #removeMarker(claimed: ClaimedFile, log: Logger): Promise<void> {
    if (claimed.markerPath === null) {
      return;
    }
    try {
      await NODE_FS_PORT.unlink(claimed.markerPath);
    } catch (e) {
      if (fsErrorCode(e) !== 'ENOENT') {
        log.warn('Could not remove the marker file', { event: 'file.claimed', error: coerceError(e) });
      }
    }
  }

  /** The state of a drop that is not claimed yet (kept under its drop name, replaced on each look). */
  async #saveDropState(
    runtime: JobRuntime,
    file: Pick<StableFile, 'path' | 'name' | 'size'>,
    state: FileState,
    detail: string,
  ): Promise<void> {
    try {
      await this.#deps.store.saveFileState({
        id: `drop:${runtime.job.name}:${file.name}`,
        job: runtime.job.name,
        path: file.path,
        name: file.name,
        state,
        sha256: null,
        sizeBytes: file.size,
        runId: null,
        detail,
        updatedAt: new Date(this.#clock.now()).toISOString(),
      });
    } catch (e) {
      this.#logger.warn('Could not save the file state', { event: 'store.retry', state, error: coerceError(e) });
    }
  }

  async #saveState(runtime: JobRuntime, claimed: ClaimedFile, state: FileState, runId: number | null, detail: string | null): Promise<void> {
    try {
      await this.#deps.store.saveFileState({
        id: claimed.name,
        job: runtime.job.name,
        path: claimed.path,
        name: claimed.originalName,
        state,
        sha256: null,
        sizeBytes: claimed.size,
        runId,
        detail,
        // A claim names its owner from its first write, before any run's transaction opens (on
        // SQLite the heartbeat writes of claim-takeover.ts land inside a run's transaction).
        ...(state === 'claimed' || state === 'not-ready' ? { owner: this.#instance } : {}),
        updatedAt: new Date(this.#clock.now()).toISOString(),
      });
    } catch (e) {
      // File states are for people looking; losing one must not stop imports.
      this.#logger.warn('Could not save the file state', { event: 'store.retry', state, error: coerceError(e) });
    }
  }
}
