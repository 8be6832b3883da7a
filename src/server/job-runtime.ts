import type { WatchJob } from '../config/app-config.js';
import type { ClaimedFile } from '../watcher/claim.js';
import type { ExchangeWatcher } from '../watcher/exchange-watcher.js';

/** A watch job with its folders (load-config resolved and defaulted them) and its watcher. */
export interface JobRuntime {
  job: WatchJob;
  processingDir: string;
  archiveDir: string;
  failedDir: string;
  watcher: ExchangeWatcher | null;
}

/** A claimed file waiting in (or taken from) the service's queue. */
export interface QueueItem {
  runtime: JobRuntime;
  claimed: ClaimedFile;
  /** Runs tried so far that were deferred (busy file, store down). */
  attempts: number;
}

export function createJobRuntime(job: WatchJob): JobRuntime {
  return {
    job,
    processingDir: job.processingDir ?? `${job.folder}/processing`,
    archiveDir: job.archiveDir ?? `${job.folder}/archive`,
    failedDir: job.failedDir ?? `${job.folder}/failed`,
    watcher: null,
  };
}
