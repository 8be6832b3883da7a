import type { FieldKind } from './customer.js';

/**
 * An address of a customer (billing, shipping, …). Addresses come from their own export
 * (`entity: address`), keyed by customer number + address id (or + type when the export has no
 * id), or from the customer row through `billingAddress.<field>` / `shippingAddress.<field>`.
 */
export const ADDRESS_FIELDS = {
  addressId: {
    kind: 'text',
    description:
      'Address id in the ERP (ship-to code); with customerNo the key',
  },
  customerNo: {
    kind: 'text',
    description: 'Number of the customer the address belongs to',
  },
  type: {
    kind: 'text',
    description:
      'billing, shipping, …; the key (with customerNo) when there is no addressId',
  },
  name: { kind: 'text', description: 'Name on the address' },
  street: { kind: 'text', description: 'Street and house number' },
  street2: { kind: 'text', description: 'Second address line' },
  postalCode: {
    kind: 'text',
    description: 'Postal code (kept as text: leading zeros matter)',
  },
  city: { kind: 'text', description: 'City' },
  region: { kind: 'text', description: 'Region, state or county' },
  country: { kind: 'text', description: 'ISO 3166-1 alpha-2 country code' },
  lastModified: { kind: 'datetime', description: 'Last modified in the ERP' },
} as const satisfies Record<string, { kind: FieldKind; description: string }>;

export type AddressFieldName = keyof typeof ADDRESS_FIELDS;

/** Prefixes of the address fields a customer row may carry, and the address type each gives. */
export const EMBEDDED_ADDRESS_TYPES = {
  billingAddress: 'billing',
  shippingAddress: 'shipping',
} as const;
export type EmbeddedAddressPrefix = keyof typeof EMBEDDED_ADDRESS_TYPES;
