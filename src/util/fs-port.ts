import type { Stats } from 'node:fs';
import * as fsp from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

/**
 * The few file-system calls that claiming, archiving and the watcher make. Code takes a port
 * instead of importing `node:fs` so tests can make one real call fail with `EXDEV` or `EBUSY`
 * (Kysely's FileMigrationProvider takes `fs` the same way). The files themselves stay real.
 *
 * It lives in `util/` because both `watcher/` (claim) and `pipeline/` (archive) use it and may
 * not import each other; `pipeline/fs-port.ts` re-exports it.
 */
export interface FsPort {
  lstat(path: string): Promise<Stats>;
  stat(path: string): Promise<Stats>;
  readdir(path: string): Promise<string[]>;
  rename(from: string, to: string): Promise<void>;
  link(existingPath: string, newPath: string): Promise<void>;
  copyFile(source: string, destination: string, mode?: number): Promise<void>;
  open(path: string, flags: string, mode?: number): Promise<FileHandle>;
  unlink(path: string): Promise<void>;
  mkdir(
    path: string,
    options: { recursive: true },
  ): Promise<string | undefined>;
  utimes(path: string, atime: Date, mtime: Date): Promise<void>;
}

/** The real file system. */
export const NODE_FS_PORT: FsPort = Object.freeze({
  lstat: (path: string) => fsp.lstat(path),
  stat: (path: string) => fsp.stat(path),
  readdir: (path: string) => fsp.readdir(path),
  rename: (from: string, to: string) => fsp.rename(from, to),
  link: (existingPath: string, newPath: string) =>
    fsp.link(existingPath, newPath),
  copyFile: (source: string, destination: string, mode?: number) =>
    fsp.copyFile(source, destination, mode),
  open: (path: string, flags: string, mode?: number) =>
    fsp.open(path, flags, mode),
  unlink: (path: string) => fsp.unlink(path),
  mkdir: (path: string, options: { recursive: true }) =>
    fsp.mkdir(path, options),
  utimes: (path: string, atime: Date, mtime: Date) =>
    fsp.utimes(path, atime, mtime),
});

/**
 * fs error codes that mean "someone else holds the file right now" (Windows shares, an ERP
 * that still has it open, a virus scanner). Such a file is not ready yet, never broken.
 */
export const BUSY_FS_CODES: ReadonlySet<string> = new Set([
  'EBUSY',
  'EPERM',
  'EACCES',
  'ETXTBSY',
  'EAGAIN',
]);
