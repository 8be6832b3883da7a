import { join } from 'node:path';
import type { WatchJob } from '../config/app-config.js';
import { coerceError, fsErrorCode } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import type {
  CustomerStore,
  FileState,
  FileStateEntry,
} from '../store/customer-store.js';
import type { Clock } from '../util/clock.js';
import { NODE_FS_PORT, type FsPort } from '../util/fs-port.js';
import { moveFileExclusive } from '../util/move-file.js';
import {
  claimedName,
  parseClaimedName,
  type ClaimedFile,
} from '../watcher/claim.js';
import { createNameFilter } from '../watcher/name-filter.js';
import { isUnfinishedClaim, recoverClaimedFiles } from './recovery.js';

/**
 * Who may work on a file in processing/, when several instances share one exchange folder.
 *
 * The claim itself (the rename into processing/) has one winner, so two live instances never
 * take the same drop. What is left is the instance that dies holding claims: its files sit in
 * processing/ and nobody else may touch them while it might still be alive. So every instance
 * keeps a heartbeat on the claims it holds (queued, importing, waiting for a retry): the file
 * state's `owner` and `updatedAt`, refreshed every quarter of `claimTimeoutSeconds`. A claim
 * whose heartbeat (or, without a file state, whose claim time) is older than the timeout is
 * stale, and any instance may take it over:
 *
 *   stale claim ─▶ rename to a fresh claimed name (one winner again) ─▶ recovery: archived if its
 *   content was committed, imported otherwise
 *
 * The rename keeps the takeover itself exactly-once: two instances that both see the claim as
 * stale race on the rename, and the loser finds the file gone. The database claim index still
 * decides the rare case of an owner that was only slow, not dead (its commit becomes a duplicate).
 *
 * At start-up an instance takes back at once the claims its own name holds: they belong to its
 * previous process (instance names must be unique per exchange folder, as they are for runs).
 * Runs of an instance whose claims went stale are marked aborted; the store leaves a run alone
 * while its session is alive.
 */

export interface ClaimTakeoverRuntime {
  job: WatchJob;
  processingDir: string;
  archiveDir: string;
}

export interface ClaimTakeoverDeps {
  store: CustomerStore;
  logger: Logger;
  clock: Clock;
  /** This instance's name: the owner written into the heartbeat. */
  instance: string;
  /** Files taken over by a periodic check, to be imported (start-up takeovers are returned instead). */
  onTaken: (files: ClaimedFile[]) => void;
  fs?: FsPort;
}

/** File states whose heartbeat (updatedAt) says whether the file is still worked on. */
const LIVE_STATES: readonly FileState[] = [
  'claimed',
  'not-ready',
  'imported',
  'duplicate',
];

/**
 * A new hold is written after this short pause, so a burst of claims costs one store write and
 * the claim path itself never waits for the store.
 */
const HOLD_FLUSH_MS = 50;

/** Heartbeat and check interval bounds: a quarter of the timeout, within these. */
const MIN_INTERVAL_MS = 250;
const MAX_INTERVAL_MS = 60_000;

export interface ClaimTakeover {
  /** Takes back this instance's own and any stale claims, then starts the heartbeat; returns the files to import. */
  start(): Promise<ClaimedFile[]>;
  /** The service holds this claim now (queued, importing or waiting for a retry). */
  hold(name: string): void;
  /** The claim ended (file moved out of processing/); no more heartbeat for it. */
  release(name: string): void;
  /** Stops the timer; the heartbeat of claims still held simply ages from here. */
  stop(): Promise<void>;
}

export function createClaimTakeover(
  runtime: ClaimTakeoverRuntime,
  deps: ClaimTakeoverDeps,
): ClaimTakeover {
  return new StaleClaimTakeover(runtime, deps);
}

class StaleClaimTakeover implements ClaimTakeover {
  readonly #runtime: ClaimTakeoverRuntime;
  readonly #deps: ClaimTakeoverDeps;
  readonly #fs: FsPort;
  readonly #log: Logger;
  readonly #timeoutMs: number;
  readonly #intervalMs: number;
  readonly #held = new Set<string>();
  #timer: NodeJS.Timeout | null = null;
  #holdFlush: NodeJS.Timeout | null = null;
  /** Heartbeat writes run one after another; a touch asked for while one runs is done after it. */
  #touching: Promise<void> = Promise.resolve();
  #touchQueued = false;
  #checking = false;
  #stopped = false;

