import { z } from 'zod';
import {
  FieldValueSchema,
  TargetFieldSchema,
  type FieldKind,
} from '../domain/customer.js';
import { MATCH_FIELDS } from '../domain/customer-match.js';
import {
  ENTITY_KINDS,
  ENTITY_LABELS,
  EntityTargetFieldSchema,
  embeddedPrefixOf,
  entityFieldKind,
  recordKeyFields,
} from '../domain/entity.js';

/**
 * Format definitions: what an admin writes in `formats/*.yaml|json` to describe one ERP export.
 * The JSON Schema in `formats/format.schema.json` is generated from these schemas
 * (`npm run schema`), so editors can check and complete definitions.
 */

export const ENCODINGS = [
  'utf-8',
  'utf-16le',
  'utf-16be',
  'windows-1252',
  'iso-8859-1',
  'iso-8859-15',
] as const;
export type Encoding = (typeof ENCODINGS)[number];

export const COLUMN_TYPES = [
  'string',
  'integer',
  'decimal',
  'boolean',
  'date',
  'datetime',
  'email',
  'country',
] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

/** Which model field kinds each column type can fill. */
export const COLUMN_TYPE_KIND: Record<ColumnType, FieldKind> = {
  string: 'text',
  integer: 'number',
  decimal: 'number',
  boolean: 'boolean',
  date: 'date',
  datetime: 'datetime',
  email: 'text',
  country: 'text',
};

export const TRANSFORMS = [
  'trim',
  'upper',
  'lower',
  'collapseSpaces',
  'stripLeadingZeros',
] as const;
export type Transform = (typeof TRANSFORMS)[number];

export const EMPTY_POLICIES = ['keep', 'clear', 'default'] as const;
export type EmptyPolicy = (typeof EMPTY_POLICIES)[number];

const singleChar = z.string().length(1, 'must be exactly one character');

/** Options shared by the format (as defaults) and each column (as overrides). */
const ValueOptionsShape = {
  decimalSeparator: singleChar
    .optional()
    .describe(
      'Decimal separator for decimal columns, e.g. "," for 1.234,50. Default "."',
    ),
  thousandsSeparator: z
    .string()
    .max(1)
    .optional()
    .describe(
      'Thousands separator for decimal/integer columns ("" = none). Default ""',
    ),
  trueValues: z
    .array(z.string())
    .optional()
    .describe(
      'Words read as true (case-insensitive). Default: 1, true, yes, y, ja, j, x, wahr',
    ),
  falseValues: z
    .array(z.string())
    .optional()
    .describe(
      'Words read as false (case-insensitive). Default: 0, false, no, n, nein, falsch and empty',
    ),
  dateFormat: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Pattern for date columns: dd.MM.yyyy, MM/dd/yyyy, yyyy-MM-dd, or "iso". Default "iso"',
    ),
  dateTimeFormat: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Pattern for datetime columns, e.g. "dd.MM.yyyy HH:mm" or "iso". Default "iso"',
    ),
  timeZone: z
    .string()
    .refine(
      isValidTimeZone,
      'must be an IANA time zone such as Europe/Berlin or UTC',
    )
    .optional()
    .describe(
      "Time zone for datetimes without an offset. Default: the machine's time zone",
    ),
};

const ColumnCommonShape = {
  field: z
    .union([TargetFieldSchema, EntityTargetFieldSchema])
    .describe(
      "Target field of the format's entity (customer fields, contact.*/billingAddress.*/shippingAddress.* on customer rows; contact, address or sales agent fields), or attributes.<name>",
    ),
  type: z
    .enum(COLUMN_TYPES)
    .default('string')
    .describe('How the cell is read. Default string'),
  required: z
    .boolean()
    .default(false)
    .describe('An empty value skips the row with an error. Default false'),
  transforms: z
    .array(z.enum(TRANSFORMS))
    .default(['trim'])
    .describe('Applied in order before type conversion. Default ["trim"]'),
  valueMap: z
    .record(z.string(), z.string())
    .optional()
    .describe('Replaces whole values after transforms, e.g. { "D": "DE" }'),
  default: FieldValueSchema.optional().describe(
    'Used for an empty cell when empty is "default"',
  ),
  empty: z
    .enum(EMPTY_POLICIES)
    .optional()
    .describe(
      'What an empty cell means: keep the stored value, clear it, or use the default. Default: the format\'s "emptyCells"',
    ),
  ...ValueOptionsShape,
};

