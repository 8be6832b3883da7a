import type { FieldValue, StagedRecord } from '../domain/customer.js';
import type { FormatDefinition } from '../formats/format-definition.js';
import { applyClassDefaults, type CustomerClasses } from './class-defaults.js';
import { deriveCustomerType } from './customer-type.js';
import { applyNameFallback } from './name-fallback.js';
import { compileRowFilter, type RowFilter } from './row-filter.js';

/**
 * The business rules of a customer import, applied to each validated record in this order:
 * 1. the format's filter, on the fields as mapped from the file (a filtered row goes nowhere);
 * 2. customer class defaults fill what the row leaves empty;
 * 3. the name fallback fills first/last name from the account name;
 * 4. the customer type (B2B/B2C) and the status the ERP's blocked flag asks for are attached
 *    for the store, which knows whether the customer is new and keeps the first type.
 * Pure: the same record and options always give the same result.
 */

export type RuleFormat = Pick<
  FormatDefinition,
  'filter' | 'customerType' | 'blockedField' | 'customerClass' | 'nameFallback'
> & {
  /** Only the mapped fields matter here (is there a first/last name column?). */
  columns?: readonly { field: string }[];
};

/** The fields the name fallback fills; a format that maps neither has no names to fall back for. */
const NAME_FIELDS: readonly string[] = ['firstName', 'lastName'];

export interface RecordRulesOptions {
  format: RuleFormat;
  customerClasses: CustomerClasses;
  /** The job's default class; wins over the format's. */
  defaultClass?: string;
}

export interface RecordRules {
  /** The record with the rules applied, or null when the filter leaves it out. */
  apply(record: StagedRecord): StagedRecord | null;
  /** Classes rows named (or defaulted to) that the config does not define, in order of appearance. */
  unknownClasses(): string[];
}

export function createRecordRules(options: RecordRulesOptions): RecordRules {
  const { format, customerClasses } = options;
  const filter: RowFilter = compileRowFilter(format.filter);
  const defaultClass = options.defaultClass ?? format.customerClass;
  const b2bFields =
    format.customerType === false ? null : format.customerType.b2bFields;
  const blockedField = format.blockedField;
  // A format without first/last name columns does not carry names at all: filling them would
  // add fields the ERP never exported (and change every stored customer on the next import).
  const nameFallback =
    format.nameFallback &&
    (format.columns ?? []).some((c) => NAME_FIELDS.includes(c.field));
  const unknown = new Set<string>();

  return {
    apply(record) {
      if (!filter(record.fields)) {
        return null;
      }
      let fields: Readonly<Record<string, FieldValue>> = record.fields;
      const classed = applyClassDefaults(fields, customerClasses, defaultClass);
      fields = classed.fields;
      if (classed.unknownClass !== null) {
        unknown.add(classed.unknownClass);
      }
      if (nameFallback) {
        fields = applyNameFallback(fields);
      }
      const result: StagedRecord = {
        ...record,
        fields: fields as Record<string, FieldValue>,
      };
      if (b2bFields !== null) {
        result.type = deriveCustomerType(fields, b2bFields);
      }
      if (blockedField !== false) {
        const flag = fields[blockedField];
        if (typeof flag === 'boolean') {
          result.status = flag ? 'blocked' : 'active';
        }
      }
      return result;
    },
    unknownClasses() {
      return [...unknown];
    },
  };
}
