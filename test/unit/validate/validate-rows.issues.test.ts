import { describe, expect, it } from 'vitest';
import { CustomerRecordSchema } from '../../../src/domain/customer.js';
import type { RowIssue } from '../../../src/domain/row-issue.js';
import {
  FormatDefinitionSchema,
  type FormatDefinition,
} from '../../../src/formats/format-definition.js';
import { bindColumns } from '../../../src/validate/map-columns.js';
import {
  createRowValidator,
  type RowValidator,
} from '../../../src/validate/validate-rows.js';

const CUSTOMERS = FormatDefinitionSchema.parse({
  type: 'delimited',
  id: 'nav',
  decimalSeparator: ',',
  thousandsSeparator: '.',
  dateFormat: 'dd.MM.yyyy',
  timeZone: 'Europe/Berlin',
  columns: [
    { field: 'customerNo', source: 'Nr.', required: true },
    { field: 'name', source: 'Name', required: true },
    { field: 'email', source: 'E-Mail', type: 'email' },
    { field: 'country', source: 'Land', type: 'country' },
    { field: 'creditLimit', source: 'Kreditlimit', type: 'decimal' },
    { field: 'blocked', source: 'Gesperrt', type: 'boolean' },
    { field: 'customerSince', source: 'Kunde seit', type: 'date' },
    {
      field: 'lastModified',
      source: 'Geändert',
      type: 'datetime',
      dateTimeFormat: 'dd.MM.yyyy HH:mm',
    },
  ],
});
const HEADER = [
  'Nr.',
  'Name',
  'E-Mail',
  'Land',
  'Kreditlimit',
  'Gesperrt',
  'Kunde seit',
  'Geändert',
];

function validatorFor(
  fmt: FormatDefinition,
  header: string[] = HEADER,
  cellRef?: (i: number, line: number) => string,
): RowValidator {
  return createRowValidator(fmt, bindColumns(fmt, header, 'kunden.csv'), {
    defaultTimeZone: 'UTC',
    ...(cellRef === undefined ? {} : { cellRef }),
  });
}

describe('valid rows', () => {
  it('become a staged record with typed fields, the trimmed key and the line', () => {
    const result = validatorFor(CUSTOMERS).validate({
      line: 3,
      cells: [
        ' 10000 ',
        'Müller GmbH',
        'Info@Mueller.DE',
        'de',
        '1.234,50',
        'X',
        '29.02.2024',
        '29.03.2026 03:30',
      ],
    });
    expect(result).toEqual({
      record: {
        key: '10000',
        line: 3,
        fields: {
          customerNo: '10000',
          name: 'Müller GmbH',
          email: 'info@mueller.de',
          country: 'DE',
          creditLimit: 1234.5,
          blocked: true,
          customerSince: '2024-02-29',
          lastModified: '2026-03-29T01:30:00.000Z',
        },
      },
      issues: [],
      blank: false,
    });
    expect(
      CustomerRecordSchema.safeParse({
        key: result.record?.key,
        fields: result.record?.fields,
      }).success,
    ).toBe(true);
  });

  it('keep a parser warning and still import the row', () => {
    const warning: RowIssue = {
      line: 4,
      column: null,
      value: null,
      code: 'TOO_MANY_FIELDS',
      message: 'The row has 9 fields, the header 8; the last one is ignored',
      severity: 'warning',
    };
    const result = validatorFor(CUSTOMERS).validate({
      line: 4,
      cells: ['1', 'A', '', '', '', '', '', '', 'extra'],
      issue: warning,
    });
    expect(result.record?.key).toBe('1');
    expect(result.issues).toEqual([warning]);
  });

  it('turn a numeric key column into text', () => {
    const fmt = FormatDefinitionSchema.parse({
      type: 'xlsx',
      id: 'sheet',
      key: 'attributes.id',
      columns: [
        {
          field: 'attributes.id',
          source: 'ID',
          type: 'integer',
          required: true,
        },
      ],
    });
    expect(
      validatorFor(fmt, ['ID']).validate({ line: 2, cells: [4711] }).record,
    ).toEqual({
      key: '4711',
      line: 2,
      fields: { 'attributes.id': 4711 },
    });
  });
});