/** A column of a delimited file or a sheet: by header name or by 1-based position. */
export const TableColumnSchema = z.strictObject({
  ...ColumnCommonShape,
  source: z
    .union([z.string().min(1), z.number().int().min(1)])
    .describe(
      'Header name (matched case- and space-insensitively) or 1-based column position',
    ),
});

/** A column of a fixed-width file: 1-based start and a length or an inclusive end. */
export const FixedColumnSchema = z
  .strictObject({
    ...ColumnCommonShape,
    start: z
      .number()
      .int()
      .min(1)
      .describe('1-based position of the first character'),
    length: z.number().int().min(1).optional().describe('Number of characters'),
    end: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('1-based position of the last character (inclusive)'),
  })
  .refine((c) => (c.length === undefined) !== (c.end === undefined), {
    message: 'give either length or end',
  })
  .refine((c) => c.end === undefined || c.end >= c.start, {
    message: 'end must not be before start',
  });

/**
 * Filters: conditions on mapped fields that decide which rows are imported. A condition names a
 * field and exactly one operator; `all` / `any` combine conditions (and may nest). Rows that do
 * not pass are counted `filtered`, not errors. Values are compared as text, case-sensitively.
 */
const FilterScalarSchema = z.union([z.string(), z.number(), z.boolean()]);

export const FILTER_OPERATORS = [
  'equals',
  'notEquals',
  'in',
  'notIn',
  'empty',
  'notEmpty',
  'matches',
] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

export const FilterConditionSchema = z
  .strictObject({
    field: TargetFieldSchema.describe('Mapped field the condition looks at'),
    equals: FilterScalarSchema.optional().describe('The value equals this'),
    notEquals: FilterScalarSchema.optional().describe(
      'The value is empty or differs from this',
    ),
    in: z
      .array(FilterScalarSchema)
      .min(1)
      .optional()
      .describe('The value is one of these'),
    notIn: z
      .array(FilterScalarSchema)
      .min(1)
      .optional()
      .describe('The value is empty or none of these'),
    empty: z.literal(true).optional().describe('The value is absent or empty'),
    notEmpty: z
      .literal(true)
      .optional()
      .describe('The value is present and not empty'),
    matches: z
      .string()
      .min(1)
      .refine(isValidRegex, 'must be a valid JavaScript regular expression')
      .optional()
      .describe(
        'The value matches this regular expression (JavaScript syntax, unanchored)',
      ),
  })
  .refine(
    (c) => FILTER_OPERATORS.filter((op) => c[op] !== undefined).length === 1,
    {
      message: `give exactly one of ${FILTER_OPERATORS.join(', ')}`,
    },
  );
export type FilterCondition = z.output<typeof FilterConditionSchema>;

export type RowFilterDefinition =
  | FilterCondition
  | { all: RowFilterDefinition[] }
  | { any: RowFilterDefinition[] };

export const RowFilterSchema: z.ZodType<RowFilterDefinition> = z.lazy(() =>
  z.union([
    FilterConditionSchema,
    z.strictObject({
      all: z.array(RowFilterSchema).min(1).describe('Every one must hold'),
    }),
    z.strictObject({
      any: z.array(RowFilterSchema).min(1).describe('At least one must hold'),
    }),
  ]),
);

/** changed-since: `last-transfer`, `anytime`, or a timestamp such as 2026-11-01T00:00 (offset optional). */
export const SINCE_KEYWORDS = ['last-transfer', 'anytime'] as const;
export const SINCE_TIMESTAMP =
  /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?)?(Z|[+-]\d{2}:\d{2})?$/;
export const SincePointSchema = z
  .union([
    z.enum(SINCE_KEYWORDS),
    z
      .string()
      .regex(
        SINCE_TIMESTAMP,
        'a timestamp such as 2026-11-01T00:00 or 2026-11-01T00:00:00+01:00',
      ),
  ])
  .describe(
    'changed-since point: last-transfer, anytime, or a timestamp (without offset: the time zone of the format)',
  );
