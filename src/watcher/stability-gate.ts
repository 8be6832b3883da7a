import type { Stats } from 'node:fs';
import { basename } from 'node:path';
import { coerceError, fsErrorCode } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import type { Clock } from '../util/clock.js';
import { BUSY_FS_CODES, type FsPort } from '../util/fs-port.js';
import {
  sameSnapshot,
  snapshotOf,
  StabilityTracker,
  type StatSnapshot,
} from './stability.js';
import type { StableFile } from './stable-file.js';

/**
 * The stability gate at work on real files: one poll loop per tracked path that lstat-s the file
 * every min(stabilityMs/4, 1 s), feeds the pure {@link StabilityTracker}, and hands the file on
 * once it is stable. It does not know about chokidar or names; the exchange watcher decides
 * which paths are data files and passes them in as hints.
 *
 * Per path a file is *tracking* (polled), *in flight* (handed on, waiting for `release`) or
 * *deferred* (released with a back-off). lstat, never stat: a symlink is never followed.
 */

/** Why a path is looked at: a file event, a folder listing, an unlink event, or a release. */
export type HintReason = 'event' | 'scan' | 'unlink' | 'release';

export interface StabilityGateOptions {
  stabilityMs: number;
  /** Marker mode: the marker that must exist before `path` is handed on; null when off. */
  markerPathFor: (path: string) => string | null;
  onStable: (file: StableFile) => void;
  /** A new file is being waited for (first look); for the consumer's record of waiting files. */
  onDetected?:
    ((file: { path: string; name: string; size: number }) => void) | undefined;
}

export interface StabilityGateDeps {
  logger: Logger;
  clock: Clock;
  fs: FsPort;
}

/** Cap of the back-off for a file we may not stat yet (EACCES, EBUSY, …), in ms. */
export const MAX_NOT_READY_BACKOFF_MS = 30_000;
const MAX_POLL_EVERY_MS = 1000;
const MIN_POLL_EVERY_MS = 10;
/** Timers may fire a hair early after ms rounding; aim a little past the window. */
const TIMER_SLACK_MS = 5;

interface TrackingEntry {
  kind: 'tracking';
  tracker: StabilityTracker;
  timer: NodeJS.Timeout | null;
  running: boolean;
  /** An unlink or release arrived while a look was running: look again right after it. */
  wakeRequested: boolean;
  notReadyAttempts: number;
  markerWaitLogged: boolean;
  /**
   * The entry's first look, while it has not seen the file yet: a hint that finds it running
   * (start-up's listing after chokidar's initial 'add') waits for it too.
   */
  firstLook: Promise<void>;
}
interface InFlightEntry {
  kind: 'in-flight';
}
interface DeferredEntry {
  kind: 'deferred';
  timer: NodeJS.Timeout;
}
type Entry = TrackingEntry | InFlightEntry | DeferredEntry;

/** @internal Used by the exchange watcher. */
export class StabilityGate {
  readonly #options: StabilityGateOptions;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #fs: FsPort;
  readonly #pollEveryMs: number;
  readonly #entries = new Map<string, Entry>();
  /** Non-regular entries already warned about, by path → kind:dev:ino, so a poll does not repeat the warning. */
  readonly #ignored = new Map<string, string>();
  readonly #pending = new Set<Promise<void>>();
  #stopped = false;

