import { loadConfig, type LoadedConfig } from '../config/load-config.js';
import type { AppConfig } from '../config/app-config.js';
import { loadFormats, type FormatSet } from '../formats/load-formats.js';
import type { Logger } from '../logging/logger.js';
import { createWinstonLogger } from '../logging/winston.js';
import { createStore } from '../store/create-store.js';
import type { CustomerStore } from '../store/customer-store.js';
import type { CliIo } from './io.js';

/** Flags every command understands. */
export interface GlobalFlags {
  config?: string;
  verbose?: boolean;
  quiet?: boolean;
}

/**
 * What a command needs, built lazily (a `formats list` must not open the database) and
 * released once, in reverse order of acquisition (graphile-worker's releasers).
 */
export class CommandContext {
  readonly io: CliIo;
  readonly flags: GlobalFlags;
  #loaded: LoadedConfig | null = null;
  #logger: Logger | null = null;
  #formats: FormatSet | null = null;
  #store: CustomerStore | null = null;
  readonly #releasers: (() => Promise<void>)[] = [];

  constructor(io: CliIo, flags: GlobalFlags) {
    this.io = io;
    this.flags = flags;
  }

  async config(): Promise<AppConfig> {
    if (!this.#loaded) {
      this.#loaded = await loadConfig({
        cwd: this.io.cwd,
        env: this.io.env,
        ...(this.flags.config ? { configPath: this.flags.config } : {}),
      });
    }
    return this.#loaded.config;
  }

  /**
   * The logger: for one-shot commands only problems reach stderr (results go to stdout); the
   * service logs at the configured level. --verbose and --quiet override both.
   */
  async logger(mode: 'cli' | 'service' = 'cli'): Promise<Logger> {
    if (!this.#logger) {
      const config = await this.config();
      const level = this.flags.verbose
        ? 'debug'
        : this.flags.quiet
          ? 'error'
          : mode === 'service'
            ? config.logging.level
            : 'warn';
      const { logger, close } = createWinstonLogger(
        { ...config.logging, level },
        {
          mode,
          instance: config.instanceName ?? 'cli',
          stderrIsTty: this.io.stderr.isTTY,
        },
      );
      this.#releasers.push(close);
      this.#logger = logger;
    }
    return this.#logger;
  }

  async formats(): Promise<FormatSet> {
    if (!this.#formats) {
      this.#formats = await loadFormats((await this.config()).formatsDir);
    }
    return this.#formats;
  }

  async store(): Promise<CustomerStore> {
    if (!this.#store) {
      const config = await this.config();
      const store = await createStore(config.store, {
        logger: await this.logger(),
      });
      this.#releasers.push(() => store.close());
      this.#store = store;
    }
    return this.#store;
  }

  /** Releases everything acquired, newest first; keeps going after an error and rethrows the first. */
  async release(): Promise<void> {
    let first: unknown = null;
    for (const release of this.#releasers.reverse()) {
      try {
        await release();
      } catch (e) {
        first ??= e;
      }
    }
    this.#releasers.length = 0;
    if (first !== null) {
      throw first;
    }
  }
}