export type SincePoint = z.output<typeof SincePointSchema>;

/** Import rules a format carries (modes and statuses are the job's business). */
const RulesShape = {
  filter: RowFilterSchema.optional().describe(
    'Which rows are imported: a condition { field, equals|notEquals|in|notIn|empty|notEmpty|matches } or { all: [...] } / { any: [...] }',
  ),
  lastModifiedField: TargetFieldSchema.default('lastModified').describe(
    'Field with the last-modified time of a row, for the changed-since mode. Default lastModified',
  ),
  since: SincePointSchema.optional().describe(
    'Default changed-since point of this format. Default last-transfer',
  ),
  customerType: z
    .union([
      z.literal(false),
      z.strictObject({
        b2bFields: z
          .array(TargetFieldSchema)
          .min(1)
          .default(['company', 'vatId'])
          .describe(
            'A value in any of these makes the customer B2B. Default [company, vatId]',
          ),
      }),
    ])
    .default({ b2bFields: ['company', 'vatId'] })
    .describe(
      'Derive the customer type (B2B/B2C) at the first import; false = off. Default on',
    ),
  blockedField: z
    .union([TargetFieldSchema, z.literal(false)])
    .default('blocked')
    .describe(
      "Boolean field with the ERP's blocked flag; it sets the status on every import. false = off. Default blocked",
    ),
  customerClass: z
    .string()
    .min(1)
    .optional()
    .describe(
      "Customer class (of the config's customerClasses) for rows whose customerClass field is empty",
    ),
  nameFallback: z
    .boolean()
    .default(true)
    .describe(
      'Empty firstName and lastName are taken from name (first word / the rest). Default true',
    ),
};

const CommonShape = {
  id: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
      'letters, digits, . _ - (up to 64), starting with a letter or digit',
    )
    .describe('Name used with --format and in watch jobs'),
  description: z.string().optional(),
  match: z
    .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
    .optional()
    .describe('File name pattern(s) this format is for, e.g. "customers*.txt"'),
  encoding: z
    .enum(ENCODINGS)
    .default('utf-8')
    .describe('Text encoding. A BOM is honoured. Default utf-8'),
  entity: z
    .enum(ENTITY_KINDS)
    .default('customer')
    .describe(
      'What the rows are: customer, contact (keyed by customerNo + contactNo), address (customerNo + addressId, or + type) or salesAgent (salespersonCode). Default customer',
    ),
  key: TargetFieldSchema.default('customerNo').describe(
    'Field that identifies a customer. Default customerNo. Contacts, addresses and sales agents have a fixed key (see entity)',
  ),
  matchExisting: z
    .array(z.enum(MATCH_FIELDS))
    .max(MATCH_FIELDS.length)
    .default([])
    .describe(
      "Customers only: when a row's key is new, pair it with an existing customer that has no ERP key yet by these fields, tried in order (vatId, email). More than one candidate is reported, never guessed. Default [] (no matching)",
    ),
  duplicateKeys: z
    .enum(['last-wins', 'first-wins', 'error'])
    .default('last-wins')
    .describe(
      'A key twice in one file: the last (or first) row wins and both lines are reported as warnings, or every later row is a row error. Default last-wins',
    ),
  emptyCells: z
    .enum(EMPTY_POLICIES)
    .default('keep')
    .describe('Default meaning of an empty cell. Default keep'),
  unmappedColumns: z
    .enum(['drop', 'attributes'])
    .default('drop')
    .describe(
      'Columns no field maps: drop them or keep them as attributes.<header>. Default drop',
    ),
  onInvalidRows: z
    .strictObject({
      maxSkippedRows: z
        .number()
        .int()
        .min(0)
        .default(100)
        .describe(
          'Error budget: the run fails (and writes nothing) when more rows are skipped. Default 100',
        ),
    })
    .default({ maxSkippedRows: 100 }),
  ...RulesShape,
  ...ValueOptionsShape,
};

