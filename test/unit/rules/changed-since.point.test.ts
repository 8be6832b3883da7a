import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors.js';
import {
  NewestLastModified,
  lastModifiedMs,
  parseSinceTimestamp,
} from '../../../src/rules/changed-since.js';
import { createSelection } from '../../../src/rules/selection.js';
import { deactivationRefusal } from '../../../src/rules/deactivation-guard.js';
import { createZoneConverter } from '../../../src/validate/time-zone.js';

const berlin = createZoneConverter('Europe/Berlin');
const wall = (w: Parameters<typeof berlin.toEpochMs>[0]): number =>
  berlin.toEpochMs(w);

describe('changed-since point', () => {
  it('reads a timestamp without offset in the given zone, and one with an offset as an instant', () => {
    expect(
      new Date(parseSinceTimestamp('2026-11-01T00:00', wall)).toISOString(),
    ).toBe('2026-10-31T23:00:00.000Z');
    expect(
      new Date(parseSinceTimestamp('2026-07-01', wall)).toISOString(),
    ).toBe('2026-06-30T22:00:00.000Z');
    expect(
      new Date(
        parseSinceTimestamp('2026-11-01T00:00:00+02:00', wall),
      ).toISOString(),
    ).toBe('2026-10-31T22:00:00.000Z');
    expect(
      new Date(
        parseSinceTimestamp('2026-11-01T00:00:00.5Z', wall),
      ).toISOString(),
    ).toBe('2026-11-01T00:00:00.500Z');
  });

  it('rejects what is no point in time', () => {
    expect(() => parseSinceTimestamp('yesterday', wall)).toThrow(AppError);
    expect(() => parseSinceTimestamp('2026-02-30T00:00', wall)).toThrow(
      /not a valid date/,
    );
  });

  it('keeps the newest last-modified value as stored text', () => {
    const newest = new NewestLastModified();
    newest.see('2026-11-02T10:00:00.000Z');
    newest.see('2026-11-02T11:30:00.000+02:00');
    newest.see(undefined);
    newest.see('not a time');
    expect(newest.value).toBe('2026-11-02T10:00:00.000Z');
    expect(lastModifiedMs(null)).toBeNull();
  });
});

describe('selection and guard texts', () => {
  it('selects by key and normalised e-mail and reports what it did not find', () => {
    const selection = createSelection({
      keys: ['K1', 'K9'],
      emails: [' Ann@Example.com', 'x@y.z'],
    });
    expect(selection?.matches('K1', {})).toBe(true);
    expect(selection?.matches('K2', { email: 'ann@example.COM' })).toBe(true);
    expect(selection?.matches('K3', { email: 'other@example.com' })).toBe(
      false,
    );
    expect(selection?.notFound()).toEqual(['K9', 'x@y.z']);
    expect(createSelection({ keys: [' '], emails: [] })).toBeNull();
  });

  it('says how many would go, of how many, and the limit', () => {
    expect(deactivationRefusal(412, 1000, 'erp', 10)).toBe(
      "would deactivate 412 of 1 000 active customers of source 'erp' (41 %), more than the allowed 10 %",
    );
    expect(deactivationRefusal(1_234_567, 2_000_000, 'a', 5)).toContain(
      '1 234 567 of 2 000 000',
    );
  });
});
