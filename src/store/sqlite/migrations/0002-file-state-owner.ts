import type { SqliteMigration } from '../sqlite-migrator.js';

/**
 * The instance that holds a claimed file, with `updated_at` as its heartbeat: several instances
 * on one exchange folder take a claim over only when its owner stopped touching it.
 */
export const fileStateOwner: SqliteMigration = {
  version: 2,
  name: 'file-state-owner',
  up(db) {
    db.exec('ALTER TABLE file_states ADD COLUMN owner TEXT');
  },
};