const TextFileShape = {
  skipLines: z
    .number()
    .int()
    .min(0)
    .default(0)
    .describe('Lines to skip before the header (or data). Default 0'),
  comment: z
    .string()
    .min(1)
    .optional()
    .describe('Lines starting with this text are ignored, e.g. "#"'),
  lineEnding: z
    .enum(['auto', 'lf', 'crlf', 'cr'])
    .default('auto')
    .describe('Record separator. Default auto (detected)'),
};

export const DelimitedFormatSchema = z.strictObject({
  type: z.literal('delimited'),
  ...CommonShape,
  ...TextFileShape,
  delimiter: z
    .union([z.literal('auto'), z.string().min(1).max(4)])
    .default('auto')
    .describe('Field delimiter: ";", ",", "\\t", "|" or "auto". Default auto'),
  quote: singleChar.default('"').describe('Quote character. Default "'),
  escape: singleChar
    .default('"')
    .describe('Escape character inside quotes. Default " (doubled quotes)'),
  header: z
    .boolean()
    .default(true)
    .describe('The first line (after skipLines) is a header. Default true'),
  columns: z.array(TableColumnSchema).min(1),
});

export const FixedWidthFormatSchema = z.strictObject({
  type: z.literal('fixed-width'),
  ...CommonShape,
  ...TextFileShape,
  recordType: z
    .strictObject({
      start: z.number().int().min(1),
      length: z.number().int().min(1),
      value: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    })
    .optional()
    .describe(
      'Only lines whose record-type field has this value are read (e.g. "C" for customers)',
    ),
  columns: z.array(FixedColumnSchema).min(1),
});

export const XlsxFormatSchema = z.strictObject({
  type: z.literal('xlsx'),
  ...CommonShape,
  sheet: z
    .union([z.string().min(1), z.number().int().min(1)])
    .default(1)
    .describe('Sheet name or 1-based index. Default 1 (the first sheet)'),
  headerRow: z
    .number()
    .int()
    .min(1)
    .default(1)
    .describe('Row of the header; rows above are skipped. Default 1'),
  header: z
    .boolean()
    .default(true)
    .describe('The sheet has a header row. Default true'),
  columns: z.array(TableColumnSchema).min(1),
});

export const FormatDefinitionSchema = z
  .discriminatedUnion('type', [
    DelimitedFormatSchema,
    FixedWidthFormatSchema,
    XlsxFormatSchema,
  ])
  .superRefine(checkFormatConsistency);

export type FormatDefinitionInput = z.input<typeof FormatDefinitionSchema>;
export type FormatDefinition = z.output<typeof FormatDefinitionSchema>;
export type DelimitedFormat = z.output<typeof DelimitedFormatSchema>;
export type FixedWidthFormat = z.output<typeof FixedWidthFormatSchema>;
export type XlsxFormat = z.output<typeof XlsxFormatSchema>;
export type FormatColumn = FormatDefinition['columns'][number];
export type TableColumn = z.output<typeof TableColumnSchema>;
export type FixedColumn = z.output<typeof FixedColumnSchema>;

