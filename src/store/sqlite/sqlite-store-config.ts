import type { z } from 'zod';
import type { SqliteStoreConfigSchema } from '../../config/app-config.js';

/** The resolved `store` config for SQLite (path already resolved by load-config). */
export type SqliteStoreConfig = z.output<typeof SqliteStoreConfigSchema>;
