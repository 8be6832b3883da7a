import type { Clock } from '../util/clock.js';

/**
 * The stability gate's rules, with no I/O and no timers: the watcher feeds stat snapshots in,
 * the tracker says whether the file has stayed the same for the whole window.
 *
 * Why size AND mtime AND inode: size alone (chokidar's awaitWriteFinish) misses an ERP that
 * rewrites a file in place with the same length, and an ERP that deletes and re-creates the file
 * under the same name gives a new inode/file id with possibly equal size and mtime.
 * The window always starts at our own first observation, never at the file's mtime: clocks on
 * a share are not ours, and a file found at start-up may still be being written.
 */

/** What one `lstat` says about a file, reduced to what decides stability. */
export interface StatSnapshot {
  readonly size: number;
  readonly mtimeMs: number;
  readonly ino: number;
  readonly dev: number;
}

/** A snapshot, or `'missing'` when lstat said ENOENT. */
export type Observation = StatSnapshot | 'missing';

export const STABILITY_VERDICTS = ['waiting', 'stable', 'vanished'] as const;
export type StabilityVerdict = (typeof STABILITY_VERDICTS)[number];

export function snapshotOf(stats: {
  size: number;
  mtimeMs: number;
  ino: number;
  dev: number;
}): StatSnapshot {
  return {
    size: stats.size,
    mtimeMs: stats.mtimeMs,
    ino: stats.ino,
    dev: stats.dev,
  };
}

export function sameSnapshot(a: StatSnapshot, b: StatSnapshot): boolean {
  return (
    a.size === b.size &&
    a.mtimeMs === b.mtimeMs &&
    a.ino === b.ino &&
    a.dev === b.dev
  );
}

export class StabilityTracker {
  readonly #windowMs: number;
  readonly #clock: Clock;
  #last: StatSnapshot | null = null;
  #since = 0;

  constructor(windowMs: number, clock: Clock) {
    if (!(windowMs >= 0)) {
      throw new RangeError(`stability window must be >= 0 ms, got ${windowMs}`);
    }
    this.#windowMs = windowMs;
    this.#clock = clock;
  }

  /** The last snapshot seen, or null before the first one (and after the file vanished). */
  get snapshot(): StatSnapshot | null {
    return this.#last;
  }

  /**
   * Records one observation. A first or different snapshot (re)starts the window; the same
   * snapshot seen again once the window has passed makes the file stable. A missing file is
   * `vanished`, and the tracker forgets it: a later snapshot starts from scratch.
   */
  observe(observation: Observation): StabilityVerdict {
    const now = this.#clock.now();
    if (observation === 'missing') {
      this.#last = null;
      return 'vanished';
    }
    if (this.#last === null || !sameSnapshot(this.#last, observation)) {
      this.#last = observation;
      this.#since = now;
      // A zero window still needs a second look: one snapshot proves nothing about change.
      return 'waiting';
    }
    return now - this.#since >= this.#windowMs ? 'stable' : 'waiting';
  }

  /**
   * Restarts the window without a new snapshot: a file event is a hint that something changed,
   * even when a coarse mtime (FAT, SMB: 1–2 s) and an equal size do not show it yet.
   */
  restart(): void {
    this.#since = this.#clock.now();
  }

  /** Milliseconds until the file can be stable if nothing changes (0 when it could be now). */
  remainingMs(): number {
    if (this.#last === null) {
      return this.#windowMs;
    }
    return Math.max(0, this.#since + this.#windowMs - this.#clock.now());
  }
}
