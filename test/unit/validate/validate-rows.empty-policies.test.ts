import { describe, expect, it } from 'vitest';
import {
  FormatDefinitionSchema,
  type FormatDefinition,
} from '../../../src/formats/format-definition.js';
import type { Cell } from '../../../src/parse/parser.js';
import { bindColumns } from '../../../src/validate/map-columns.js';
import {
  createRowValidator,
  type RowValidationResult,
} from '../../../src/validate/validate-rows.js';

const HEADER = ['Nr.', 'Name', 'Land', 'Seit', 'Telefon'];

function format(input: Record<string, unknown>): FormatDefinition {
  return FormatDefinitionSchema.parse({
    type: 'delimited',
    id: 'policies',
    ...input,
    columns: [
      { field: 'customerNo', source: 'Nr.', required: true },
      ...(input['columns'] as unknown[]),
    ],
  });
}

function validate(fmt: FormatDefinition, cells: Cell[]): RowValidationResult {
  const validator = createRowValidator(fmt, bindColumns(fmt, HEADER, 'x.csv'), {
    defaultTimeZone: 'UTC',
  });
  return validator.validate({ line: 7, cells });
}

describe('empty cells', () => {
  it("leave the field out under 'keep' (the default), so the store keeps its value", () => {
    const fmt = format({ columns: [{ field: 'phone', source: 'Telefon' }] });
    const { record } = validate(fmt, ['K1', 'A', 'DE', '', '  ']);
    expect(record?.fields).toEqual({ customerNo: 'K1' });
    expect(record !== null && 'phone' in record.fields).toBe(false);
  });

  it("set null under 'clear'", () => {
    const fmt = format({
      columns: [{ field: 'phone', source: 'Telefon', empty: 'clear' }],
    });
    expect(validate(fmt, ['K1', 'A', 'DE', '', '']).record?.fields).toEqual({
      customerNo: 'K1',
      phone: null,
    });
  });

  it("use the column default under 'default', converted like a cell", () => {
    const fmt = format({
      columns: [
        {
          field: 'country',
          source: 'Land',
          type: 'country',
          empty: 'default',
          default: 'deu',
        },
        {
          field: 'customerSince',
          source: 'Seit',
          type: 'date',
          dateFormat: 'dd.MM.yyyy',
          empty: 'default',
          default: '01.01.2000',
        },
      ],
    });
    expect(validate(fmt, ['K1', 'A', '', '', '']).record?.fields).toEqual({
      customerNo: 'K1',
      country: 'DE',
      customerSince: '2000-01-01',
    });
    expect(
      validate(fmt, ['K1', 'A', 'AT', '02.03.2004', '']).record?.fields,
    ).toEqual({
      customerNo: 'K1',
      country: 'AT',
      customerSince: '2004-03-02',
    });
  });

  it("keep the field under 'default' when the column has no default", () => {
    const fmt = FormatDefinitionSchema.parse({
      type: 'delimited',
      id: 'policies',
      emptyCells: 'default',
      columns: [
        // The schema asks required columns under 'default' for a default; the key opts out.
        { field: 'customerNo', source: 'Nr.', required: true, empty: 'keep' },
        { field: 'phone', source: 'Telefon' },
      ],
    });
    expect(validate(fmt, ['K1', 'A', 'DE', '', '']).record?.fields).toEqual({
      customerNo: 'K1',
    });
  });

  it('follow the format-wide emptyCells unless the column sets its own', () => {
    const fmt = format({
      emptyCells: 'clear',
      columns: [
        { field: 'phone', source: 'Telefon' },
        { field: 'name', source: 'Name', empty: 'keep' },
      ],
    });
    expect(validate(fmt, ['K1', '', 'DE', '', '']).record?.fields).toEqual({
      customerNo: 'K1',
      phone: null,
    });
  });

  it('in a required column are a REQUIRED_MISSING error, unless a default applies', () => {
    const required = format({
      columns: [
        { field: 'name', source: 'Name', required: true, empty: 'clear' },
      ],
    });
    const result = validate(required, ['K1', ' ', 'DE', '', '']);
    expect(result.record).toBeNull();
    expect(result.issues).toEqual([
      {
        line: 7,
        column: 'Name',
        value: ' ',
        code: 'REQUIRED_MISSING',
        message: "The required column 'Name' is empty",
        severity: 'error',
      },
    ]);

    const withDefault = format({
      columns: [
        {
          field: 'name',
          source: 'Name',
          required: true,
          empty: 'default',
          default: 'Unbekannt',
        },
      ],
    });
    expect(
      validate(withDefault, ['K1', '', 'DE', '', '']).record?.fields,
    ).toEqual({ customerNo: 'K1', name: 'Unbekannt' });
  });

  it('in the key column are KEY_MISSING, whatever the policy', () => {
    const fmt = format({
      emptyCells: 'clear',
      columns: [{ field: 'name', source: 'Name' }],
    });
    const result = validate(fmt, ['  ', 'A', 'DE', '', '']);
    expect(result.record).toBeNull();
    expect(result.issues).toEqual([
      {
        line: 7,
        column: 'Nr.',
        value: '  ',
        code: 'KEY_MISSING',
        message:
          "The key column 'Nr.' (customerNo) is empty; a row without a key cannot be imported",
        severity: 'error',
      },
    ]);
  });

  it('include cells missing at the end of a short row', () => {
    const fmt = format({
      columns: [{ field: 'phone', source: 'Telefon', empty: 'clear' }],
    });
    expect(validate(fmt, ['K1', 'A']).record?.fields).toEqual({
      customerNo: 'K1',
      phone: null,
    });
  });

  it('refuse a default that does not fit its column when the validator is created', () => {
    const fmt = format({
      columns: [
        {
          field: 'customerSince',
          source: 'Seit',
          type: 'date',
          empty: 'default',
          default: 'gestern',
        },
      ],
    });
    expect(() =>
      createRowValidator(fmt, bindColumns(fmt, HEADER, 'x.csv'), {
        defaultTimeZone: 'UTC',
      }),
    ).toThrowError(
      "Format 'policies', column 'Seit': the default does not fit the column: 'gestern' is not a valid date (expected yyyy-MM-dd). Fix the format definition.",
    );
  });
});

describe('blank rows', () => {
  it('are skipped silently and flagged, so they are not counted', () => {
    const fmt = format({
      columns: [{ field: 'name', source: 'Name', required: true }],
    });
    expect(validate(fmt, ['', '  ', null, '\t'])).toEqual({
      record: null,
      issues: [],
      blank: true,
    });
    expect(validate(fmt, [])).toEqual({
      record: null,
      issues: [],
      blank: true,
    });
  });

  it('are not blank when any cell holds a value, even a spreadsheet zero or false', () => {
    const fmt = format({ columns: [{ field: 'name', source: 'Name' }] });
    expect(validate(fmt, ['', '', 0]).blank).toBe(false);
    expect(validate(fmt, [null, false]).blank).toBe(false);
  });
});
