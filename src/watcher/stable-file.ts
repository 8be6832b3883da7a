/**
 * A file that passed the stability gate (and, in marker mode, whose marker exists): what the
 * watcher hands to its consumer, and what `claimFile()` checks again before the rename.
 */
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
