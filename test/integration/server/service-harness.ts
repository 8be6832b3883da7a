import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppConfig } from '../../../src/config/app-config.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { loadFormats } from '../../../src/formats/load-formats.js';
import {
  CapturingLogger,
  type CapturedLine,
  type LogEvent,
} from '../../../src/logging/logger.js';
import { createNotifier } from '../../../src/notify/create-notifier.js';
import { createService, type Service } from '../../../src/server/service.js';
import { createStore } from '../../../src/store/create-store.js';
import type {
  CustomerStore,
  RunRecord,
} from '../../../src/store/customer-store.js';
import { writeTree } from '../../helpers/run-cli.js';
import { ERP_FORMAT_YAML } from '../../helpers/service-process.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

export { erpLines } from '../../helpers/service-process.js';

/**
 * The watch service in-process on a real project folder: a config file, a format definition,
 * an exchange folder and a SQLite file under os.tmpdir(). Tests drop files into `exchange` and
 * wait on the capturing logger's events, never on a fixed sleep.
 */

/** Both watch modes: SMB/NFS shares need polling, local folders use events. */
export const WATCH_MODES = [
  { label: 'events', polling: false },
  { label: 'polling', polling: true },
] as const;

/** Short stability window for the in-process tests, in seconds. */
export const TEST_STABILITY_SECONDS = 0.3;

export interface HarnessOptions {
  polling: boolean;
  /** Job pattern; default customers.txt. */
  pattern?: string | string[];
  stabilitySeconds?: number;
  marker?: { enabled: boolean; suffix?: string };
  retry?: {
    maxRetries: number;
    initialIntervalMs: number;
    maxIntervalMs: number;
  };
  /** Files to put into the exchange folder before the service starts. */
  before?: Record<string, string>;
  /** The job's format definition (id `erp-test`); default ERP_FORMAT_YAML. */
  formatYaml?: string;
  /** More settings of the watch job (e.g. matchExisting), laid over the defaults. */
  job?: Record<string, unknown>;
}

export interface ServiceHarness {
  root: string;
  exchange: string;
  config: AppConfig;
  logger: CapturingLogger;
  store: CustomerStore;
  readonly service: Service;
  /** Starts the service (resolves when files already there are being tracked). */
  start(): Promise<void>;
  /**
   * A new process's service on the same folder and store (what a restart does): stops the
   * current one if needed, then starts a fresh one, which runs start-up recovery.
   */
  restart(): Promise<void>;
  /** Resolves with the n-th (1-based) line with this event that matches, waiting if needed. */
  waitForEvent(
    event: LogEvent,
    match?: (line: CapturedLine) => boolean,
    count?: number,
    timeoutMs?: number,
  ): Promise<CapturedLine>;
  /** Lines with this event so far, optionally filtered. */
  events(
    event: LogEvent,
    match?: (line: CapturedLine) => boolean,
  ): CapturedLine[];
  /** Runs in the store, oldest first. */
  runs(): Promise<RunRecord[]>;
  /** Names in a folder of the exchange (archive, failed, processing), sorted; [] when missing. */
  list(folder: 'archive' | 'failed' | 'processing' | '.'): Promise<string[]>;
  /** Stops the service (if started), closes the store, removes the folder. */
  dispose(): Promise<void>;
}

export async function createServiceHarness(
  options: HarnessOptions,
): Promise<ServiceHarness> {
  const root = await makeTempDir('service-it-');
  const exchange = join(root, 'exchange');
  const retry = options.retry ?? {
    maxRetries: 3,
    initialIntervalMs: 100,
    maxIntervalMs: 400,
  };
  const job = {
    name: 'erp',
    folder: './exchange',
    pattern: options.pattern ?? 'customers.txt',
    format: 'erp-test',
    stabilitySeconds: options.stabilitySeconds ?? TEST_STABILITY_SECONDS,
    polling: options.polling,
    pollIntervalMs: 50,
    marker: options.marker ?? { enabled: false },
    ...options.job,
  };
  const configJson = {
    instanceName: 'test-instance',
    formatsDir: './formats',
    store: { type: 'sqlite', path: './data/customers.db', busyTimeoutMs: 5000 },
    logging: { level: 'debug', dir: './logs', file: false },
    retry,
    jobs: [job],
  };
  await writeTree(root, {
    'customer-import.config.json': JSON.stringify(configJson, null, 2),
    'formats/erp-test.yaml': options.formatYaml ?? ERP_FORMAT_YAML,
    'exchange/README.txt': 'not a customers file\n',
    ...Object.fromEntries(
      Object.entries(options.before ?? {}).map(([name, text]) => [
        `exchange/${name}`,
        text,
      ]),
    ),
  });

  const { config } = await loadConfig({
    cwd: root,
    configPath: 'customer-import.config.json',
    env: {},
  });
  const logger = new CapturingLogger();
  const formats = await loadFormats(config.formatsDir);
  const store = await createStore(config.store, { logger });
  const newService = (): Service =>
    createService(config, {
      store,
      formats,
      logger,
      notifier: createNotifier(config.notify, {
        logger,
        instance: 'test-instance',
      }),
    });
  let service = newService();
  let started = false;
  let disposed = false;

  const matching =
    (event: LogEvent, match?: (line: CapturedLine) => boolean) =>
    (line: CapturedLine) =>
      line.meta.event === event && (match === undefined || match(line));

  return {
    root,
    exchange,
    config,
    logger,
    store,
    get service() {
      return service;
    },
    async start() {
      started = true;
      await service.start();
    },
    async restart() {
      await service.stop(5000);
      service = newService();
      await service.start();
    },
    events(event, match) {
      return logger.lines.filter(matching(event, match));
    },
    async waitForEvent(event, match, count = 1, timeoutMs = 20_000) {
      const predicate = matching(event, match);
      let seen = 0;
      const line = await logger
        .waitFor((l) => predicate(l) && ++seen >= count, timeoutMs)
        .catch((e: unknown) => {
          const tail = logger.lines
            .slice(-15)
            .map(
              (l) =>
                `${l.level} ${l.meta.event ?? ''} ${l.message} ${String(l.meta['file'] ?? '')}`,
            )
            .join('\n  ');
          throw new Error(
            `${(e as Error).message}: event ${event} #${count}; last lines:\n  ${tail}`,
          );
        });
      return line;
    },
    async runs() {
      return (await store.listRuns({ limit: 1000 })).sort(
        (a, b) => a.id - b.id,
      );
    },
    async list(folder) {
      const path = folder === '.' ? exchange : join(exchange, folder);
      if (!existsSync(path)) {
        return [];
      }
      return (await readdir(path)).sort();
    },
    async dispose() {
      if (disposed) {
        return;
      }
      disposed = true;
      try {
        if (started) {
          await service.stop(5000);
        }
      } finally {
        await store.close();
        await rm(root, { recursive: true, force: true });
      }
    },
  };
}
