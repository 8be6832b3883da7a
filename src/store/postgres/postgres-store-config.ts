import type { z } from 'zod';
import type { PostgresStoreConfigSchema } from '../../config/app-config.js';

/** The resolved `store` config for PostgreSQL (url, schema, poolSize). */
export type PostgresStoreConfig = z.output<typeof PostgresStoreConfigSchema>;
