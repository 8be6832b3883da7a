import type { AppConfig, WatchJob } from '../config/app-config.js';
import type { ImportedStatus } from '../domain/customer.js';
import type { CustomerClasses } from '../rules/class-defaults.js';
import type { SelectionRequest } from '../rules/selection.js';

/**
 * The settings of one import besides its file and format: the mode's point, a selection, and
 * the rules' config. The watch service builds them from the config and the job
 * ({@link importOptionsFor}); the CLI adds its flags on top. Every field is optional: an
 * absent one takes the documented default.
 */
export interface ImportOptions {
  /** changed-since point: last-transfer, anytime or a timestamp. Default: the format's, else last-transfer. */
  since?: string;
  /** Import only these customers of the file (--only-key / --only-email). */
  only?: SelectionRequest;
  /** Status of customers the run creates. Default active. */
  newStatus?: ImportedStatus;
  /** The config's customer classes (their default values). Default none. */
  customerClasses?: CustomerClasses;
  /** Class for rows without one; wins over the format's `customerClass`. */
  defaultClass?: string;
  /** rebuild guard, in percent of the source's active customers. Default 10. */
  maxDeactivatePercent?: number;
}

/** The options of a watch job (or, without a job, of the config alone: the CLI's base). */
export function importOptionsFor(
  config: AppConfig,
  job?: WatchJob,
): ImportOptions {
  const options: ImportOptions = {
    newStatus: job?.newStatus ?? config.newStatus,
    customerClasses: config.customerClasses,
    maxDeactivatePercent:
      job?.maxDeactivatePercent ?? config.rebuild.maxDeactivatePercent,
  };
  if (job?.since !== undefined) {
    options.since = job.since;
  }
  if (job?.customerClass !== undefined) {
    options.defaultClass = job.customerClass;
  }
  return options;
}
