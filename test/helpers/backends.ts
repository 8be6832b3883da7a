import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import type { StoreConfig } from '../../src/config/app-config.js';
import { NULL_LOGGER } from '../../src/logging/logger.js';
import type { Logger } from '../../src/logging/logger.js';
import { createStore } from '../../src/store/create-store.js';
import type { CustomerStore } from '../../src/store/customer-store.js';
import type { Clock } from '../../src/util/clock.js';
import { makeTempDir } from './temp-dir.js';

/**
 * The store back-ends the contract suite runs against (Kysely's DIALECTS). SQLite always;
 * PostgreSQL when TEST_DATABASE_URL is set. TEST_BACKENDS=sqlite,postgres narrows or demands.
 *
 *   for (const backend of BACKENDS) describe(`${backend.name}: upsert`, () => { … });
 */

export const BACKEND_NAMES = ['sqlite', 'postgres'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export interface StoreDeps {
  logger?: Logger;
  clock?: Clock;
}

/** A fresh, empty, migrated database for one test. */
export interface BackendDatabase {
  /** A store on the database, opened by `create()`. */
  store: CustomerStore;
  /** The config that opens this database (for child processes, or a second store). */
  config: StoreConfig;
  /** Opens one more store on the same database (another process's view); closed by cleanup. */
  open(deps?: StoreDeps): Promise<CustomerStore>;
  /** Closes every store opened here and removes the database. */
  cleanup(): Promise<void>;
}

export interface Backend {
  name: BackendName;
  create(deps?: StoreDeps): Promise<BackendDatabase>;
}

const sqliteBackend: Backend = {
  name: 'sqlite',
  async create(deps = {}) {
    // A real file, not :memory:, so WAL and locking behave as in production.
    const dir = await makeTempDir('customer-import-store-');
    const config: StoreConfig = {
      type: 'sqlite',
      path: join(dir, 'data', 'customers.db'),
      busyTimeoutMs: 2000,
    };
    return openDatabase(config, deps, () =>
      rm(dir, { recursive: true, force: true }),
    );
  },
};

const postgresBackend = (url: string): Backend => ({
  name: 'postgres',
  async create(deps = {}) {
    // A fresh schema per database, dropped in cleanup (graphile-worker uses a database per file).
    const schema = `test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA ${schema}`);
    } finally {
      await admin.end();
    }
    const config: StoreConfig = { type: 'postgres', url, schema, poolSize: 4 };
    const dropSchema = async (): Promise<void> => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await client.end();
      }
    };
    try {
      return await openDatabase(config, deps, dropSchema);
    } catch (e) {
      await dropSchema();
      throw e;
    }
  },
});

async function openDatabase(
  config: StoreConfig,
  deps: StoreDeps,
  removeDatabase: () => Promise<void>,
): Promise<BackendDatabase> {
  const opened: CustomerStore[] = [];
  const open = async (more: StoreDeps = {}): Promise<CustomerStore> => {
    const store = await createStore(config, {
      logger: more.logger ?? deps.logger ?? NULL_LOGGER,
      clock: more.clock ?? deps.clock,
    });
    opened.push(store);
    return store;
  };
  let store: CustomerStore;
  try {
    store = await open();
  } catch (e) {
    await removeDatabase();
    throw e;
  }
  return {
    store,
    config,
    open,
    async cleanup() {
      for (const s of opened.reverse()) {
        await s.close();
      }
      await removeDatabase();
    },
  };
}

function selectBackends(): Backend[] {
  // Test setup is the one place outside config/ that reads the environment.
  const url = process.env['TEST_DATABASE_URL'];
  const wanted = (process.env['TEST_BACKENDS'] ?? BACKEND_NAMES.join(','))
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const name of wanted) {
    if (!(BACKEND_NAMES as readonly string[]).includes(name)) {
      throw new Error(
        `TEST_BACKENDS names an unknown back-end "${name}" (known: ${BACKEND_NAMES.join(', ')})`,
      );
    }
  }
  const backends: Backend[] = [];
  if (wanted.includes('sqlite')) {
    backends.push(sqliteBackend);
  }
  if (wanted.includes('postgres')) {
    if (url !== undefined && url !== '') {
      backends.push(postgresBackend(url));
    } else if (process.env['TEST_BACKENDS'] !== undefined) {
      // Asked for explicitly (npm run test:pg): silently testing less would be a lie.
      throw new Error(
        'TEST_BACKENDS includes postgres, but TEST_DATABASE_URL is not set',
      );
    } else {
      console.warn(
        '\n*** PostgreSQL store tests are SKIPPED: TEST_DATABASE_URL is not set. ' +
          'Set it (e.g. postgres://user:pass@localhost:5432/test) to run the store suite against PostgreSQL. ***\n',
      );
    }
  }
  return backends;
}

export const BACKENDS: readonly Backend[] = selectBackends();
