import { rm } from 'node:fs/promises';
import { CapturingLogger } from '../../../src/logging/logger.js';
import type { FsPort } from '../../../src/util/fs-port.js';
import {
  createExchangeWatcher,
  type ExchangeWatcher,
  type ExchangeWatcherOptions,
  type StableFile,
} from '../../../src/watcher/exchange-watcher.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

/** Both watch modes, like chokidar's own suite: SMB shares often need polling. */
export const WATCH_MODES = [
  { label: 'events', polling: false },
  { label: 'polling', polling: true },
] as const;

export const STABILITY_MS = 300;

export interface Emitted extends StableFile {
  /** Date.now() when onStable was called. */
  at: number;
}

export interface WatcherHarness {
  folder: string;
  logger: CapturingLogger;
  emitted: Emitted[];
  watcher: ExchangeWatcher;
  dispose(): Promise<void>;
}

/** A fresh exchange folder under os.tmpdir() and a watcher on it (not started yet). */
export async function createHarness(
  polling: boolean,
  overrides: Partial<Omit<ExchangeWatcherOptions, 'folder' | 'onStable'>> = {},
  fs?: FsPort,
): Promise<WatcherHarness> {
  const folder = await makeTempDir('watcher-it-');
  const logger = new CapturingLogger();
  const emitted: Emitted[] = [];
  const watcher = createExchangeWatcher(
    {
      folder,
      patterns: ['customers*.txt'],
      stabilityMs: STABILITY_MS,
      polling,
      pollIntervalMs: 50,
      rescanIntervalMs: 0,
      ...overrides,
      onStable: (file) => emitted.push({ ...file, at: Date.now() }),
    },
    { logger, fs },
  );
  let disposed = false;
  return {
    folder,
    logger,
    emitted,
    watcher,
    dispose: async () => {
      if (disposed) {
        return;
      }
      disposed = true;
      await watcher.stop();
      await rm(folder, { recursive: true, force: true });
    },
  };
}
