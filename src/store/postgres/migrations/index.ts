import type { PostgresMigration } from '../postgres-migrator.js';
import { initialSchema } from './0001-initial-schema.js';
import { fileStateOwner } from './0002-file-state-owner.js';
import { entitiesAndMatching } from './0003-entities-and-matching.js';
import { importRules } from './0004-import-rules.js';
import { derivedInsertHistory } from './0005-derived-insert-history.js';
import { dropStatusIndex } from './0006-drop-status-index.js';
import { dropSourceStatusIndex } from './0007-drop-source-status-index.js';

/**
 * Every PostgreSQL migration, oldest first. Append only: a released migration is never edited,
 * renumbered or removed, because databases out there have recorded it in schema_migrations.
 * Versions match the SQLite migrations of the same logical change.
 */
export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  initialSchema,
  fileStateOwner,
  entitiesAndMatching,
  importRules,
  derivedInsertHistory,
  dropStatusIndex,
  dropSourceStatusIndex,
];