  constructor(options: StabilityGateOptions, deps: StabilityGateDeps) {
    this.#options = options;
    this.#log = deps.logger;
    this.#clock = deps.clock;
    this.#fs = deps.fs;
    this.#pollEveryMs = Math.max(
      MIN_POLL_EVERY_MS,
      Math.min(options.stabilityMs / 4, MAX_POLL_EVERY_MS),
    );
  }

  /**
   * Something may have happened at data-file `path`. Resolves after the first look at a newly
   * tracked file, or at one whose first look is still running.
   */
  hint(path: string, reason: HintReason): Promise<void> {
    if (this.#stopped) {
      return Promise.resolve();
    }
    if (reason === 'unlink') {
      this.#ignored.delete(path);
    }
    const entry = this.#entries.get(path);
    if (entry === undefined) {
      const fresh: TrackingEntry = {
        kind: 'tracking',
        tracker: new StabilityTracker(this.#options.stabilityMs, this.#clock),
        timer: null,
        running: false,
        wakeRequested: false,
        notReadyAttempts: 0,
        markerWaitLogged: false,
        firstLook: Promise.resolve(),
      };
      this.#entries.set(path, fresh);
      fresh.firstLook = this.#runLook(path, fresh);
      return fresh.firstLook;
    }
    if (entry.kind === 'tracking') {
      if (reason === 'event') {
        entry.tracker.restart();
      } else if (reason === 'unlink' || reason === 'release') {
        return this.#runLook(path, entry);
      }
    }
    if (entry.kind === 'tracking' && entry.tracker.snapshot === null) {
      // Not seen yet: its first look is still running, and this hint resolves with it.
      return entry.firstLook;
    }
    // In flight or deferred: the consumer's release() looks at the path again.
    return Promise.resolve();
  }

  /** Ends "in flight" for `path`; whatever is there now (after `retryInMs`) is tracked from scratch. */
  release(path: string, retryInMs = 0): void {
    const entry = this.#entries.get(path);
    if (entry !== undefined) {
      clearEntryTimer(entry);
      this.#entries.delete(path);
    }
    if (this.#stopped) {
      return;
    }
    if (retryInMs <= 0) {
      void this.hint(path, 'release');
      return;
    }
    const deferred: DeferredEntry = {
      kind: 'deferred',
      timer: setTimeout(() => {
        if (this.#entries.get(path) === deferred) {
          this.#entries.delete(path);
          void this.hint(path, 'release');
        }
      }, retryInMs),
    };
    this.#entries.set(path, deferred);
  }

  /** Paths tracked or deferred (not in flight). */
  pendingCount(): number {
    let count = 0;
    for (const entry of this.#entries.values()) {
      if (entry.kind !== 'in-flight') {
        count += 1;
      }
    }
    return count;
  }

  /** Stops every timer and waits for looks and handler calls under way; nothing is handed on after this. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const entry of this.#entries.values()) {
      clearEntryTimer(entry);
    }
    await Promise.allSettled([...this.#pending]);
    this.#entries.clear();
  }

  /** Keeps a background promise so stop() can wait for it; never lets it reject unhandled. */
  track(promise: Promise<void>): Promise<void> {
    const guarded = promise.catch((e: unknown) => this.#logError(e));
    this.#pending.add(guarded);
    void guarded.finally(() => this.#pending.delete(guarded));
    return guarded;
  }

  #runLook(path: string, entry: TrackingEntry): Promise<void> {
    if (entry.running) {
      entry.wakeRequested = true;
      return Promise.resolve();
    }
    clearEntryTimer(entry);
    entry.running = true;
    return this.track(
      this.#look(path, entry).finally(() => {
        entry.running = false;
        if (entry.wakeRequested) {
          entry.wakeRequested = false;
          this.#schedule(path, entry, 0);
        }
      }),
    );
  }

  #schedule(path: string, entry: TrackingEntry, delayMs: number): void {
    if (!this.#isCurrent(path, entry)) {
      return;
    }
    clearEntryTimer(entry);
    entry.timer = setTimeout(() => {
      entry.timer = null;
      void this.#runLook(path, entry);
    }, delayMs);
  }

  /** One look at a tracked file: lstat, feed the tracker, and hand on or schedule the next look. */
  async #look(path: string, entry: TrackingEntry): Promise<void> {
    const stats = await this.#lstat(path, entry);
    if (stats === null || !this.#isCurrent(path, entry)) {
      return;
    }
    if (!stats.isFile()) {
      this.#forgetNonRegular(path, stats);
      return;
    }
    this.#ignored.delete(path);
    const name = basename(path);
    const before = entry.tracker.snapshot;
    const snapshot = snapshotOf(stats);
    if (entry.tracker.observe(snapshot) !== 'stable') {
      if (before === null) {
        this.#log.info('File detected', {
          event: 'file.detected',
          file: name,
          size: snapshot.size,
        });
        this.#options.onDetected?.({ path, name, size: snapshot.size });
      } else if (!sameSnapshot(before, snapshot)) {
        this.#log.debug('File changed; stability window restarted', {
          event: 'file.waiting',
          file: name,
          size: snapshot.size,
        });
      }
      this.#schedule(path, entry, this.#nextLookMs(entry));
      return;
    }
    const markerPath = await this.#markerReady(path, entry, snapshot);
    if (markerPath === false || !this.#isCurrent(path, entry)) {
      this.#schedule(path, entry, this.#pollEveryMs);
      return;
    }
    // The last look right before handing the file on: nothing may have changed meanwhile.
    const last = await this.#lstat(path, entry);
    if (last === null || !this.#isCurrent(path, entry)) {
      return;
    }
    if (!last.isFile()) {
      this.#forgetNonRegular(path, last);
      return;
    }
    if (entry.tracker.observe(snapshotOf(last)) !== 'stable') {
      this.#schedule(path, entry, this.#nextLookMs(entry));
      return;
    }
    this.#handOn(path, snapshotOf(last), markerPath);
  }

  /** lstat with the gate's error rules; null when there is nothing more to do in this look. */
  async #lstat(path: string, entry: TrackingEntry): Promise<Stats | null> {
    try {
      const stats = await this.#fs.lstat(path);
      entry.notReadyAttempts = 0;
      return stats;
    } catch (e) {
      const code = fsErrorCode(e);
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        if (this.#entries.get(path) === entry) {
          this.#entries.delete(path);
        }
        // Only a file we had seen can vanish; a hint about a name that never existed is silent.
        if (entry.tracker.snapshot !== null) {
          this.#log.debug('File vanished before it was stable; forgotten', {
            event: 'file.vanished',
            file: basename(path),
          });
        }
        return null;
      }
      entry.notReadyAttempts += 1;
      const retryInMs = Math.min(
        this.#pollEveryMs * 2 ** (entry.notReadyAttempts - 1),
        MAX_NOT_READY_BACKOFF_MS,
      );
      const level =
        code !== undefined && BUSY_FS_CODES.has(code) ? 'warn' : 'error';
      this.#log[level]('File cannot be looked at yet; will retry', {
        event: 'file.not-ready',
        file: basename(path),
        code: code ?? 'UNKNOWN',
        attempt: entry.notReadyAttempts,
        retryInMs,
      });
      this.#schedule(path, entry, retryInMs);
      return null;
    }
  }

  /**
   * Marker mode: the marker's path once it exists as a regular file at least as new as the data
   * file; false until then. The age check matters: the previous drop's marker stays until that
   * run ends, and must not release the ERP's next file early (the ERP writes data, then marker).
   */
  async #markerReady(
    path: string,
    entry: TrackingEntry,
    data: StatSnapshot,
  ): Promise<string | null | false> {
    const markerPath = this.#options.markerPathFor(path);
    if (markerPath === null) {
      return null;
    }
    try {
      const marker = await this.#fs.lstat(markerPath);
      if (marker.isFile() && marker.mtimeMs >= data.mtimeMs) {
        return markerPath;
      }
    } catch (e) {
      if (fsErrorCode(e) !== 'ENOENT') {
        this.#log.debug('Marker file cannot be looked at yet', {
          event: 'file.waiting',
          file: basename(markerPath),
          code: fsErrorCode(e) ?? 'UNKNOWN',
        });
      }
    }
    if (!entry.markerWaitLogged) {
      entry.markerWaitLogged = true;
      this.#log.debug(
        'File is stable but its marker is missing or older than the file; waiting for the marker',
        {
          event: 'file.waiting',
          file: basename(path),
          marker: basename(markerPath),
        },
      );
    }
    return false;
  }

  #handOn(
    path: string,
    snapshot: StatSnapshot,
    markerPath: string | null,
  ): void {
    const file: StableFile = Object.freeze({
      path,
      name: basename(path),
      ...snapshot,
      markerPath,
    });
    this.#entries.set(path, { kind: 'in-flight' });
    this.#log.info('File is stable', {
      event: 'file.stable',
      file: file.name,
      size: file.size,
    });
    // A consumer's throw or rejection must neither end the process nor leave the path in flight
    // forever: log it and release with a back-off, so the file is looked at again from scratch.
    void this.track(
      Promise.resolve()
        .then(() => {
          if (!this.#stopped) {
            this.#options.onStable(file);
          }
        })
        .catch((e: unknown) => {
          const err = coerceError(e);
          this.#log.error(
            'The stable-file handler failed; the file will be looked at again',
            {
              event: 'internal.error',
              file: file.name,
              error: err.message,
              stack: err.stack,
            },
          );
          this.release(path, this.#options.stabilityMs);
        }),
    );
  }

  #forgetNonRegular(path: string, stats: Stats): void {
    this.#entries.delete(path);
    const kind = entryKind(stats);
    const key = `${kind}:${stats.dev}:${stats.ino}`;
    if (this.#ignored.get(path) !== key) {
      this.#ignored.set(path, key);
      this.#log.warn(
        'Entry matches the watched name but is not a regular file; left alone',
        {
          event: 'file.ignored',
          file: basename(path),
          kind,
        },
      );
    }
  }

  #nextLookMs(entry: TrackingEntry): number {
    return Math.max(
      MIN_POLL_EVERY_MS,
      Math.min(this.#pollEveryMs, entry.tracker.remainingMs() + TIMER_SLACK_MS),
    );
  }

  #isCurrent(path: string, entry: TrackingEntry): boolean {
    return !this.#stopped && this.#entries.get(path) === entry;
  }

  #logError(e: unknown): void {
    const err = coerceError(e);
    this.#log.error(
      'Unexpected error while watching a file; watching goes on',
      {
        event: 'watcher.error',
        code: fsErrorCode(err) ?? 'UNKNOWN',
        error: err.message,
        stack: err.stack,
      },
    );
  }
}

function clearEntryTimer(entry: Entry): void {
  if (entry.kind === 'tracking' && entry.timer !== null) {
    clearTimeout(entry.timer);
    entry.timer = null;
  } else if (entry.kind === 'deferred') {
    clearTimeout(entry.timer);
  }
}

function entryKind(stats: Stats): string {
  if (stats.isSymbolicLink()) {
    return 'symlink';
  }
  if (stats.isDirectory()) {
    return 'directory';
  }
  if (stats.isFIFO()) {
    return 'fifo';
  }
  if (stats.isSocket()) {
    return 'socket';
  }
  return 'device';
}
