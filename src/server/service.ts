import type { AppConfig } from '../config/app-config.js';
import { AppError, ErrorCode, coerceError } from '../errors.js';
import { releaseOutcome, type FileOutcome } from '../domain/file-outcome.js';
import type { FormatSet } from '../formats/load-formats.js';
import type { Logger } from '../logging/logger.js';
import type { Notifier } from '../notify/notifier.js';
import { parserFactory } from '../pipeline/parser-factory.js';
import { processFile } from '../pipeline/process-file.js';
import { importOptionsFor } from '../pipeline/import-options.js';
import type { CustomerStore } from '../store/customer-store.js';
import { SYSTEM_CLOCK, type Clock } from '../util/clock.js';
import { NODE_FS_PORT } from '../util/fs-port.js';
import type { ClaimedFile } from '../watcher/claim.js';
import {
  createExchangeWatcher,
  type StableFile,
} from '../watcher/exchange-watcher.js';
import { backoffMs } from '../util/backoff.js';
import { ClaimStage } from './claim-stage.js';
import { createClaimTakeover, type ClaimTakeover } from './claim-takeover.js';
import { FileStateRecorder } from './file-state-recorder.js';
import { finishFile } from './finish-file.js';
import { removeStalePartials } from './recovery.js';
import {
  createJobRuntime,
  type JobRuntime,
  type QueueItem,
} from './job-runtime.js';
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

const DEFAULT_STOP_GRACE_MS = 60_000;

