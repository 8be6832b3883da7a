import type { CustomerType, FieldValue } from '../domain/customer.js';

/**
 * The customer type rule of the seed products: a customer is B2B when the row names a company
 * or a VAT number (by default; a format may list other fields), else B2C. The store keeps the
 * type of the first import; this only says what the row suggests.
 */
export const DEFAULT_B2B_FIELDS = ['company', 'vatId'] as const;

export function deriveCustomerType(
  fields: Readonly<Record<string, FieldValue>>,
  b2bFields: readonly string[] = DEFAULT_B2B_FIELDS,
): CustomerType {
  for (const field of b2bFields) {
    const value = fields[field];
    if (value !== undefined && value !== null && String(value).trim() !== '') {
      return 'B2B';
    }
  }
  return 'B2C';
}
