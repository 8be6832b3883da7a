import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  FormatDefinitionSchema,
  type FormatDefinitionInput,
} from '../../../src/formats/format-definition.js';
import {
  coerceCell,
  createCellCoercer,
  type CoerceResult,
} from '../../../src/validate/coerce-values.js';
import type { Cell } from '../../../src/parse/parser.js';

function setup(
  column: Record<string, unknown> = {},
  formatOptions: Partial<FormatDefinitionInput> = {},
) {
  const format = FormatDefinitionSchema.parse({
    type: 'delimited',
    id: 'dates',
    columns: [
      { field: 'customerNo', source: 'Nr.', required: true },
      { field: 'birthDate', source: 'Geburtstag', type: 'date', ...column },
    ],
    ...formatOptions,
  });
  const target = format.columns[1];
  if (target === undefined) {
    throw new Error('column missing');
  }
  return { format, column: target };
}

function coerce(
  cell: Cell,
  column: Record<string, unknown> = {},
  formatOptions: Partial<FormatDefinitionInput> = {},
): CoerceResult {
  const { format, column: target } = setup(column, formatOptions);
  return coerceCell(cell, target, format, { defaultTimeZone: 'Europe/Berlin' });
}

const DE = { dateFormat: 'dd.MM.yyyy' };

describe('date columns with a pattern', () => {
  it.each([
    ['21.11.2026', '2026-11-21'],
    ['01.01.1970', '1970-01-01'],
    [' 31.12.1999 ', '1999-12-31'],
  ])('reads %j with dd.MM.yyyy as %s', (text, expected) => {
    expect(coerce(text, DE)).toEqual({ ok: true, value: expected });
  });

  it('reads 29.02 in leap years and rejects it in other years', () => {
    expect(coerce('29.02.2024', DE)).toEqual({ ok: true, value: '2024-02-29' });
    expect(coerce('29.02.2000', DE)).toEqual({ ok: true, value: '2000-02-29' });
    expect(coerce('29.02.2023', DE)).toMatchObject({
      ok: false,
      code: 'INVALID_DATE',
    });
    expect(coerce('29.02.1900', DE)).toMatchObject({
      ok: false,
      code: 'INVALID_DATE',
    });
  });

  it('names the value and the expected pattern in the message', () => {
    expect(coerce('31.02.2024', DE)).toEqual({
      ok: false,
      code: 'INVALID_DATE',
      message: "'31.02.2024' is not a valid date (expected dd.MM.yyyy)",
    });
  });

  it.each([
    '32.01.2024',
    '00.01.2024',
    '15.13.2024',
    '1.2.2024',
    '2024-01-15',
    '15.01.24',
    '15.01.2024x',
    '31.04.2024',
  ])('rejects %j with dd.MM.yyyy', (text) => {
    expect(coerce(text, DE)).toMatchObject({ ok: false, code: 'INVALID_DATE' });
  });

  it('reads MM/dd/yyyy, single-letter tokens, two-digit years and compact patterns', () => {
    expect(coerce('11/21/2026', { dateFormat: 'MM/dd/yyyy' })).toEqual({
      ok: true,
      value: '2026-11-21',
    });
    expect(coerce('1.2.2024', { dateFormat: 'd.M.yyyy' })).toEqual({
      ok: true,
      value: '2024-02-01',
    });
    expect(coerce('01.02.68', { dateFormat: 'dd.MM.yy' })).toEqual({
      ok: true,
      value: '2068-02-01',
    });
    expect(coerce('01.02.69', { dateFormat: 'dd.MM.yy' })).toEqual({
      ok: true,
      value: '1969-02-01',
    });
    expect(coerce('20240229', { dateFormat: 'yyyyMMdd' })).toEqual({
      ok: true,
      value: '2024-02-29',
    });
    expect(coerce(20240229, { dateFormat: 'yyyyMMdd' })).toEqual({
      ok: true,
      value: '2024-02-29',
    });
    expect(
      coerce('21.11.2026 um 14:05', { dateFormat: "dd.MM.yyyy 'um' HH:mm" }),
    ).toEqual({ ok: true, value: '2026-11-21' });
    expect(coerce("21'11'2026", { dateFormat: "dd''MM''yyyy" })).toEqual({
      ok: true,
      value: '2026-11-21',
    });
  });

  it('takes the pattern from the format when the column has none', () => {
    expect(coerce('11/21/2026', {}, { dateFormat: 'MM/dd/yyyy' })).toEqual({
      ok: true,
      value: '2026-11-21',
    });
  });

  it('ignores the time of day of a date pattern that has one', () => {
    expect(
      coerce('21.11.2026 23:59', { dateFormat: 'dd.MM.yyyy HH:mm' }),
    ).toEqual({ ok: true, value: '2026-11-21' });
  });

  it('refuses patterns it cannot read, naming format and column', () => {
    expect(() =>
      coerce('x', { dateFormat: 'dd.MM.yyyy hh:mm a' }),
    ).toThrowError(
      /^Format 'dates', column 'Geburtstag' \(birthDate\): unknown 'hh' in pattern 'dd.MM.yyyy hh:mm a'/,
    );
    expect(() => coerce('x', { dateFormat: 'MM.yyyy' })).toThrowError(
      /needs a year .* a month .* and a day/,
    );
    expect(() => coerce('x', { dateFormat: 'dd.MM.yyyy yy' })).toThrowError(
      /appears twice/,
    );
  });
});

