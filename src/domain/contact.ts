import type { FieldKind } from './customer.js';

/**
 * A contact: a person of a customer (buyer, accountant, …). Contacts come from their own export
 * (`entity: contact`), keyed by customer number + contact number, or one per customer row
 * through `contact.<field>` target fields of a customer format.
 */
export const CONTACT_FIELDS = {
  contactNo: {
    kind: 'text',
    description:
      'Contact number in the ERP; with customerNo the key of a contact',
  },
  customerNo: {
    kind: 'text',
    description: 'Number of the customer the contact belongs to',
  },
  firstName: { kind: 'text', description: 'First name' },
  lastName: { kind: 'text', description: 'Last name' },
  email: { kind: 'text', description: 'E-mail address, lower-cased' },
  phone: { kind: 'text', description: 'Phone number' },
  mobile: { kind: 'text', description: 'Mobile phone number' },
  role: { kind: 'text', description: 'Role or job title, e.g. purchasing' },
  lastModified: { kind: 'datetime', description: 'Last modified in the ERP' },
} as const satisfies Record<string, { kind: FieldKind; description: string }>;

export type ContactFieldName = keyof typeof CONTACT_FIELDS;

/** Key of the one contact a customer row brings when the format maps no `contact.contactNo`. */
export const EMBEDDED_CONTACT_KEY = 'primary';
