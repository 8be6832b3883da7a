import { describe, expect, it } from 'vitest';
import {
  customerSearchText,
  diffFields,
  likePattern,
  mergeFields,
  planUpsert,
  recordRowHash,
  serializeData,
} from '../../../src/store/record-diff.js';
import type {
  StoredState,
  UpsertPlan,
} from '../../../src/store/record-diff.js';

/** What a store would hold after applying a plan (insert/update) for these fields. */
function storedAfter(plan: UpsertPlan): StoredState {
  if (plan.action === 'unchanged') {
    throw new Error('no write planned');
  }
  return {
    rowHash: plan.rowHash,
    contentHash: plan.contentHash,
    dataJson: plan.dataJson,
  };
}

describe('record-diff', () => {
  it('merges: values replace, null clears, absent keeps', () => {
    expect(
      mergeFields({ a: 1, b: 'x', c: true }, { a: 2, b: null, d: 'new' }),
    ).toEqual({ a: 2, c: true, d: 'new' });
  });

  it('diffs field by field, sorted, with undefined for a missing side', () => {
    expect(
      diffFields({ b: 1, a: 'x', z: false }, { a: 'x', b: 2, c: 'n' }),
    ).toEqual([
      { field: 'b', old: 1, new: 2 },
      { field: 'c', old: undefined, new: 'n' },
      { field: 'z', old: false, new: undefined },
    ]);
  });

  it('with a source row hash: keeps it as the row hash, hashes the data for the content, and settles the same row without a merge', () => {
    const options = { insertChanges: false };
    for (const fields of [
      { name: 'Alpha' },
      { name: 'Alpha', fax: null },
    ] as Record<string, string | null>[]) {
      const inserted = planUpsert(undefined, fields, options, 'row-1');
      expect(inserted).toMatchObject({
        action: 'insert',
        rowHash: 'row-1',
        // The content hash is the data's, whatever the row hash is.
        contentHash: storedAfter(planUpsert(undefined, { name: 'Alpha' }))
          .contentHash,
      });
    }
    const stored = storedAfter(
      planUpsert(undefined, { name: 'Alpha' }, options, 'row-1'),
    );
    // The same row: settled by its hash; the stored data is never read.
    expect(
      planUpsert(
        {
          ...stored,
          dataJson: () => {
            throw new Error('read the stored data');
          },
        },
        { name: 'Alpha' },
        options,
        'row-1',
      ),
    ).toEqual({ action: 'unchanged', rowHash: 'row-1', refreshRowHash: false });
    // Another row with the same content: compared by content, its hash is remembered.
    expect(planUpsert(stored, { name: 'Alpha' }, options, 'row-2')).toEqual({
      action: 'unchanged',
      rowHash: 'row-2',
      refreshRowHash: true,
    });
    expect(
      planUpsert(stored, { name: 'Beta' }, options, 'row-3'),
    ).toMatchObject({ action: 'update', rowHash: 'row-3' });
  });

  it('plans the same insert with a source row hash as without one, apart from the row hash', () => {
    const records: Record<string, string | number | null>[] = [
      { name: 'Alpha', city: 'Berlin' },
      { name: 'Alpha', fax: null, city: 'Berlin' },
      { name: 'x:null', b: 1 },
      { fax: null },
    ];
    for (const insertChanges of [false, true]) {
      for (const fields of records) {
        const own = planUpsert(undefined, fields, { insertChanges });
        const sourced = planUpsert(
          undefined,
          fields,
          { insertChanges },
          'row-1',
        );
        expect(sourced).toEqual({ ...own, rowHash: 'row-1' });
        expect(sourced).toMatchObject({ action: 'insert' });
        if (sourced.action === 'insert') {
          expect(Object.values(sourced.data)).not.toContain(null);
          expect(sourced.dataJson).toBe(serializeData(sourced.data));
        }
      }
    }
  });

  it('plans the same update with a source row hash as without one, apart from the row hash', () => {
    const stored = storedAfter(
      planUpsert(undefined, { name: 'Alpha', city: 'Berlin', fax: '1' }),
    );
    for (const fields of [
      { name: 'Beta' },
      { name: 'Alpha', fax: null },
      { city: 'Berlin' },
    ] as Record<string, string | null>[]) {
      const own = planUpsert(stored, fields, {});
      expect(planUpsert(stored, fields, {}, 'row-9')).toEqual({
        ...own,
        rowHash: 'row-9',
      });
    }
  });

  it('hashes records independently of key order, and null differently from absent', () => {
    expect(recordRowHash({ a: 1, b: 2 })).toBe(recordRowHash({ b: 2, a: 1 }));
    expect(recordRowHash({ a: 1, b: null })).not.toBe(recordRowHash({ a: 1 }));
    expect(recordRowHash({ a: 1 })).not.toBe(recordRowHash({ a: '1' }));
  });

  it('plans an insert without the null fields, with every field as a change', () => {
    const plan = planUpsert(undefined, { name: 'Alpha', fax: null });
    expect(plan).toMatchObject({
      action: 'insert',
      data: { name: 'Alpha' },
      dataJson: '{"name":"Alpha"}',
      changes: [{ field: 'name', old: undefined, new: 'Alpha' }],
    });
    // The content hash is that of the data, not of the row with its null.
    expect(storedAfter(plan).contentHash).toBe(
      storedAfter(planUpsert(undefined, { name: 'Alpha' })).contentHash,
    );
  });

  it('plans an insert without change list the same whether a value merely looks like a null or one is', () => {
    const options = { insertChanges: false };
    const text = planUpsert(undefined, { name: 'x:null', b: 1 }, options);
    expect(text).toMatchObject({
      action: 'insert',
      data: { b: 1, name: 'x:null' },
      dataJson: '{"b":1,"name":"x:null"}',
      changes: [],
    });
    expect(storedAfter(text).contentHash).toBe(text.rowHash);
    const cleared = planUpsert(undefined, { name: 'A', fax: null }, options);
    expect(cleared).toMatchObject({
      data: { name: 'A' },
      dataJson: '{"name":"A"}',
      changes: [],
    });
    expect(storedAfter(cleared).contentHash).not.toBe(cleared.rowHash);
  });

  it('settles the same row again by its row hash, without reading the stored data', () => {
    const stored = storedAfter(planUpsert(undefined, { name: 'Alpha' }));
    const plan = planUpsert(
      { ...stored, dataJson: 'not json: must not be parsed' },
      { name: 'Alpha' },
    );
    expect(plan).toEqual({
      action: 'unchanged',
      rowHash: stored.rowHash,
      refreshRowHash: false,
    });
  });

  it('reads stored data given as a function only when the row hash differs', () => {
    const stored = storedAfter(planUpsert(undefined, { name: 'Alpha' }));
    const json = stored.dataJson as string;
    let reads = 0;
    const lazy = {
      ...stored,
      dataJson: () => {
        reads++;
        return json;
      },
    };
    expect(planUpsert(lazy, { name: 'Alpha' }).action).toBe('unchanged');
    expect(reads).toBe(0);
    expect(planUpsert(lazy, { name: 'Beta' })).toMatchObject({
      action: 'update',
      changes: [{ field: 'name', old: 'Alpha', new: 'Beta' }],
    });
    expect(reads).toBe(1);
  });

  it('plans unchanged with a row-hash refresh when the row differs but the content does not', () => {
    const stored = storedAfter(
      planUpsert(undefined, { name: 'Alpha', city: 'Berlin' }),
    );
    const plan = planUpsert(stored, { name: 'Alpha', fax: null });
    expect(plan).toEqual({
      action: 'unchanged',
      rowHash: recordRowHash({ name: 'Alpha', fax: null }),
      refreshRowHash: true,
    });
  });

  it('plans an update with the merged data and its changes', () => {
    const stored = storedAfter(
      planUpsert(undefined, {
        name: 'Alpha',
        city: 'Berlin',
        email: 'a@example.com',
      }),
    );
    const plan = planUpsert(stored, { city: 'Hamburg', email: null });
    expect(plan).toMatchObject({
      action: 'update',
      data: { name: 'Alpha', city: 'Hamburg' },
      dataJson: serializeData({ city: 'Hamburg', name: 'Alpha' }),
      changes: [
        { field: 'city', old: 'Berlin', new: 'Hamburg' },
        { field: 'email', old: 'a@example.com', new: undefined },
      ],
    });
  });

  it('builds lower-cased search text and LIKE patterns with %, _ and \\ escaped', () => {
    expect(
      customerSearchText('K-1', {
        name: 'MÜLLER',
        email: 'A@B.example',
        city: 'Köln',
        phone: 'X',
      }),
    ).toBe('k-1\nmüller\na@b.example\nköln');
    expect(likePattern('100%_A\\b')).toBe('%100\\%\\_a\\\\b%');
  });
});