  constructor(runtime: ClaimTakeoverRuntime, deps: ClaimTakeoverDeps) {
    this.#runtime = runtime;
    this.#deps = deps;
    this.#fs = deps.fs ?? NODE_FS_PORT;
    this.#log = deps.logger.child({ job: runtime.job.name });
    this.#timeoutMs = Math.round(runtime.job.claimTimeoutSeconds * 1000);
    this.#intervalMs = Math.min(
      MAX_INTERVAL_MS,
      Math.max(MIN_INTERVAL_MS, Math.round(this.#timeoutMs / 4)),
    );
  }

  async start(): Promise<ClaimedFile[]> {
    const taken = await this.#takeOver(true);
    this.#timer = setInterval(() => void this.#tick(), this.#intervalMs);
    this.#timer.unref();
    return taken;
  }

  hold(name: string): void {
    this.#held.add(name);
    this.#holdFlush ??= setTimeout(() => {
      this.#holdFlush = null;
      void this.#touch();
    }, HOLD_FLUSH_MS);
    this.#holdFlush.unref();
  }

  release(name: string): void {
    this.#held.delete(name);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
    if (this.#holdFlush !== null) {
      // Held claims are written before stopping, so a restart of this instance takes them back at once.
      clearTimeout(this.#holdFlush);
      this.#holdFlush = null;
      void this.#touch();
    }
    await this.#touching;
  }

  async #tick(): Promise<void> {
    if (this.#checking || this.#stopped) {
      return;
    }
    this.#checking = true;
    try {
      await this.#touch();
      const taken = await this.#takeOver(false);
      if (taken.length > 0 && !this.#stopped) {
        this.#deps.onTaken(taken);
      }
    } catch (e) {
      // A store or share that is down now: the next tick tries again; nothing was taken half-way.
      this.#log.warn(
        'Could not check the claims in processing/; will try again',
        {
          event: 'store.retry',
          error: coerceError(e),
        },
      );
    } finally {
      this.#checking = false;
    }
  }

  /** The heartbeat: owner and time on every claim held. Failures are logged, never thrown. */
  #touch(): Promise<void> {
    if (this.#touchQueued) {
      return this.#touching;
    }
    this.#touchQueued = true;
    this.#touching = this.#touching.then(async () => {
      this.#touchQueued = false;
      if (this.#held.size === 0) {
        return;
      }
      try {
        await this.#deps.store.touchFileStates(
          [...this.#held],
          this.#deps.instance,
          this.#isoNow(),
        );
      } catch (e) {
        this.#log.warn('Could not refresh the claims this instance holds', {
          event: 'store.retry',
          error: coerceError(e),
        });
      }
    });
    return this.#touching;
  }

  /** Finds stale claims, re-claims them under fresh names and recovers them. */
  async #takeOver(atStart: boolean): Promise<ClaimedFile[]> {
    const { job } = this.#runtime;
    const candidates = await this.#claimedNames();
    if (candidates.length === 0) {
      return [];
    }
    const states = new Map<string, FileStateEntry & { id: string }>();
    for (const state of await this.#deps.store.listFileStates({
      job: job.name,
      states: LIVE_STATES,
    })) {
      states.set(state.id, state);
    }
    const nowMs = this.#deps.clock.now();
    const deadOwners = new Set<string>();
    const taken = new Set<string>();
    for (const { name, originalName, claimedAt } of candidates) {
      if (this.#held.has(name)) {
        continue;
      }
      const state = states.get(name);
      const owner = state?.owner;
      const lastSignMs = Date.parse(state?.updatedAt ?? claimedAt);
      const ownRestart = atStart && owner === this.#deps.instance;
      if (!ownRestart && nowMs - lastSignMs < this.#timeoutMs) {
        continue;
      }
      if (await this.#removeUnfinished(name, originalName, claimedAt)) {
        continue;
      }
      const fresh = await this.#reclaim(name, originalName, nowMs);
      if (fresh === null) {
        continue;
      }
      taken.add(fresh);
      if (owner !== undefined && owner !== this.#deps.instance) {
        deadOwners.add(owner);
      }
      this.#log.warn(
        'Took over a claimed file whose instance stopped working on it',
        {
          event: 'file.recovered',
          file: originalName,
          claimedAs: fresh,
          previousClaim: name,
          previousOwner: owner ?? null,
          reason: ownRestart ? 'restart' : 'stale',
          staleMs: nowMs - lastSignMs,
        },
      );
      await this.#saveTakenState(state, name, fresh, originalName, owner);
    }
    for (const owner of deadOwners) {
      const aborted = await this.#deps.store.abortStaleRuns(owner);
      if (aborted > 0) {
        this.#log.warn(
          'Runs left unfinished by an instance that stopped were marked aborted',
          {
            event: 'file.recovered',
            instance: owner,
            runs: aborted,
          },
        );
      }
    }
    if (taken.size === 0) {
      return [];
    }
    const toImport = await recoverClaimedFiles(
      this.#runtime,
      {
        store: this.#deps.store,
        logger: this.#deps.logger,
        clock: this.#deps.clock,
      },
      taken,
    );
    // Files recovery archived (their content was committed) are no longer ours to hold.
    const importing = new Set(toImport.map((f) => f.name));
    for (const name of taken) {
      if (!importing.has(name)) {
        this.release(name);
      }
    }
    return toImport;
  }

  /** Names in processing/ that this job's pattern matches and that we made (claimed names). */
  async #claimedNames(): Promise<
    { name: string; originalName: string; claimedAt: string }[]
  > {
    let names: string[];
    try {
      names = (await this.#fs.readdir(this.#runtime.processingDir)).sort();
    } catch (e) {
      if (fsErrorCode(e) === 'ENOENT') {
        return [];
      }
      throw e;
    }
    const filter = createNameFilter({
      patterns: [this.#runtime.job.pattern].flat(),
    });
    const claimed: { name: string; originalName: string; claimedAt: string }[] =
      [];
    for (const name of names) {
      const parsed = parseClaimedName(name);
      if (parsed !== null && filter.classify(parsed.originalName) === 'data') {
        claimed.push({ name, ...parsed });
      }
    }
    return claimed;
  }

  /**
   * Removes a stale claim that is the empty reservation of a claim that never finished
   * (recovery.ts isUnfinishedClaim). True when it is gone (another instance removing it first
   * is the same outcome), or when it could not be looked at (the next check tries again);
   * false when it is a claim to take over.
   */
  async #removeUnfinished(
    name: string,
    originalName: string,
    claimedAt: string,
  ): Promise<boolean> {
    const { processingDir, job } = this.#runtime;
    const path = join(processingDir, name);
    try {
      if (
        !(await isUnfinishedClaim(
          this.#fs,
          path,
          { originalName, claimedAt },
          job.folder,
        ))
      ) {
        return false;
      }
      await this.#fs.unlink(path);
    } catch (e) {
      if (fsErrorCode(e) === 'ENOENT') {
        return true;
      }
      this.#log.warn('Could not look at a stale claim; will try again', {
        event: 'file.not-ready',
        file: originalName,
        error: coerceError(e),
      });
      return true;
    }
    this.#log.warn(
      'Removed the empty reservation of a claim that never finished (its process stopped before moving the dropped file in)',
      {
        event: 'file.recovered',
        file: originalName,
        previousClaim: name,
        reason: 'unfinished-claim',
      },
    );
    return true;
  }

  /**
   * Renames a stale claim to a fresh claimed name and holds it. Null when another instance was
   * faster (the file is gone) or the rename failed (it stays for the next check).
   */
  async #reclaim(
    name: string,
    originalName: string,
    nowMs: number,
  ): Promise<string | null> {
    const { processingDir } = this.#runtime;
    try {
      const moved = await moveFileExclusive(
        join(processingDir, name),
        processingDir,
        {
          fs: this.#fs,
          candidateName: () => claimedName(originalName, nowMs),
        },
      );
      this.#held.add(moved.name);
      return moved.name;
    } catch (e) {
      if (fsErrorCode(e) !== 'ENOENT') {
        this.#log.warn('Could not take over a stale claim; will try again', {
          event: 'file.not-ready',
          file: originalName,
          error: coerceError(e),
        });
      }
      return null;
    }
  }

  /** The new claim is ours from the first moment; the old one says where it went. */
  async #saveTakenState(
    old: (FileStateEntry & { id: string }) | undefined,
    oldName: string,
    fresh: string,
    originalName: string,
    previousOwner: string | undefined,
  ): Promise<void> {
    const now = this.#isoNow();
    const base = {
      job: this.#runtime.job.name,
      name: originalName,
      sha256: old?.sha256 ?? null,
      sizeBytes: old?.sizeBytes ?? null,
      runId: null,
    };
    try {
      await this.#deps.store.saveFileState({
        ...base,
        id: fresh,
        path: join(this.#runtime.processingDir, fresh),
        state: 'claimed',
        detail: `taken over from ${previousOwner ?? 'an unknown instance'} (was ${oldName})`,
        owner: this.#deps.instance,
        updatedAt: now,
      });
      if (old !== undefined) {
        const { owner: _previous, ...rest } = old;
        await this.#deps.store.saveFileState({
          ...rest,
          detail: `taken over by ${this.#deps.instance} as ${fresh}`,
          updatedAt: now,
        });
      }
    } catch (e) {
      // File states are for people looking; the heartbeat writes the new one again.
      this.#log.warn('Could not save the file state of a taken-over claim', {
        event: 'store.retry',
        error: coerceError(e),
      });
    }
  }

  #isoNow(): string {
    return new Date(this.#deps.clock.now()).toISOString();
  }
}