describe('invalid rows', () => {
  it('report every bad cell of the row, with line, column, raw value, code and message', () => {
    const result = validatorFor(CUSTOMERS).validate({
      line: 12,
      cells: [
        '10001',
        '',
        'kein-mail',
        'XX',
        '1,2,3',
        'vielleicht',
        '31.02.2024',
        '32.01.2026 10:00',
      ],
    });
    expect(result.record).toBeNull();
    expect(result.blank).toBe(false);
    expect(result.issues.map((i) => [i.column, i.value, i.code])).toEqual([
      ['Name', '', 'REQUIRED_MISSING'],
      ['E-Mail', 'kein-mail', 'INVALID_EMAIL'],
      ['Land', 'XX', 'INVALID_COUNTRY'],
      ['Kreditlimit', '1,2,3', 'INVALID_NUMBER'],
      ['Gesperrt', 'vielleicht', 'INVALID_BOOLEAN'],
      ['Kunde seit', '31.02.2024', 'INVALID_DATE'],
      ['Geändert', '32.01.2026 10:00', 'INVALID_DATETIME'],
    ]);
    expect(
      result.issues.every((i) => i.line === 12 && i.severity === 'error'),
    ).toBe(true);
    expect(result.issues[5]?.message).toBe(
      "'31.02.2024' is not a valid date (expected dd.MM.yyyy)",
    );
  });

  it('carry the raw cell text, not the transformed one', () => {
    const result = validatorFor(CUSTOMERS).validate({
      line: 2,
      cells: ['1', 'A', '  Kein Mail  ', '', '', '', '', ''],
    });
    expect(result.issues[0]).toMatchObject({
      value: '  Kein Mail  ',
      message: "'Kein Mail' is not a valid e-mail address",
    });
  });

  it('add the cell address when the parser knows it', () => {
    const cellRef = (index: number, line: number): string =>
      `${String.fromCharCode(65 + index)}${line}`;
    const result = validatorFor(CUSTOMERS, HEADER, cellRef).validate({
      line: 17,
      cells: ['1', 'A', '', 'XX', '', '', '', ''],
    });
    expect(result.issues).toEqual([
      expect.objectContaining({
        column: 'Land',
        cell: 'D17',
        code: 'INVALID_COUNTRY',
      }),
    ]);
  });

  it('pass a parser error through and skip the row', () => {
    const issue: RowIssue = {
      line: 9,
      column: null,
      value: null,
      code: 'UNTERMINATED_QUOTE',
      message: 'A quoted field is not closed',
      severity: 'error',
    };
    expect(
      validatorFor(CUSTOMERS).validate({ line: 9, cells: ['1', 'A'], issue }),
    ).toEqual({
      record: null,
      issues: [issue],
      blank: false,
    });
  });

  it('report spreadsheet cells of the wrong kind by their value', () => {
    const result = validatorFor(CUSTOMERS).validate({
      line: 5,
      cells: ['1', 'A', '', '', true, '', 45_000, ''],
    });
    expect(result.issues.map((i) => [i.column, i.value, i.code])).toEqual([
      ['Kreditlimit', 'true', 'INVALID_NUMBER'],
      ['Kunde seit', '45000', 'INVALID_DATE'],
    ]);
  });
});

describe('attributes from hostile header names', () => {
  const ATTR = FormatDefinitionSchema.parse({
    type: 'delimited',
    id: 'attr',
    unmappedColumns: 'attributes',
    columns: [{ field: 'customerNo', source: 'Nr.', required: true }],
  });
  const HOSTILE = ['Nr.', '__proto__', 'constructor', 'toString', 'Umsatz'];

  it('end up as plain data in a record, never as its prototype or its methods', () => {
    const result = validatorFor(ATTR, HOSTILE).validate({
      line: 2,
      cells: ['1', '{"polluted":true}', 'x', 'y', ''],
    });
    const fields = result.record?.fields;
    if (fields === undefined) {
      throw new Error('expected a record');
    }
    // Prefixed, a header never names what Object.prototype has.
    expect(Object.getPrototypeOf(fields)).toBe(Object.prototype);
    expect(fields.constructor).toBe(Object);
    expect(Object.keys(fields)).toEqual([
      'customerNo',
      'attributes.__proto__',
      'attributes.constructor',
      'attributes.toString',
    ]);
    expect(fields['attributes.__proto__']).toBe('{"polluted":true}');
    expect(JSON.parse(JSON.stringify(fields))).toEqual({
      customerNo: '1',
      'attributes.__proto__': '{"polluted":true}',
      'attributes.constructor': 'x',
      'attributes.toString': 'y',
    });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(CustomerRecordSchema.safeParse({ key: '1', fields }).success).toBe(
      true,
    );
  });

  it('keep spreadsheet numbers and booleans, and Date cells as calendar dates', () => {
    const result = validatorFor(ATTR, [
      'Nr.',
      'Umsatz',
      'Aktiv',
      'Seit',
      'Zeit',
    ]).validate({
      line: 2,
      cells: [
        '1',
        1234.5,
        false,
        new Date(Date.UTC(2024, 1, 29)),
        new Date(Date.UTC(2024, 1, 29, 13, 5)),
      ],
    });
    expect(result.record?.fields).toEqual({
      customerNo: '1',
      'attributes.Umsatz': 1234.5,
      'attributes.Aktiv': false,
      'attributes.Seit': '2024-02-29',
      'attributes.Zeit': '2024-02-29 13:05:00',
    });
  });

  it('are cleared for empty cells only when the format clears empty cells', () => {
    const clearing = FormatDefinitionSchema.parse({
      ...ATTR,
      emptyCells: 'clear',
    });
    const row = { line: 2, cells: ['1', '', ' ', null, 'v'] };
    expect(validatorFor(ATTR, HOSTILE).validate(row).record?.fields).toEqual({
      customerNo: '1',
      'attributes.Umsatz': 'v',
    });
    expect(
      validatorFor(clearing, HOSTILE).validate(row).record?.fields,
    ).toEqual({
      customerNo: '1',
      'attributes.__proto__': null,
      'attributes.constructor': null,
      'attributes.toString': null,
      'attributes.Umsatz': 'v',
    });
  });
});
