import type { Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { AppError, coerceError, fsErrorCode } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import { SYSTEM_CLOCK, type Clock } from '../util/clock.js';
import { BUSY_FS_CODES, NODE_FS_PORT, type FsPort } from '../util/fs-port.js';
import {
  createNameFilter,
  type MarkerOptions,
  type NameFilter,
} from './name-filter.js';
import { StabilityGate, type HintReason } from './stability-gate.js';
import type { StableFile } from './stable-file.js';

export type { StableFile } from './stable-file.js';

/**
 * The watcher side of the exchange folder: a chokidar adapter. chokidar's events are only
 * *hints*: an event starts (or restarts) tracking a file, and from then on the stability gate
 * polls `lstat` itself until the file is stable. That way files found at start-up, shares that
 * send no events (SMB) and polling mode all pass the same gate; chokidar's awaitWriteFinish
 * (size only, not applied at start-up) is not used at all.
 *
 * A stable file is handed to `onStable` once and then stays *in flight* until the consumer calls
 * `release(path)`; only then is a new file at that path (the ERP's next drop) tracked.
 */

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
   * Our own folders (relative ones are resolved against `folder`); those directly inside
   * `folder` are skipped without a warning.
   * Default `<folder>/processing`, `<folder>/archive`, `<folder>/failed`.
   */
  ignoreDirs?: readonly string[] | undefined;
  /**
   * Lists the folder again at this interval, in ms, as a safety net for lost events (inotify
   * overflow, shares without notifications). 0 turns it off. Default 30000.
   */
  rescanIntervalMs?: number | undefined;
  /**
   * Called once per stable file. An empty file is handed on too (size 0): the consumer sends it
   * to failed/. Errors it throws (or rejects with) are logged, then the file is released.
   */
  onStable: (file: StableFile) => void;
  /** Called once when a matching file is first seen and starts waiting for the stability window. */
  onDetected?:
    ((file: { path: string; name: string; size: number }) => void) | undefined;
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
  /**
   * Files the watcher is still busy with: tracked until stable (a file waiting for its marker
   * included) or released with a back-off. Files in flight are the consumer's and not counted.
   */
  pendingCount(): number;
  /** @internal The chokidar instance, for tests that need to emit on it. */
  readonly fsWatcher: FSWatcher | null;
}

export const DEFAULT_RESCAN_INTERVAL_MS = 30_000;
const DEFAULT_RESERVED_DIRS = ['processing', 'archive', 'failed'];

export function createExchangeWatcher(
  options: ExchangeWatcherOptions,
  deps: ExchangeWatcherDeps,
): ExchangeWatcher {
  return new ChokidarExchangeWatcher(options, deps);
}

/** @internal Use {@link createExchangeWatcher}. */
export class ChokidarExchangeWatcher implements ExchangeWatcher {
  readonly #folder: string;
  readonly #options: ExchangeWatcherOptions;
  readonly #log: Logger;
  readonly #fs: FsPort;
  readonly #filter: NameFilter;
  readonly #ignoredDirPaths: ReadonlySet<string>;
  readonly #gate: StabilityGate;
  #watcher: FSWatcher | null = null;
  #rescanTimer: NodeJS.Timeout | null = null;
  #started = false;
  #stopped = false;