describe('date columns in ISO form', () => {
  it('is the default pattern', () => {
    expect(coerce('2024-02-29')).toEqual({ ok: true, value: '2024-02-29' });
    expect(coerce('2023-02-29')).toEqual({
      ok: false,
      code: 'INVALID_DATE',
      message: "'2023-02-29' is not a valid date (expected yyyy-MM-dd)",
    });
  });

  it('accepts a midnight time part, as SQL exports write it, but no other time', () => {
    expect(coerce('2024-02-29 00:00:00')).toEqual({
      ok: true,
      value: '2024-02-29',
    });
    expect(coerce('2024-02-29T00:00:00.000')).toEqual({
      ok: true,
      value: '2024-02-29',
    });
    // An instant such as 23:00Z could be the next day elsewhere; we do not guess.
    expect(coerce('2024-02-28T23:00:00Z')).toMatchObject({
      ok: false,
      code: 'INVALID_DATE',
    });
  });
});

describe('date columns with spreadsheet Date cells', () => {
  let savedTz: string | undefined;
  beforeEach(() => {
    savedTz = process.env['TZ'];
  });
  afterEach(() => {
    if (savedTz === undefined) {
      delete process.env['TZ'];
    } else {
      process.env['TZ'] = savedTz;
    }
  });

  it('reads a UTC-midnight Date (our Excel parser) as its UTC calendar date in any machine zone', () => {
    for (const zone of [
      'Europe/Berlin',
      'America/Los_Angeles',
      'Pacific/Auckland',
      'UTC',
    ]) {
      process.env['TZ'] = zone;
      const { format, column } = setup(DE);
      expect(
        createCellCoercer(column, format)(new Date(Date.UTC(2024, 1, 29))),
      ).toEqual({ ok: true, value: '2024-02-29' });
    }
  });

  it('reads a local-midnight Date (SheetJS local mode) as its local calendar date', () => {
    for (const zone of ['Europe/Berlin', 'America/Los_Angeles', 'Asia/Tokyo']) {
      process.env['TZ'] = zone;
      const { format, column } = setup(DE);
      expect(createCellCoercer(column, format)(new Date(2024, 1, 29))).toEqual({
        ok: true,
        value: '2024-02-29',
      });
    }
  });

  it('reads a Date with a time of day by its UTC components (the parser contract), never shifting the day', () => {
    process.env['TZ'] = 'Pacific/Auckland';
    const { format, column } = setup(DE);
    expect(
      createCellCoercer(
        column,
        format,
      )(new Date(Date.UTC(2024, 1, 29, 23, 30))),
    ).toEqual({
      ok: true,
      value: '2024-02-29',
    });
  });

  it('reports an invalid Date cell', () => {
    expect(coerce(new Date(Number.NaN), DE)).toMatchObject({
      ok: false,
      code: 'INVALID_DATE',
    });
  });
});