export function createService(
  config: AppConfig,
  deps: ServiceDeps,
  options: ServiceOptions = {},
): Service {
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
  readonly #claimStage: ClaimStage;
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
  readonly #states: FileStateRecorder;

  constructor(config: AppConfig, deps: ServiceDeps, options: ServiceOptions) {
    this.#options = options;
    this.#config = config;
    this.#deps = deps;
    this.#logger = deps.logger;
    this.#clock = deps.clock ?? SYSTEM_CLOCK;
    this.#parserFor = parserFactory(config);
    this.#instance = config.instanceName ?? 'customer-import';
    this.#states = new FileStateRecorder({
      store: deps.store,
      logger: deps.logger,
      clock: this.#clock,
      instance: this.#instance,
    });
    this.#claimStage = new ClaimStage({
      retry: config.retry,
      states: this.#states,
      notifier: deps.notifier,
      clock: this.#clock,
      instance: this.#instance,
      once: options.once ?? false,
    });
    this.done = new Promise((resolve) => (this.#resolveDone = resolve));
  }

  async start(): Promise<void> {
    if (this.#config.jobs.length === 0) {
      throw new AppError(
        ErrorCode.CONFIG_INVALID,
        'The config has no watch jobs: add at least one under "jobs".',
      );
    }
    for (const job of this.#config.jobs) {
      // A job whose format is unknown is a config error: fail before watching anything.
      this.#deps.formats.require(job.format);
      this.#runtimes.push(createJobRuntime(job));
    }
    const aborted = await this.#deps.store.abortStaleRuns(this.#instance);
    if (aborted > 0) {
      this.#logger.warn(
        'Runs left unfinished by an earlier process were marked aborted',
        {
          event: 'file.recovered',
          runs: aborted,
        },
      );
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
          ignoreDirs: [
            runtime.processingDir,
            runtime.archiveDir,
            runtime.failedDir,
          ],
          onStable: (file) => this.#onStable(runtime, file),
          onDetected: (file) =>
            void this.#states.saveDrop(
              runtime,
              file,
              'waiting',
              'waiting for the stability window',
            ),
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
    this.#logger.info('Service started', {
      event: 'service.started',
      jobs: this.#runtimes.length,
      instance: this.#instance,
    });
  }

  async stop(graceMs = DEFAULT_STOP_GRACE_MS): Promise<void> {
    if (this.#stopping) {
      return this.done;
    }
    this.#stopping = true;
    this.#logger.info('Service stopping: no new files are taken', {
      event: 'service.stopping',
      queued: this.#queue.length,
    });
    for (const timer of this.#retryTimers) {
      clearTimeout(timer);
    }
    this.#retryTimers.clear();
    let stopError: unknown = null;
    try {
      // Watchers first, so no new file is claimed; queued files stay in processing/ for the next start.
      await this.#releasers.releaseAll((name, error) =>
        this.#logger.error('Could not release a resource', {
          event: 'internal.error',
          resource: name,
          error,
        }),
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
      const timer = setInterval(
        () => this.#notifyIdle(),
        this.#options.idleCheckMs ?? 200,
      );
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

  /**
   * Files in processing/ from a crash: archived if their content was committed, imported
   * otherwise; and the stale partial copies of moves a crash cut short, removed.
   */
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
    this.#releasers.add(`claim takeover ${runtime.job.name}`, () =>
      takeover.stop(),
    );
    enqueue(await takeover.start());
    await removeStalePartials(
      NODE_FS_PORT,
      [runtime.processingDir, runtime.archiveDir, runtime.failedDir],
      runtime.job.claimTimeoutSeconds * 1000,
      this.#clock.now(),
      this.#logger.child({ job: runtime.job.name }),
    );
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
    const log = this.#logger.child({ job: runtime.job.name, file: file.name });
    const claimed = await this.#claimStage.claim(runtime, file, log);
    if (claimed === null) {
      return;
    }
    // Logged and queued in one step: once 'file.claimed' is out, the file is this service's to finish.
    log.info('File claimed', {
      event: 'file.claimed',
      claimedAs: claimed.name,
      size: claimed.size,
    });
    this.#enqueue({ runtime, claimed, attempts: 0 });
    // The drop's own record ends here; the claimed file carries on under its processing/ name.
    await this.#states.saveDrop(
      runtime,
      file,
      'claimed',
      `claimed as processing/${claimed.name}`,
    );
  }

  #enqueue(item: QueueItem): void {
    this.#takeovers.get(item.runtime)?.hold(item.claimed.name);
    // Arrival order is the order the ERP finished writing (mtime), not the order the files
    // happened to pass their stability windows: two drops a moment apart can settle the other
    // way round under load. Only waiting files are reordered; the running one is never touched.
    const position = this.#queue.findIndex(
      (queued) => queued.claimed.mtimeMs > item.claimed.mtimeMs,
    );
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
        this.#logger.error(
          'Unexpected error while handling a file; it stays in processing/',
          {
            event: 'internal.error',
            file: item.claimed.originalName,
            error: coerceError(e),
          },
        );
      })
      .finally(() => {
        this.#running = null;
        this.#pump();
      });
  }

  async #processItem(item: QueueItem): Promise<void> {
    const { runtime, claimed } = item;
    const { job } = runtime;
    const log = this.#logger.child({
      job: job.name,
      file: claimed.originalName,
    });
    const format = this.#deps.formats.require(job.format).definition;
    const outcome = await processFile(
      {
        path: claimed.path,
        displayName: claimed.originalName,
        format,
        mode: job.mode,
        job: job.name,
        options: importOptionsFor(this.#config, job),
        ...(job.matchExisting === undefined
          ? {}
          : { matchExisting: job.matchExisting }),
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
    try {
      if (outcome.status === 'deferred') {
        await this.#defer(item, outcome, log);
      } else {
        await this.#finish(runtime, claimed, outcome, log, false);
      }
    } finally {
      // Reported (errors.csv, mail) or to be tried again as a new run: the temporary file of its
      // row issues can go.
      releaseOutcome(outcome);
    }
  }

  /** A run that could not happen now: try again after a back-off, or give up into failed/. */
  async #defer(
    item: QueueItem,
    outcome: FileOutcome,
    log: Logger,
  ): Promise<void> {
    const attempts = item.attempts + 1;
    if (this.#stopping) {
      log.info(
        'Import interrupted by shutdown; the file stays claimed for the next start',
        { event: 'file.deferred' },
      );
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
    await this.#states.saveClaimed(
      item.runtime,
      item.claimed,
      'not-ready',
      outcome.runId,
      outcome.error?.message ?? null,
    );
    await this.#deps.notifier.notifyRun({
      job: item.runtime.job.name,
      instance: this.#instance,
      file: item.claimed.originalName,
      outcome,
    });
    const timer = setTimeout(() => {
      this.#retryTimers.delete(timer);
      this.#enqueue({ ...item, attempts });
    }, delayMs);
    this.#retryTimers.add(timer);
  }

  /** The run is over: move the file, write reports, tell people. (The marker went at the claim.) */
  async #finish(
    runtime: JobRuntime,
    claimed: ClaimedFile,
    outcome: FileOutcome,
    log: Logger,
    gaveUp: boolean,
  ): Promise<void> {
    await finishFile(runtime, claimed, outcome, {
      states: this.#states,
      logger: log,
      clock: this.#clock,
      instance: this.#instance,
      gaveUpAfter: gaveUp ? this.#config.retry.maxRetries : null,
    });
    // Moved, or left for a takeover once the claim goes stale: either way this run is done with it.
    this.#takeovers.get(runtime)?.release(claimed.name);
    await this.#deps.notifier.notifyRun({
      job: runtime.job.name,
      instance: this.#instance,
      file: claimed.originalName,
      outcome,
      gaveUp,
    });
  }
}
