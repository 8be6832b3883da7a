import type { StoreConfig } from '../config/app-config.js';
import type { Logger } from '../logging/logger.js';
import { SYSTEM_CLOCK } from '../util/clock.js';
import type { Clock } from '../util/clock.js';
import type { CustomerStore } from './customer-store.js';

export interface CreateStoreDeps {
  logger: Logger;
  /** Time source for the store's own timestamps. Default: the system clock. */
  clock?: Clock;
}

/**
 * Opens the configured store and brings its schema up to date. The only module that knows the
 * concrete back-ends; everything else sees the CustomerStore contract.
 *
 * Throws AppError: STORE_UNAVAILABLE (cannot open, locked beyond the busy timeout; retryable),
 * STORE_MIGRATION_FAILED.
 */
export async function createStore(
  config: StoreConfig,
  deps: CreateStoreDeps,
): Promise<CustomerStore> {
  const clock = deps.clock ?? SYSTEM_CLOCK;
  switch (config.type) {
    case 'sqlite': {
      // Each back-end (and its driver) is loaded only when configured: an import on SQLite does
      // not pay pg's memory and start-up time, and the other way round.
      const { SqliteCustomerStore } =
        await import('./sqlite/sqlite-customer-store.js');
      const { store, migration } = SqliteCustomerStore.open(config, { clock });
      if (migration.applied.length > 0) {
        deps.logger.info('Store schema migrated.', {
          event: 'store.migrated',
          store: 'sqlite',
          version: migration.version,
          applied: migration.applied.map((m) => `${m.version}-${m.name}`),
        });
      }
      return store;
    }
    case 'postgres': {
      const { PostgresCustomerStore } =
        await import('./postgres/postgres-customer-store.js');
      const { store, migration } = await PostgresCustomerStore.open(config, {
        clock,
      });
      if (migration.applied.length > 0) {
        deps.logger.info('Store schema migrated.', {
          event: 'store.migrated',
          store: 'postgres',
          schema: config.schema,
          version: migration.version,
          applied: migration.applied.map((m) => `${m.version}-${m.name}`),
        });
      }
      return store;
    }
    default: {
      const never: never = config;
      return never;
    }
  }
}
