import { describe, expect, it } from 'vitest';
import {
  restoreInsertedChanges,
  type HistoryChanges,
} from '../../../src/store/record-diff.js';

/** History as a store reads it: newest first. */
function entry(
  operation: string,
  changes: HistoryChanges['changes'] = [],
): HistoryChanges {
  return { operation, changes };
}

describe('restoreInsertedChanges', () => {
  it('gives an insert stored without fields the fields of the current data when nothing changed since', () => {
    const [inserted] = restoreInsertedChanges(
      { name: 'Alpha', city: 'Berlin' },
      [entry('inserted')],
    );
    expect(inserted?.changes).toEqual([
      { field: 'city', old: undefined, new: 'Berlin' },
      { field: 'name', old: undefined, new: 'Alpha' },
    ]);
  });

  it('undoes the later updates, newest first, to arrive at the first version', () => {
    const history = [
      // newest: city set again, email cleared, status change (no data field)
      entry('updated', [
        { field: 'city', old: 'Bonn', new: 'Köln' },
        { field: 'email', old: 'b@example.com', new: undefined },
        { field: 'status', old: 'active', new: 'blocked' },
      ]),
      entry('updated', [
        { field: 'city', old: 'Berlin', new: 'Bonn' },
        { field: 'email', old: 'a@example.com', new: 'b@example.com' },
        { field: 'vatId', old: undefined, new: 'DE1' },
      ]),
      entry('inserted'),
    ];
    const restored = restoreInsertedChanges(
      { name: 'Alpha', city: 'Köln', vatId: 'DE1' },
      history,
    );
    expect(restored[2]?.changes).toEqual([
      { field: 'city', old: undefined, new: 'Berlin' },
      { field: 'email', old: undefined, new: 'a@example.com' },
      { field: 'name', old: undefined, new: 'Alpha' },
    ]);
    // The other entries are returned as they are, and the input is not changed.
    expect(restored[0]).toBe(history[0]);
    expect(history[2]?.changes).toEqual([]);
  });

  it('keeps an insert whose fields were stored (written before inserts were stored slim)', () => {
    const stored = entry('inserted', [
      { field: 'name', old: undefined, new: 'Old' },
    ]);
    expect(
      restoreInsertedChanges({ name: 'New' }, [
        entry('updated', [{ field: 'name', old: 'Old', new: 'New' }]),
        stored,
      ])[1],
    ).toBe(stored);
  });
});
