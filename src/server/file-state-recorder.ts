import { coerceError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import type { CustomerStore, FileState } from '../store/customer-store.js';
import type { Clock } from '../util/clock.js';
import type { ClaimedFile } from '../watcher/claim.js';
import type { StableFile } from '../watcher/exchange-watcher.js';
import type { JobRuntime } from './job-runtime.js';

/**
 * Keeps each file's state in the store (waiting, not-ready, claimed, imported, archived, failed),
 * so it survives restarts and people can see it. Two records per file: the drop, under its name
 * in the exchange folder until it is claimed, and the claimed file, under its processing/ name.
 * File states are for people looking: failing to save one is logged and never stops an import.
 */
export class FileStateRecorder {
  readonly #store: CustomerStore;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #instance: string;

  constructor(deps: {
    store: CustomerStore;
    logger: Logger;
    clock: Clock;
    instance: string;
  }) {
    this.#store = deps.store;
    this.#logger = deps.logger;
    this.#clock = deps.clock;
    this.#instance = deps.instance;
  }

  /** The state of a drop that is not claimed yet (one record per job and name, replaced on each change). */
  async saveDrop(
    runtime: JobRuntime,
    file: Pick<StableFile, 'path' | 'name' | 'size'>,
    state: FileState,
    detail: string,
  ): Promise<void> {
    await this.#save(state, {
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
  }

  async saveClaimed(
    runtime: JobRuntime,
    claimed: ClaimedFile,
    state: FileState,
    runId: number | null,
    detail: string | null,
  ): Promise<void> {
    await this.#save(state, {
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
      ...(state === 'claimed' || state === 'not-ready'
        ? { owner: this.#instance }
        : {}),
      updatedAt: new Date(this.#clock.now()).toISOString(),
    });
  }

  async #save(
    state: FileState,
    entry: Parameters<CustomerStore['saveFileState']>[0],
  ): Promise<void> {
    try {
      await this.#store.saveFileState(entry);
    } catch (e) {
      this.#logger.warn('Could not save the file state', {
        event: 'store.retry',
        state,
        error: coerceError(e),
      });
    }
  }
}