  constructor(options: ExchangeWatcherOptions, deps: ExchangeWatcherDeps) {
    const markerName =
      options.marker?.enabled === true ? options.marker.name : undefined;
    if (
      markerName !== undefined &&
      (markerName !== basename(markerName) ||
        markerName === '..' ||
        markerName === '.')
    ) {
      throw new AppError(
        'CONFIG_INVALID',
        `Marker name '${markerName}' must be a plain file name inside the watched folder`,
      );
    }
    this.#folder = resolve(options.folder);
    this.#options = options;
    this.#log = deps.logger.child({ folder: this.#folder });
    this.#fs = deps.fs ?? NODE_FS_PORT;
    const ignoreDirs = (options.ignoreDirs ?? DEFAULT_RESERVED_DIRS).map((d) =>
      resolve(this.#folder, d),
    );
    this.#ignoredDirPaths = new Set(ignoreDirs);
    this.#filter = createNameFilter({
      patterns:
        typeof options.patterns === 'string'
          ? [options.patterns]
          : options.patterns,
      marker: options.marker,
      reservedNames: ignoreDirs
        .filter((d) => dirname(d) === this.#folder)
        .map((d) => basename(d)),
    });
    this.#gate = new StabilityGate(
      {
        stabilityMs: options.stabilityMs,
        markerPathFor: (path) => {
          const markerName = this.#filter.markerNameFor(basename(path));
          return markerName === null ? null : join(this.#folder, markerName);
        },
        onStable: options.onStable,
        onDetected: options.onDetected,
      },
      { logger: this.#log, clock: deps.clock ?? SYSTEM_CLOCK, fs: this.#fs },
    );
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
      // chokidar silently drops files without the owner read bit (a drop written with mode
      // 000/0200); we want events for them too: the gate and the pipeline report them as not ready.
      ignorePermissionErrors: true,
      usePolling: this.#options.polling,
      interval,
      binaryInterval: interval,
      ignored: (path: string) => this.#ignoredDirPaths.has(resolve(path)),
    });
    this.#watcher = watcher;
    // The first listener: an 'error' event without one would throw and end the process.
    watcher.on('error', (e: unknown) => this.#onWatcherError(e));
    const ready = new Promise<void>((resolveReady) =>
      watcher.once('ready', () => resolveReady()),
    );
    watcher.on('add', (path: string) => void this.#hint(path, 'event'));
    watcher.on('change', (path: string) => void this.#hint(path, 'event'));
    watcher.on('addDir', (path: string) => void this.#hint(path, 'event'));
    watcher.on('unlink', (path: string) => void this.#hint(path, 'unlink'));
    watcher.on('unlinkDir', (path: string) => void this.#hint(path, 'unlink'));
    await ready;
    // Our own listing as well: every entry goes through lstat (chokidar may skip FIFOs and
    // sockets), and start() can promise that every file already there is being tracked.
    await this.#scan();
    const rescanMs =
      this.#options.rescanIntervalMs ?? DEFAULT_RESCAN_INTERVAL_MS;
    if (rescanMs > 0 && !this.#stopped) {
      this.#rescanTimer = setInterval(
        () => void this.#gate.track(this.#scan()),
        rescanMs,
      );
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#rescanTimer !== null) {
      clearInterval(this.#rescanTimer);
      this.#rescanTimer = null;
    }
    const watcher = this.#watcher;
    this.#watcher = null;
    await watcher?.close();
    await this.#gate.stop();
  }

  release(path: string, options: ReleaseOptions = {}): void {
    this.#gate.release(resolve(path), options.retryInMs ?? 0);
  }

  pendingCount(): number {
    return this.#gate.pendingCount();
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
      throw new AppError(
        'CONFIG_INVALID',
        `Exchange folder '${this.#folder}' is not a directory; fix the job's folder`,
      );
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
    await Promise.all(
      names.map((name) => this.#hint(join(this.#folder, name), 'scan')),
    );
  }

  /** Routes a hint about any entry of the folder: data files go to the gate, markers wake their data file. */
  #hint(path: string, reason: HintReason): Promise<void> {
    const absolute = resolve(path);
    if (this.#stopped || dirname(absolute) !== this.#folder) {
      return Promise.resolve();
    }
    const name = basename(absolute);
    const nameClass = this.#filter.classify(name);
    switch (nameClass) {
      case 'data':
        return this.#gate.hint(absolute, reason);
      case 'marker': {
        if (reason === 'scan') {
          return Promise.resolve();
        }
        // A marker came or went: look at its data file now instead of at the next poll.
        const dataName = this.#filter.dataNameFor(name);
        return dataName === null
          ? this.#gate.track(this.#scan())
          : this.#gate.hint(join(this.#folder, dataName), 'release');
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
  }

  #onWatcherError(e: unknown): void {
    const err = coerceError(e);
    const code = fsErrorCode(err);
    const level =
      code !== undefined && BUSY_FS_CODES.has(code) ? 'warn' : 'error';
    this.#log[level]('File watcher reported an error; watching goes on', {
      event: 'watcher.error',
      code: code ?? 'UNKNOWN',
      error: err.message,
    });
  }
}
