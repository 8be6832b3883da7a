import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CustomerStore, FileStateEntry } from '../../../src/store/customer-store.js';
import { BACKENDS } from '../../helpers/backends.js';
import type { BackendDatabase } from '../../helpers/backends.js';

function fileState(id: string, overrides: Partial<FileStateEntry> = {}): FileStateEntry & { id: string } {
  return {
    id,
    job: 'erp',
    path: `/exchange/${id}.txt`,
    name: `${id}.txt`,
    state: 'waiting',
    sha256: null,
    sizeBytes: null,
    runId: null,
    detail: null,
    updatedAt: '2026-11-20T10:00:00.000Z',
    ...overrides,
  };
}

for (const backend of BACKENDS) {
  describe(`${backend.name}: file states`, () => {
    let db: BackendDatabase;
    let store: CustomerStore;

    beforeEach(async () => {
      db = await backend.create();
      store = db.store;
    });
    afterEach(async () => {
      await db.cleanup();
    });

    it('creates and replaces the state of a file by id', async () => {
      await store.saveFileState(fileState('a'));
      const claimed = fileState('a', {
        path: '/exchange/processing/a.txt',
        state: 'claimed',
        sha256: 'ab'.repeat(32),
        sizeBytes: 2048,
        runId: 7,
        detail: 'claimed as processing/a.txt',
        updatedAt: '2026-11-20T10:00:10.000Z',
      });
      await store.saveFileState(claimed);
      expect(await store.listFileStates({})).toEqual([claimed]);
    });

    it('filters by job and by states, oldest first', async () => {
      await store.saveFileState(fileState('c', { state: 'failed', updatedAt: '2026-11-20T10:00:03.000Z' }));
      await store.saveFileState(fileState('a', { state: 'waiting', updatedAt: '2026-11-20T10:00:01.000Z' }));
      await store.saveFileState(fileState('b', { state: 'not-ready', updatedAt: '2026-11-20T10:00:02.000Z' }));
      await store.saveFileState(fileState('d', { job: 'other', state: 'waiting' }));

      const ids = async (query: Parameters<CustomerStore['listFileStates']>[0]): Promise<string[]> =>
        (await store.listFileStates(query)).map((s) => s.id);
      expect(await ids({ job: 'erp' })).toEqual(['a', 'b', 'c']);
      expect(await ids({ job: 'erp', states: ['waiting', 'not-ready'] })).toEqual(['a', 'b']);
      expect(await ids({ states: ['waiting'] })).toEqual(['d', 'a']);
      expect(await ids({ states: [] })).toEqual([]);
      expect(await ids({ job: 'nobody' })).toEqual([]);
    });

    it('keeps file states across a reopen', async () => {
      await store.saveFileState(fileState('a', { state: 'archived', detail: 'moved to archive/a.txt' }));
      const reopened = await db.open();
      expect(await reopened.listFileStates({ job: 'erp' })).toMatchObject([{ id: 'a', state: 'archived' }]);
    });
  });
}
