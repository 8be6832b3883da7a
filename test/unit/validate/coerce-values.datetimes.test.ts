import { describe, expect, it } from 'vitest';
import {
  FormatDefinitionSchema,
  type FormatDefinitionInput,
} from '../../../src/formats/format-definition.js';
import {
  coerceCell,
  type CoerceResult,
} from '../../../src/validate/coerce-values.js';
import type { Cell } from '../../../src/parse/parser.js';

function coerce(
  cell: Cell,
  column: Record<string, unknown> = {},
  formatOptions: Partial<FormatDefinitionInput> = {},
  defaultTimeZone = 'Europe/Berlin',
): CoerceResult {
  const format = FormatDefinitionSchema.parse({
    type: 'delimited',
    id: 'times',
    columns: [
      { field: 'customerNo', source: 'Nr.', required: true },
      {
        field: 'lastModified',
        source: 'Geändert',
        type: 'datetime',
        ...column,
      },
    ],
    ...formatOptions,
  });
  const target = format.columns[1];
  if (target === undefined) {
    throw new Error('column missing');
  }
  return coerceCell(cell, target, format, { defaultTimeZone });
}

const US_BERLIN = {
  dateTimeFormat: 'MM/dd/yyyy HH:mm',
  timeZone: 'Europe/Berlin',
};

describe('datetime columns with a pattern, read in the column time zone', () => {
  it('reads winter time as UTC+1 and summer time as UTC+2', () => {
    expect(coerce('11/21/2026 14:05', US_BERLIN)).toEqual({
      ok: true,
      value: '2026-11-21T13:05:00.000Z',
    });
    expect(coerce('07/01/2026 14:05', US_BERLIN)).toEqual({
      ok: true,
      value: '2026-07-01T12:05:00.000Z',
    });
  });

  it('is correct on both sides of the spring-forward switch (29 March 2026, 02:00 → 03:00)', () => {
    expect(coerce('03/29/2026 01:59', US_BERLIN)).toEqual({
      ok: true,
      value: '2026-03-29T00:59:00.000Z',
    });
    expect(coerce('03/29/2026 03:00', US_BERLIN)).toEqual({
      ok: true,
      value: '2026-03-29T01:00:00.000Z',
    });
    expect(coerce('03/29/2026 03:01', US_BERLIN)).toEqual({
      ok: true,
      value: '2026-03-29T01:01:00.000Z',
    });
  });

  it('moves a wall time inside the spring gap forward by the gap (02:30 → 03:30 CEST)', () => {
    expect(coerce('03/29/2026 02:30', US_BERLIN)).toEqual({
      ok: true,
      value: '2026-03-29T01:30:00.000Z',
    });
  });

  it('takes the earlier instant for a wall time that happens twice (25 October 2026, 02:30)', () => {
    expect(coerce('10/25/2026 01:59', US_BERLIN)).toEqual({
      ok: true,
      value: '2026-10-24T23:59:00.000Z',
    });
    expect(coerce('10/25/2026 02:30', US_BERLIN)).toEqual({
      ok: true,
      value: '2026-10-25T00:30:00.000Z',
    });
    expect(coerce('10/25/2026 03:00', US_BERLIN)).toEqual({
      ok: true,
      value: '2026-10-25T02:00:00.000Z',
    });
  });

  it('uses the format zone, then the default zone passed in', () => {
    const pattern = { dateTimeFormat: 'dd.MM.yyyy HH:mm:ss' };
    expect(
      coerce('21.11.2026 14:05:30', pattern, { timeZone: 'America/New_York' }),
    ).toEqual({
      ok: true,
      value: '2026-11-21T19:05:30.000Z',
    });
    expect(coerce('21.11.2026 14:05:30', pattern, {}, 'Asia/Tokyo')).toEqual({
      ok: true,
      value: '2026-11-21T05:05:30.000Z',
    });
    expect(coerce('21.11.2026 14:05:30', pattern, {}, 'UTC')).toEqual({
      ok: true,
      value: '2026-11-21T14:05:30.000Z',
    });
  });

  it('reads milliseconds and single-digit hours', () => {
    expect(
      coerce(
        '21.11.2026 9:05:30.250',
        { dateTimeFormat: 'dd.MM.yyyy H:mm:ss.SSS' },
        {},
        'UTC',
      ),
    ).toEqual({
      ok: true,
      value: '2026-11-21T09:05:30.250Z',
    });
  });

  it('rejects impossible times and names the expected pattern', () => {
    expect(coerce('11/21/2026 24:00', US_BERLIN)).toEqual({
      ok: false,
      code: 'INVALID_DATETIME',
      message:
        "'11/21/2026 24:00' is not a valid date and time (expected MM/dd/yyyy HH:mm)",
    });
    expect(coerce('02/29/2025 10:00', US_BERLIN)).toMatchObject({
      ok: false,
      code: 'INVALID_DATETIME',
    });
    expect(coerce('11/21/2026 12:60', US_BERLIN)).toMatchObject({
      ok: false,
      code: 'INVALID_DATETIME',
    });
  });

  it('refuses an unknown default time zone as a configuration error', () => {
    expect(() =>
      coerce('2026-11-21T14:05', {}, {}, 'Mars/Olympus'),
    ).toThrowError(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});

describe('datetime columns in ISO form', () => {
  it.each([
    ['2026-11-21T14:05:00+01:00', '2026-11-21T13:05:00.000Z'],
    ['2026-11-21T14:05:00Z', '2026-11-21T14:05:00.000Z'],
    ['2026-11-21T14:05:00.123456789-05:00', '2026-11-21T19:05:00.123Z'],
    ['2026-11-21 14:05+0530', '2026-11-21T08:35:00.000Z'],
    ['2026-11-21T14:05:00+01', '2026-11-21T13:05:00.000Z'],
    ['2026-11-21t14:05:00z', '2026-11-21T14:05:00.000Z'],
  ])('honours the offset in %s', (text, expected) => {
    // The column zone must not matter when the text carries an offset.
    expect(coerce(text, { timeZone: 'Asia/Tokyo' })).toEqual({
      ok: true,
      value: expected,
    });
  });

  it('reads values without offset in the zone, across DST', () => {
    expect(coerce('2026-11-21T14:05:00')).toEqual({
      ok: true,
      value: '2026-11-21T13:05:00.000Z',
    });
    expect(coerce('2026-07-01 14:05')).toEqual({
      ok: true,
      value: '2026-07-01T12:05:00.000Z',
    });
    expect(coerce('2026-07-01')).toEqual({
      ok: true,
      value: '2026-06-30T22:00:00.000Z',
    });
  });

  it.each([
    '2026-11-21T14:05:00+25:00',
    '2026-13-01T00:00',
    '2026-11-21T14',
    '21.11.2026 14:05',
    '2026-11-21Z',
  ])('rejects %j', (text) => {
    expect(coerce(text)).toMatchObject({ ok: false, code: 'INVALID_DATETIME' });
  });
});

describe('datetime columns with spreadsheet Date cells', () => {
  it('reads the UTC components as the wall time and applies the column zone', () => {
    const cell = new Date(Date.UTC(2026, 10, 21, 14, 5));
    expect(coerce(cell, { timeZone: 'Europe/Berlin' })).toEqual({
      ok: true,
      value: '2026-11-21T13:05:00.000Z',
    });
    expect(coerce(cell, { timeZone: 'UTC' })).toEqual({
      ok: true,
      value: '2026-11-21T14:05:00.000Z',
    });
  });
});
