import type { Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { AppError, coerceError, fsErrorCode } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import { SYSTEM_CLOCK, type Clock } from '../util/clock.js';
import { BUSY_FS_CODES, NODE_FS_PORT, type FsPort } from '../util/fs-port.js';
import { createNameFilter, type MarkerOptions, type NameFilter } from './name-filter.js';
import { sameSnapshot, snapshotOf, StabilityTracker } from './stability.js';

/**
 * The watcher side of the exchange folder. chokidar's events are only *hints*: an event starts
 * (or restarts) tracking a file, and from then on we poll `lstat` ourselves until the stability
 * gate says the file is stable. That way files found at start-up, files on shares that send no
 * events (SMB) and polling mode all pass the same gate, and chokidar's awaitWriteFinish (size
 * only, not applied at start-up) is not used at all.
 *
 * A stable file is handed to `onStable` once and then stays *in flight* until the consumer calls
 * `release(path)`; only then can a new file at that path (the ERP's next drop) be tracked.
 */

/** A file that passed the stability gate (and, in marker mode, whose marker exists). */
export interface StableFile {
  /** Absolute path in the watched folder. */
  readonly path: string;
  /** Base name as dropped. */
  readonly name: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ino: number;
  readonly dev: number;
  /** Marker mode: the marker file to remove after the run; otherwise null. */
  readonly markerPath: string | null;
}

export interface ExchangeWatcherOptions {
  /** The exchange folder; only its direct entries are watched. */
  folder: string;
  /** File names or globs (`customers*.txt`), case-insensitive. */
  patterns: string | readonly string[];
  /** Size, mtime and inode must stay the same this long, in ms. */
  stabilityMs: number;
  /** Poll instead of using file events (network shares). */
  polling: boolean;
  /** chokidar's polling interval, in ms (polling mode only). */
  pollIntervalMs: number;
  marker?: MarkerOptions | undefined;
  /**
   * Our own folders; those directly inside `folder` are skipped without a warning.
   * Default `<folder>/processing`, `<folder>/archive`, `<folder>/failed`.
   */
  ignoreDirs?: readonly string[] | undefined;
  /**
   * Lists the folder again at this interval, in ms, as a safety net for lost events (inotify
   * overflow, shares without notifications). 0 turns it off. Default 30000.
   */
  rescanIntervalMs?: number | undefined;
  /** Called once per stable file. Errors it throws (or rejects with) are logged, then the file is released. */
  onStable: (file: StableFile) => void;
}

export interface ExchangeWatcherDeps {
  logger: Logger;
  clock?: Clock | undefined;
  fs?: FsPort | undefined;
}

export interface ReleaseOptions {
  /** Wait this long (ms) before looking at the path again, e.g. a back-off after FILE_BUSY. Default 0. */
  retryInMs?: number;
}

export interface ExchangeWatcher {
  /** Starts watching; resolves when the initial scan is done (files already there are being tracked). */
  start(): Promise<void>;
  /** Stops watching and all timers; no `onStable` call happens after it resolves. */
  stop(): Promise<void>;
  /** The consumer is done with a file it got from `onStable`; whatever is at the path now is tracked from scratch. */
  release(path: string, options?: ReleaseOptions): void;
  /** @internal The chokidar instance, for tests that need to emit on it. */
  readonly fsWatcher: FSWatcher | null;
}

export const DEFAULT_RESCAN_INTERVAL_MS = 30_000;
/** Cap of the back-off for a file we may not stat yet (EACCES, EBUSY, …), in ms. */
export const MAX_NOT_READY_BACKOFF_MS = 30_000;
const MAX_POLL_EVERY_MS = 1000;
const MIN_POLL_EVERY_MS = 10;
/** Timers may fire a hair early after ms rounding; aim a little past the window. */
const TIMER_SLACK_MS = 5;
const DEFAULT_RESERVED_DIRS = ['processing', 'archive', 'failed'];

interface TrackingEntry {
  kind: 'tracking';
  tracker: StabilityTracker;
  timer: NodeJS.Timeout | null;
  running: boolean;
  /** An unlink or release arrived while a tick ran: look again right after it. */
  wakeRequested: boolean;
  notReadyAttempts: number;
  markerWaitLogged: boolean;
}
interface InFlightEntry {
  kind: 'in-flight';
}
interface DeferredEntry {
  kind: 'deferred';
  timer: NodeJS.Timeout;
}
type Entry = TrackingEntry | InFlightEntry | DeferredEntry;

type HintReason = 'event' | 'scan' | 'unlink' | 'release';

export function createExchangeWatcher(options: ExchangeWatcherOptions, deps: ExchangeWatcherDeps): ExchangeWatcher {
  return new ChokidarExchangeWatcher(options, deps);
}

/** @internal Use {@link createExchangeWatcher}. */
export class ChokidarExchangeWatcher implements ExchangeWatcher {
  readonly #folder: string;
  readonly #options: ExchangeWatcherOptions;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #fs: FsPort;
  readonly #filter: NameFilter;
  readonly #ignoredDirPaths: ReadonlySet<string>;
  readonly #pollEveryMs: number;
  readonly #entries = new Map<string, Entry>();
  /** Non-regular entries already warned about, by path → kind:dev:ino, so a poll does not repeat the warning. */
  readonly #ignored = new Map<string, string>();
  readonly #pending = new Set<Promise<void>>();
  #watcher: FSWatcher | null = null;
  #rescanTimer: NodeJS.Timeout | null = null;
  #started = false;
  #stopped = false;

  constructor(options: ExchangeWatcherOptions, deps: ExchangeWatcherDeps) {
    const markerName = options.marker?.enabled === true ? options.marker.name : undefined;
    if (markerName !== undefined && (markerName !== basename(markerName) || markerName === '..')) {
      throw new AppError('CONFIG_INVALID', `Marker name '${markerName}' must be a plain file name inside the watched folder`);
    }
    this.#folder = resolve(options.folder);
    this.#options = options;
    this.#log = deps.logger.child({ folder: this.#folder });
    this.#clock = deps.clock ?? SYSTEM_CLOCK;
    this.#fs = deps.fs ?? NODE_FS_PORT;
    const ignoreDirs = (options.ignoreDirs ?? DEFAULT_RESERVED_DIRS.map((d) => join(this.#folder, d))).map((d) =>
      resolve(this.#folder, d),
    );
    this.#ignoredDirPaths = new Set(ignoreDirs);
    this.#filter = createNameFilter({
      patterns: typeof options.patterns === 'string' ? [options.patterns] : options.patterns,
      marker: options.marker,
      reservedNames: ignoreDirs.filter((d) => dirname(d) === this.#folder).map((d) => basename(d)),
    });
    this.#pollEveryMs = Math.max(MIN_POLL_EVERY_MS, Math.min(options.stabilityMs / 4, MAX_POLL_EVERY_MS));
  }

  get fsWatcher(): FSWatcher | null {
    return this.#watcher;
  }

  async start(): Promise<void> {
    if (this.#started) {
      throw new AppError('INTERNAL', 'The exchange watcher was started twice');
    }
    this.#started = true;
    await this.#checkFolder();
    const interval = this.#options.pollIntervalMs;
    const watcher = watch(this.#folder, {
      depth: 0,
      ignoreInitial: false,
      persistent: true,
      followSymlinks: false,
      usePolling: this.#options.polling,
      interval,
      binaryInterval: interval,
      ignored: (path: string) => this.#ignoredDirPaths.has(resolve(path)),
    });
    this.#watcher = watcher;
    // First listener attached: an 'error' without a listener would throw and end the process.
    watcher.on('error', (e: unknown) => this.#onWatcherError(e));
    const ready = new Promise<void>((resolveReady) => watcher.once('ready', () => resolveReady()));
    watcher.on('add', (path: string) => this.#hint(path, 'event'));
    watcher.on('change', (path: string) => this.#hint(path, 'event'));
    watcher.on('addDir', (path: string) => this.#hint(path, 'event'));
    watcher.on('unlink', (path: string) => this.#hint(path, 'unlink'));
    watcher.on('unlinkDir', (path: string) => this.#hint(path, 'unlink'));
    await ready;
    // Our own listing as well: it runs every entry through lstat (chokidar may skip FIFOs or
    // sockets), and start() can then promise that every file already there is tracked.
    await this.#scan();
    const rescanMs = this.#options.rescanIntervalMs ?? DEFAULT_RESCAN_INTERVAL_MS;
    if (rescanMs > 0 && !this.#stopped) {
      this.#rescanTimer = setInterval(() => void this.#track(this.#scan()), rescanMs);
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#rescanTimer !== null) {
      clearInterval(this.#rescanTimer);
      this.#rescanTimer = null;
    }
    for (const entry of this.#entries.values()) {
      clearEntryTimer(entry);
    }
    const watcher = this.#watcher;
    this.#watcher = null;
    await watcher?.close();
    await Promise.allSettled([...this.#pending]);
    this.#entries.clear();
  }

  release(path: string, options: ReleaseOptions = {}): void {
    const absolute = resolve(path);
    const entry = this.#entries.get(absolute);
    if (entry !== undefined) {
      clearEntryTimer(entry);
      this.#entries.delete(absolute);
    }
    if (this.#stopped) {
      return;
    }
    const delayMs = options.retryInMs ?? 0;
    if (delayMs > 0) {
      const deferred: DeferredEntry = {
        kind: 'deferred',
        timer: setTimeout(() => {
          if (this.#entries.get(absolute) === deferred) {
            this.#entries.delete(absolute);
            void this.#hint(absolute, 'release');
          }
        }, delayMs),
      };
      this.#entries.set(absolute, deferred);
    } else {
      void this.#hint(absolute, 'release');
    }
  }

  async #checkFolder(): Promise<void> {
    let stats: Stats;
    try {
      stats = await this.#fs.stat(this.#folder);
    } catch (e) {
      throw new AppError(
        'CONFIG_INVALID',
        `Exchange folder '${this.#folder}' cannot be watched (${fsErrorCode(e) ?? coerceError(e).message}); create it or fix the job's folder`,
        { cause: e },
      );
    }
    if (!stats.isDirectory()) {
      throw new AppError('CONFIG_INVALID', `Exchange folder '${this.#folder}' is not a directory; fix the job's folder`);
    }
  }

  /** Lists the folder and hints every entry; resolves when each new entry had its first look. */
  async #scan(): Promise<void> {
    let names: string[];
    try {
      names = await this.#fs.readdir(this.#folder);
    } catch (e) {
      this.#onWatcherError(e);
      return;
    }
    await Promise.all(names.map((name) => this.#hint(join(this.#folder, name), 'scan')));
  }

  /** Something may have happened at `path`. Returns the first look at a newly tracked file. */
  #hint(path: string, reason: HintReason): Promise<void> {
    const absolute = resolve(path);
    if (this.#stopped || dirname(absolute) !== this.#folder) {
      return Promise.resolve();
    }
    const name = basename(absolute);
    if (reason === 'unlink') {
      this.#ignored.delete(absolute);
    }
    const nameClass = this.#filter.classify(name);
    switch (nameClass) {
      case 'data':
        break;
      case 'marker': {
        // A marker arrived or left: look at its data file at once instead of at the next poll.
        const dataName = this.#filter.dataNameFor(name);
        if (reason !== 'scan') {
          return dataName === null ? this.#track(this.#scan()) : this.#hint(join(this.#folder, dataName), 'release');
        }
        return Promise.resolve();
      }
      case 'temporary':
      case 'reserved':
      case 'other':
        return Promise.resolve();
      default: {
        const never: never = nameClass;
        return never;
      }
    }
    const entry = this.#entries.get(absolute);
    if (entry === undefined) {
      const fresh: TrackingEntry = {
        kind: 'tracking',
        tracker: new StabilityTracker(this.#options.stabilityMs, this.#clock),
        timer: null,
        running: false,
        wakeRequested: false,
        notReadyAttempts: 0,
        markerWaitLogged: false,
      };
      this.#entries.set(absolute, fresh);
      return this.#runTick(absolute, fresh);
    }
    if (entry.kind === 'tracking') {
      if (reason === 'event') {
        entry.tracker.restart();
      } else if (reason === 'unlink' || reason === 'release') {
        return this.#runTick(absolute, entry);
      }
    }
    // In flight or deferred: the consumer's release() looks at the path again.
    return Promise.resolve();
  }

  #runTick(path: string, entry: TrackingEntry): Promise<void> {
    if (entry.running) {
      entry.wakeRequested = true;
      return Promise.resolve();
    }
    clearEntryTimer(entry);
    entry.running = true;
    return this.#track(
      this.#tick(path, entry).finally(() => {
        entry.running = false;
        if (entry.wakeRequested && this.#entries.get(path) === entry && !this.#stopped) {
          entry.wakeRequested = false;
          this.#schedule(path, entry, 0);
        }
      }),
    );
  }

  #schedule(path: string, entry: TrackingEntry, delayMs: number): void {
    if (this.#stopped || this.#entries.get(path) !== entry) {
      return;
    }
    clearEntryTimer(entry);
    entry.timer = setTimeout(() => {
      entry.timer = null;
      void this.#runTick(path, entry);
    }, delayMs);
  }

  /** One look at a tracked file: lstat, feed the gate, and emit or schedule the next look. */
  async #tick(path: string, entry: TrackingEntry): Promise<void> {
    const name = basename(path);
    const stats = await this.#lstat(path, entry);
    if (stats === null || !this.#stillCurrent(path, entry)) {
      return;
    }
    if (!stats.isFile()) {
      this.#forgetNonRegular(path, stats);
      return;
    }
    this.#ignored.delete(path);
    const before = entry.tracker.snapshot;
    const snapshot = snapshotOf(stats);
    let verdict = entry.tracker.observe(snapshot);
    if (before === null) {
      this.#log.info('File detected', { event: 'file.detected', file: name, size: snapshot.size });
    } else if (!sameSnapshot(before, snapshot)) {
      this.#log.debug('File changed; stability window restarted', {
        event: 'file.waiting',
        file: name,
        size: snapshot.size,
      });
    }
    if (verdict !== 'stable') {
      this.#schedule(path, entry, this.#nextLookMs(entry));
      return;
    }
    const markerPath = await this.#markerReady(path, entry);
    if (markerPath === false || !this.#stillCurrent(path, entry)) {
      this.#schedule(path, entry, this.#pollEveryMs);
      return;
    }
    // The last look right before handing the file over: nothing may have changed meanwhile.
    const last = await this.#lstat(path, entry);
    if (last === null || !this.#stillCurrent(path, entry)) {
      return;
    }
    if (!last.isFile()) {
      this.#forgetNonRegular(path, last);
      return;
    }
    verdict = entry.tracker.observe(snapshotOf(last));
    if (verdict !== 'stable') {
      this.#schedule(path, entry, this.#nextLookMs(entry));
      return;
    }
    this.#emit(path, snapshotOf(last), markerPath);
  }

  /** lstat with the gate's error rules; null when there is nothing to do now. */
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
          this.#log.debug('File vanished before it was stable; forgotten', { event: 'file.vanished', file: basename(path) });
        }
        return null;
      }
      entry.notReadyAttempts += 1;
      const retryInMs = Math.min(this.#pollEveryMs * 2 ** (entry.notReadyAttempts - 1), MAX_NOT_READY_BACKOFF_MS);
      const level = code !== undefined && BUSY_FS_CODES.has(code) ? 'warn' : 'error';
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

  /** Marker mode: the marker's path once it exists as a regular file, false while it does not. */
  async #markerReady(path: string, entry: TrackingEntry): Promise<string | null | false> {
    const markerName = this.#filter.markerNameFor(basename(path));
    if (markerName === null) {
      return null;
    }
    const markerPath = join(this.#folder, markerName);
    try {
      if ((await this.#fs.lstat(markerPath)).isFile()) {
        return markerPath;
      }
    } catch (e) {
      if (fsErrorCode(e) !== 'ENOENT') {
        this.#log.debug('Marker file cannot be looked at yet', { event: 'file.waiting', file: markerName, code: fsErrorCode(e) });
      }
    }
    if (!entry.markerWaitLogged) {
      entry.markerWaitLogged = true;
      this.#log.debug('File is stable but its marker is missing; waiting for the marker', {
        event: 'file.waiting',
        file: basename(path),
        marker: markerName,
      });
    }
    return false;
  }

  #emit(path: string, snapshot: ReturnType<typeof snapshotOf>, markerPath: string | null): void {
    const file: StableFile = Object.freeze({ path, name: basename(path), ...snapshot, markerPath });
    this.#entries.set(path, { kind: 'in-flight' });
    this.#log.info('File is stable', { event: 'file.stable', file: file.name, size: file.size });
    // A consumer's throw or rejection must neither end the process nor leave the path stuck in
    // flight forever: log it and release, so the file is looked at again from scratch.
    void this.#track(
      Promise.resolve()
        .then(() => {
          if (!this.#stopped) {
            this.#options.onStable(file);
          }
        })
        .catch((e: unknown) => {
          const err = coerceError(e);
          this.#log.error('The stable-file handler failed; the file will be looked at again', {
            event: 'internal.error',
            file: file.name,
            error: err.message,
            stack: err.stack,
          });
          this.release(path, { retryInMs: this.#options.stabilityMs });
        }),
    );
  }

  #forgetNonRegular(path: string, stats: Stats): void {
    this.#entries.delete(path);
    const kind = entryKind(stats);
    const key = `${kind}:${stats.dev}:${stats.ino}`;
    if (this.#ignored.get(path) !== key) {
      this.#ignored.set(path, key);
      this.#log.warn('Entry matches the watched name but is not a regular file; left alone', {
        event: 'file.ignored',
        file: basename(path),
        kind,
      });
    }
  }

  #nextLookMs(entry: TrackingEntry): number {
    return Math.max(MIN_POLL_EVERY_MS, Math.min(this.#pollEveryMs, entry.tracker.remainingMs() + TIMER_SLACK_MS));
  }

  #stillCurrent(path: string, entry: TrackingEntry): boolean {
    return !this.#stopped && this.#entries.get(path) === entry;
  }

  #onWatcherError(e: unknown): void {
    const err = coerceError(e);
    const code = fsErrorCode(err);
    const level = code !== undefined && BUSY_FS_CODES.has(code) ? 'warn' : 'error';
    this.#log[level]('File watcher reported an error; watching goes on', {
      event: 'watcher.error',
      code: code ?? 'UNKNOWN',
      error: err.message,
    });
  }

  /** Keeps a background promise so stop() can wait for it; never lets it reject unhandled. */
  #track(promise: Promise<void>): Promise<void> {
    const guarded = promise.catch((e: unknown) => this.#onWatcherError(e));
    this.#pending.add(guarded);
    void guarded.finally(() => this.#pending.delete(guarded));
    return guarded;
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
