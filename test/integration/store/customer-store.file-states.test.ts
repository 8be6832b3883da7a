import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  CustomerStore,
  FileStateEntry,
} from '../../../src/store/customer-store.js';
import { BACKENDS } from '../../helpers/backends.js';
import type { BackendDatabase } from '../../helpers/backends.js';

function fileState(
  id: string,
  overrides: Partial<FileStateEntry> = {},
): FileStateEntry & { id: string } {
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
      await store.saveFileState(
        fileState('c', {
          state: 'failed',
          updatedAt: '2026-11-20T10:00:03.000Z',
        }),
      );
      await store.saveFileState(
        fileState('a', {
          state: 'waiting',
          updatedAt: '2026-11-20T10:00:01.000Z',
        }),
      );
      await store.saveFileState(
        fileState('b', {
          state: 'not-ready',
          updatedAt: '2026-11-20T10:00:02.000Z',
        }),
      );
      await store.saveFileState(
        fileState('d', { job: 'other', state: 'waiting' }),
      );

      const ids = async (
        query: Parameters<CustomerStore['listFileStates']>[0],
      ): Promise<string[]> =>
        (await store.listFileStates(query)).map((s) => s.id);
      expect(await ids({ job: 'erp' })).toEqual(['a', 'b', 'c']);
      expect(
        await ids({ job: 'erp', states: ['waiting', 'not-ready'] }),
      ).toEqual(['a', 'b']);
      expect(await ids({ states: ['waiting'] })).toEqual(['d', 'a']);
      expect(await ids({ states: [] })).toEqual([]);
      expect(await ids({ job: 'nobody' })).toEqual([]);
    });

    it('touches only claims still held: owner and heartbeat time, never an end state', async () => {
      await store.saveFileState(fileState('a', { state: 'claimed' }));
      await store.saveFileState(
        fileState('b', { state: 'not-ready', detail: 'store down' }),
      );
      await store.saveFileState(fileState('c', { state: 'archived' }));
      expect(
        await store.touchFileStates(
          ['a', 'b', 'c', 'unknown'],
          'host-1',
          '2026-11-20T10:05:00.000Z',
        ),
      ).toBe(2);
      expect(
        await store.touchFileStates([], 'host-1', '2026-11-20T10:06:00.000Z'),
      ).toBe(0);

      const states = await store.listFileStates({ job: 'erp' });
      expect(
        states.map((s) => [s.id, s.state, s.owner, s.updatedAt, s.detail]),
      ).toEqual([
        ['c', 'archived', undefined, '2026-11-20T10:00:00.000Z', null],
        ['a', 'claimed', 'host-1', '2026-11-20T10:05:00.000Z', null],
        ['b', 'not-ready', 'host-1', '2026-11-20T10:05:00.000Z', 'store down'],
      ]);
      // A new state written by the service replaces the owner with its own (none: the claim ended).
      await store.saveFileState(
        fileState('a', {
          state: 'archived',
          updatedAt: '2026-11-20T10:07:00.000Z',
        }),
      );
      expect(
        (await store.listFileStates({ states: ['archived'] })).map((s) => [
          s.id,
          s.owner,
        ]),
      ).toEqual([
        ['c', undefined],
        ['a', undefined],
      ]);
    });

    it('keeps file states across a reopen', async () => {
      await store.saveFileState(
        fileState('a', { state: 'archived', detail: 'moved to archive/a.txt' }),
      );
      const reopened = await db.open();
      expect(await reopened.listFileStates({ job: 'erp' })).toMatchObject([
        { id: 'a', state: 'archived' },
      ]);
    });
  });
}
