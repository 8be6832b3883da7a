import { z } from 'zod';

/**
 * The customer model. A format maps source columns onto these fields. Each field has a value
 * kind; the format's column type must produce that kind (checked when formats are loaded).
 *
 * Custom attributes are fields named `attributes.<name>`; they may have any kind.
 */
export const FIELD_KINDS = [
  'text',
  'number',
  'boolean',
  'date',
  'datetime',
] as const;
export type FieldKind = (typeof FIELD_KINDS)[number];

export const CUSTOMER_FIELDS = {
  customerNo: {
    kind: 'text',
    description: 'Customer number in the ERP; the default key',
  },
  name: { kind: 'text', description: 'Account name (company or person)' },
  name2: { kind: 'text', description: 'Second name line' },
  firstName: { kind: 'text', description: 'First name of the primary contact' },
  lastName: { kind: 'text', description: 'Last name of the primary contact' },
  company: {
    kind: 'text',
    description: 'Company name (makes the customer B2B)',
  },
  vatId: { kind: 'text', description: 'VAT registration number' },
  email: { kind: 'text', description: 'E-mail address, lower-cased' },
  phone: { kind: 'text', description: 'Phone number' },
  mobile: { kind: 'text', description: 'Mobile phone number' },
  fax: { kind: 'text', description: 'Fax number' },
  website: { kind: 'text', description: 'Web site' },
  street: { kind: 'text', description: 'Street and house number' },
  street2: { kind: 'text', description: 'Second address line' },
  postalCode: {
    kind: 'text',
    description: 'Postal code (kept as text: leading zeros matter)',
  },
  city: { kind: 'text', description: 'City' },
  region: { kind: 'text', description: 'Region, state or county' },
  country: { kind: 'text', description: 'ISO 3166-1 alpha-2 country code' },
  language: { kind: 'text', description: 'Language code' },
  currency: { kind: 'text', description: 'Currency code' },
  paymentTerms: { kind: 'text', description: 'Payment terms code' },
  priceGroup: { kind: 'text', description: 'Customer price group' },
  customerClass: {
    kind: 'text',
    description: 'Customer class (gives defaults)',
  },
  salespersonCode: { kind: 'text', description: 'Salesperson code' },
  creditLimit: { kind: 'number', description: 'Credit limit' },
  discountPercent: {
    kind: 'number',
    description: 'Invoice discount in percent',
  },
  balance: { kind: 'number', description: 'Balance' },
  blocked: { kind: 'boolean', description: 'Blocked in the ERP' },
  birthDate: { kind: 'date', description: 'Birth date (calendar date)' },
  customerSince: {
    kind: 'date',
    description: 'Customer since (calendar date)',
  },
  lastModified: { kind: 'datetime', description: 'Last modified in the ERP' },
} as const satisfies Record<string, { kind: FieldKind; description: string }>;

export type CustomerFieldName = keyof typeof CUSTOMER_FIELDS;
export const CUSTOMER_FIELD_NAMES = Object.keys(
  CUSTOMER_FIELDS,
) as CustomerFieldName[];

export const ATTRIBUTE_PREFIX = 'attributes.';

/** A target field name: one of the model's fields or `attributes.<name>`. */
export const TargetFieldSchema = z.union([
  z.enum(CUSTOMER_FIELD_NAMES as [CustomerFieldName, ...CustomerFieldName[]]),
  z
    .string()
    .regex(
      /^attributes\.[A-Za-z0-9_][A-Za-z0-9_ .-]{0,63}$/,
      'a custom attribute is written attributes.<name> (letters, digits, _ . - and spaces)',
    ),
]);
export type TargetField = z.infer<typeof TargetFieldSchema>;

/** Kind a target field holds; custom attributes are free. */
export function fieldKind(field: string): FieldKind | 'any' {
  if (field.startsWith(ATTRIBUTE_PREFIX)) {
    return 'any';
  }
  const known = (CUSTOMER_FIELDS as Record<string, { kind: FieldKind }>)[field];
  return known ? known.kind : 'any';
}

/**
 * A value stored in a record. Dates are ISO strings (`2026-11-21` for calendar dates, a full
 * ISO instant with offset for datetimes), numbers are plain numbers parsed from text (no
 * float arithmetic happens on them), `null` means "cleared".
 */
export const FieldValueSchema = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.null(),
]);
export type FieldValue = z.infer<typeof FieldValueSchema>;

/**
 * A mapped record as it leaves validation: the key plus the fields the file sets. A field that
 * is absent keeps what the store has (the "keep" policy for empty cells); `null` clears it.
 */
export const CustomerRecordSchema = z.strictObject({
  key: z.string().min(1),
  fields: z.record(z.string(), FieldValueSchema),
});
export type CustomerRecord = z.infer<typeof CustomerRecordSchema>;

/** A validated record with the line of the file it came from. */
export interface StagedRecord extends CustomerRecord {
  line: number;
  /**
   * The customer type the import rules derived from this row. The store keeps the type of the
   * first import and reports a different one as a type conflict; absent: the rule is off.
   */
  type?: CustomerType;
  /** The status the ERP's blocked flag asks for; absent: the row says nothing about it. */
  status?: ImportedStatus;
  /**
   * The hash of the file row this record was made from, under everything that decides what a
   * row becomes (pipeline/source-rows.ts). The store keeps it as the customer's row hash, so
   * the next import of the same row can be settled before validation. Absent: the record's
   * fields are hashed instead (a record with issues, or one that did not come from a file row).
   */
  rowHash?: string;
}

/** B2B (a company name or VAT number is present) or B2C; set at the first import, never changed. */
export const CUSTOMER_TYPES = ['B2B', 'B2C'] as const;
export type CustomerType = (typeof CUSTOMER_TYPES)[number];

/** The statuses an import may give a customer (deactivation is the rebuild's business). */
export const IMPORTED_STATUSES = ['active', 'blocked'] as const;
export type ImportedStatus = (typeof IMPORTED_STATUSES)[number];

/** What the store holds for a customer. */
export interface StoredCustomer {
  /** Surrogate id from the store's numbering sequence; every customer has one. */
  id: number;
  /**
   * The ERP key (customer number). Null for a customer created on our side (e.g. by a webstore)
   * that no ERP row has been matched to yet.
   */
  key: string | null;
  data: Record<string, FieldValue>;
  status: CustomerStatus;
  source: string | null;
  createdAt: string;
  updatedAt: string;
  createdRunId: number | null;
  updatedRunId: number | null;
  /** B2B or B2C, as set by the first import that derived one; null when never derived. */
  type?: CustomerType | null;
  /** When and by which (rebuild) run the customer was deactivated; null while it is not. */
  deactivatedAt?: string | null;
  deactivatedRunId?: number | null;
}

export const CUSTOMER_STATUSES = ['active', 'blocked', 'deactivated'] as const;
export type CustomerStatus = (typeof CUSTOMER_STATUSES)[number];