/** Checks across fields that a per-field schema cannot see. */
function checkFormatConsistency(
  format: FormatDefinition,
  ctx: z.RefinementCtx,
): void {
  const seen = new Map<string, number>();
  format.columns.forEach((column, index) => {
    const previous = seen.get(column.field);
    if (previous !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['columns', index, 'field'],
        message: `field "${column.field}" is already mapped by columns[${previous}]`,
      });
    }
    seen.set(column.field, index);

    const kind = entityFieldKind(format.entity, column.field);
    const produces = COLUMN_TYPE_KIND[column.type];
    // A name no entity has already failed the field's own schema: report it once, not twice.
    if (
      kind === undefined &&
      ENTITY_KINDS.some(
        (entity) => entityFieldKind(entity, column.field) !== undefined,
      )
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['columns', index, 'field'],
        message: fieldNotOfEntityMessage(format.entity, column.field),
      });
    } else if (kind !== undefined && kind !== 'any' && kind !== produces) {
      ctx.addIssue({
        code: 'custom',
        path: ['columns', index, 'type'],
        message: `field "${column.field}" holds ${kind} values, but type "${column.type}" gives ${produces}`,
      });
    }
    // The key never takes a default (that would merge unrelated rows into one customer).
    const usesDefault =
      column.empty === 'default' ||
      (column.empty === undefined &&
        format.emptyCells === 'default' &&
        column.field !== format.key);
    if (usesDefault && column.default === undefined && column.required) {
      ctx.addIssue({
        code: 'custom',
        path: ['columns', index, 'default'],
        message:
          'a required column whose empty cells use the default needs a "default"',
      });
    }
    if ('source' in column && format.type !== 'fixed-width') {
      const hasHeader = format.header;
      if (!hasHeader && typeof column.source === 'string') {
        ctx.addIssue({
          code: 'custom',
          path: ['columns', index, 'source'],
          message:
            'without a header row, columns are chosen by 1-based position (a number)',
        });
      }
    }
  });
  if (format.entity !== 'customer') {
    checkEntityFormat(format, seen, ctx);
    return;
  }
  if (!seen.has(format.key)) {
    ctx.addIssue({
      code: 'custom',
      path: ['key'],
      message: `key field "${format.key}" is not mapped by any column`,
    });
  }
  const keyIndex = format.columns.findIndex((c) => c.field === format.key);
  if (keyIndex >= 0 && format.columns[keyIndex]?.required === false) {
    ctx.addIssue({
      code: 'custom',
      path: ['columns', keyIndex, 'required'],
      message: 'the key column must be required: true',
    });
  }
  if (new Set(format.matchExisting).size !== format.matchExisting.length) {
    ctx.addIssue({
      code: 'custom',
      path: ['matchExisting'],
      message: 'a match field is listed twice',
    });
  }
  format.matchExisting.forEach((field, index) => {
    if (!seen.has(field)) {
      ctx.addIssue({
        code: 'custom',
        path: ['matchExisting', index],
        message: `match field "${field}" is not mapped by any column, so no row could ever be matched by it`,
      });
    }
  });
}

/**
 * Contacts, addresses and sales agents: the key is fixed by the entity (a `key` setting is not
 * used), and each key field must be mapped by a required column.
 */
function checkEntityFormat(
  format: FormatDefinition,
  seen: ReadonlyMap<string, number>,
  ctx: z.RefinementCtx,
): void {
  const label = ENTITY_LABELS[format.entity];
  for (const field of recordKeyFields(format)) {
    const index = seen.get(field);
    if (index === undefined) {
      const choice =
        format.entity === 'address' && field === 'type'
          ? ' (or addressId)'
          : '';
      ctx.addIssue({
        code: 'custom',
        path: ['columns'],
        message: `${/^[aeiou]/.test(label) ? 'an' : 'a'} ${label} format must map "${field}"${choice}: it is part of the ${label}'s key`,
      });
    } else if (format.columns[index]?.required === false) {
      ctx.addIssue({
        code: 'custom',
        path: ['columns', index, 'required'],
        message: `"${field}" is part of the ${label}'s key: its column must be required: true`,
      });
    }
  }
  if (format.matchExisting.length > 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['matchExisting'],
      message: `matchExisting pairs customers only; a ${label} format cannot use it`,
    });
  }
}

function fieldNotOfEntityMessage(
  entity: FormatDefinition['entity'],
  field: string,
): string {
  if (entity === 'customer') {
    return embeddedPrefixOf(field) === undefined
      ? `"${field}" is not a customer field; a customer format may use it only with "entity" set to the entity it belongs to`
      : `"${field}" cannot be embedded in a customer row`;
  }
  return `"${field}" is not a ${ENTITY_LABELS[entity]} field; custom fields are written attributes.<name>`;
}

function isValidRegex(pattern: string): boolean {
  try {
    new RegExp(pattern, 'u');
    return true;
  } catch {
    return false;
  }
}

function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Human-readable source of a column, for messages: `"Name"`, `#3`, or `1-10`. */
export function describeColumnSource(column: FormatColumn): string {
  if ('source' in column) {
    return typeof column.source === 'number'
      ? `#${column.source}`
      : column.source;
  }
  const end = column.end ?? column.start + (column.length ?? 1) - 1;
  return `${column.start}-${end}`;
}
