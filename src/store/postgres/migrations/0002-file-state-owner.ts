import type { PostgresMigration } from '../postgres-migrator.js';

/**
 * The instance that holds a claimed file, with `updated_at` as its heartbeat: several instances
 * on one exchange folder take a claim over only when its owner stopped touching it.
 */
export const fileStateOwner: PostgresMigration = {
  version: 2,
  name: 'file-state-owner',
  sql: (s) => `ALTER TABLE ${s}.file_states ADD COLUMN owner text`,
};
