import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CapturingLogger } from '../../../src/logging/logger.js';
import { BACKENDS } from '../../helpers/backends.js';
import type { BackendDatabase } from '../../helpers/backends.js';
import { importRun, record } from './store-fixtures.js';

for (const backend of BACKENDS) {
  describe(`${backend.name}: migrations`, () => {
    let db: BackendDatabase;
    let logger: CapturingLogger;

    beforeEach(async () => {
      logger = new CapturingLogger();
      db = await backend.create({ logger });
    });
    afterEach(async () => {
      await db.cleanup();
    });

    it('migrates a new database once and logs store.migrated', () => {
      const migrated = logger.events('store.migrated');
      expect(migrated).toHaveLength(1);
      expect(migrated[0]?.meta).toMatchObject({
        version: expect.any(Number),
        applied: expect.any(Array),
      });
    });

    it('does nothing when the schema is current: same data, no store.migrated', async () => {
      const { runId } = await importRun(db.store, [
        [record('K1', { name: 'Alpha' })],
      ]);
      const again = new CapturingLogger();
      const reopened = await db.open({ logger: again });
      expect(again.events('store.migrated')).toEqual([]);
      expect(await reopened.countCustomers()).toBe(1);
      expect(await reopened.getRun(runId ?? -1)).toMatchObject({
        status: 'succeeded',
      });
      // And it still works for writing.
      await importRun(reopened, [[record('K2', { name: 'Beta' })]], {
        content: 'file-b',
      });
      expect(await db.store.countCustomers()).toBe(2);
    });
  });
}
