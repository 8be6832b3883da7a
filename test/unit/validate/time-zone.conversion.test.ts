import { describe, expect, it } from 'vitest';
import {
  createZoneConverter,
  isValidTimeZone,
  wallTimeToUtcMs,
  type WallTime,
} from '../../../src/validate/time-zone.js';

function wall(text: string): WallTime {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})$/.exec(text);
  if (m === null) {
    throw new Error(`bad test wall time ${text}`);
  }
  return {
    year: +m[1]!,
    month: +m[2]!,
    day: +m[3]!,
    hour: +m[4]!,
    minute: +m[5]!,
    second: 0,
    millisecond: 0,
  };
}

function instant(zone: string, text: string): string {
  return new Date(
    createZoneConverter(zone).toEpochMs(wall(text)),
  ).toISOString();
}

describe('wall time → instant with Intl', () => {
  it.each([
    ['America/New_York', '2026-03-08 01:59', '2026-03-08T06:59:00.000Z'],
    ['America/New_York', '2026-03-08 02:30', '2026-03-08T07:30:00.000Z'], // gap: 03:30 EDT
    ['America/New_York', '2026-03-08 03:00', '2026-03-08T07:00:00.000Z'],
    ['America/New_York', '2026-11-01 01:30', '2026-11-01T05:30:00.000Z'], // overlap: first (EDT)
    ['America/New_York', '2026-11-01 02:00', '2026-11-01T07:00:00.000Z'],
    ['Australia/Lord_Howe', '2026-04-05 01:45', '2026-04-04T14:45:00.000Z'], // half-hour DST, overlap
    ['Asia/Kolkata', '2026-01-15 12:00', '2026-01-15T06:30:00.000Z'],
    ['Pacific/Chatham', '2026-07-01 12:00', '2026-06-30T23:15:00.000Z'],
    ['UTC', '2026-03-29 02:30', '2026-03-29T02:30:00.000Z'],
    ['Europe/Berlin', '1996-03-31 02:30', '1996-03-31T01:30:00.000Z'], // gap in an older year
  ])('%s %s is %s', (zone, text, expected) => {
    expect(instant(zone, text)).toBe(expected);
  });

  it('gives the same answer for the same day whether the day cache is warm or cold', () => {
    const converter = createZoneConverter('Europe/Berlin');
    const first = converter.toEpochMs(wall('2026-10-25 02:30'));
    for (let i = 0; i < 3; i++) {
      expect(converter.toEpochMs(wall('2026-10-25 02:30'))).toBe(first);
    }
    expect(converter.offsetAt(Date.UTC(2026, 9, 25, 0, 59))).toBe(
      2 * 3_600_000,
    );
    expect(converter.offsetAt(Date.UTC(2026, 9, 25, 1, 0))).toBe(3_600_000);
  });

  it('knows IANA names and refuses others', () => {
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
  });

  it('reads years below 100 as themselves, not as 19xx', () => {
    expect(
      new Date(
        wallTimeToUtcMs({ ...wall('2026-01-01 00:00'), year: 33 }),
      ).toISOString(),
    ).toBe('0033-01-01T00:00:00.000Z');
  });
});
