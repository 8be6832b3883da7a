import { z } from 'zod';
import { ADDRESS_FIELDS, EMBEDDED_ADDRESS_TYPES } from './address.js';
import { CONTACT_FIELDS } from './contact.js';
import {
  ATTRIBUTE_PREFIX,
  CUSTOMER_FIELDS,
  type FieldKind,
  type FieldValue,
} from './customer.js';
import { SALES_AGENT_FIELDS } from './sales-agent.js';

/**
 * Entities beyond the customer. A format definition imports one entity (`entity:`, default
 * `customer`); contacts and addresses belong to a customer by its number, sales agents stand
 * alone and customers point at them with `salespersonCode`.
 */
export const ENTITY_KINDS = [
  'customer',
  'contact',
  'address',
  'salesAgent',
] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];
/** The entities that live in their own tables next to the customers. */
export type RelatedEntityKind = Exclude<EntityKind, 'customer'>;

type FieldTable = Readonly<
  Record<string, { kind: FieldKind; description: string }>
>;

export const ENTITY_FIELDS: Readonly<Record<EntityKind, FieldTable>> = {
  customer: CUSTOMER_FIELDS,
  contact: CONTACT_FIELDS,
  address: ADDRESS_FIELDS,
  salesAgent: SALES_AGENT_FIELDS,
};

/** Words for messages: "contact", "address", "sales agent". */
export const ENTITY_LABELS: Readonly<Record<EntityKind, string>> = {
  customer: 'customer',
  contact: 'contact',
  address: 'address',
  salesAgent: 'sales agent',
};

/**
 * Prefixes of the fields a customer row may carry for one contact and up to two addresses
 * (`contact.firstName`, `billingAddress.street`, …), with the entity each prefix fills.
 */
export const EMBEDDED_PREFIXES = {
  contact: 'contact',
  billingAddress: 'address',
  shippingAddress: 'address',
} as const satisfies Record<string, RelatedEntityKind>;
export type EmbeddedPrefix = keyof typeof EMBEDDED_PREFIXES;

/** The link field of an embedded entity is the customer row's own number: not mappable. */
const EMBEDDED_EXCLUDED = new Set(['customerNo']);

/** `contact.firstName`, `billingAddress.street`, …: every field a customer row may embed. */
export const EMBEDDED_FIELD_NAMES: readonly string[] = Object.entries(
  EMBEDDED_PREFIXES,
).flatMap(([prefix, entity]) =>
  Object.keys(ENTITY_FIELDS[entity])
    .filter(
      (f) =>
        !EMBEDDED_EXCLUDED.has(f) && !(entity === 'address' && f === 'type'),
    )
    .map((f) => `${prefix}.${f}`),
);

/** Field names of the other entities that the customer model does not have. */
const OTHER_ENTITY_FIELD_NAMES: readonly string[] = [
  ...new Set([
    ...Object.keys(CONTACT_FIELDS),
    ...Object.keys(ADDRESS_FIELDS),
    ...Object.keys(SALES_AGENT_FIELDS),
  ]),
].filter((f) => !(f in CUSTOMER_FIELDS));

/**
 * Target fields of the other entities and of embedded entities. A format's column field is a
 * customer field, `attributes.<name>`, or one of these; which ones a format may use depends on
 * its entity (checked with the whole definition).
 */
export const EntityTargetFieldSchema = z.enum([
  ...OTHER_ENTITY_FIELD_NAMES,
  ...EMBEDDED_FIELD_NAMES,
] as [string, ...string[]]);

/** The embedded prefix of a field (`contact` of `contact.email`), if it has one. */
export function embeddedPrefixOf(field: string): EmbeddedPrefix | undefined {
  const dot = field.indexOf('.');
  if (dot < 0) {
    return undefined;
  }
  const prefix = field.slice(0, dot);
  return Object.hasOwn(EMBEDDED_PREFIXES, prefix)
    ? (prefix as EmbeddedPrefix)
    : undefined;
}

/**
 * The kind of value a target field holds for a format of `entity`, `'any'` for custom
 * attributes, or undefined when that entity has no such field.
 */
export function entityFieldKind(
  entity: EntityKind,
  field: string,
): FieldKind | 'any' | undefined {
  if (field.startsWith(ATTRIBUTE_PREFIX)) {
    return 'any';
  }
  const own = ENTITY_FIELDS[entity][field];
  if (own !== undefined) {
    return own.kind;
  }
  const prefix = entity === 'customer' ? embeddedPrefixOf(field) : undefined;
  if (prefix === undefined || !EMBEDDED_FIELD_NAMES.includes(field)) {
    return undefined;
  }
  return ENTITY_FIELDS[EMBEDDED_PREFIXES[prefix]][
    field.slice(prefix.length + 1)
  ]?.kind;
}

/** What a format needs to say for its record key to be known. */
export interface KeyedFormat {
  entity?: EntityKind;
  key: string;
  columns: readonly { field: string }[];
}

/**
 * The fields that make up a record's key, in order: the format's `key` for customers;
 * customerNo + contactNo for contacts; customerNo + addressId (or + type, when the export has no
 * address id) for addresses; salespersonCode for sales agents. Fixed per entity, so two exports
 * of the same entity always address the same rows.
 */
export function recordKeyFields(format: KeyedFormat): readonly string[] {
  const entity = format.entity ?? 'customer';
  switch (entity) {
    case 'customer':
      return [format.key];
    case 'contact':
      return ['customerNo', 'contactNo'];
    case 'address':
      return [
        'customerNo',
        format.columns.some((c) => c.field === 'addressId')
          ? 'addressId'
          : 'type',
      ];
    case 'salesAgent':
      return ['salespersonCode'];
    default: {
      const never: never = entity;
      return never;
    }
  }
}

/** Joins key parts into a record key (`10000/CT-7`); the parts are kept apart in the store. */
export const KEY_PART_SEPARATOR = '/';

/** `10000/CT-7` for a contact of customer 10000, `VK01` for a sales agent: what reports show. */
export function entityDisplayKey(record: {
  customerKey: string | null;
  key: string;
}): string {
  return record.customerKey === null
    ? record.key
    : `${record.customerKey}${KEY_PART_SEPARATOR}${record.key}`;
}

/**
 * A contact, address or sales agent as the store receives it: `customerKey` links it to its
 * customer (null for sales agents), `key` tells it apart from the customer's others.
 */
export interface EntityRecord {
  customerKey: string | null;
  key: string;
  fields: Record<string, FieldValue>;
  line: number;
}

/** What the store holds for a contact, address or sales agent. */
export interface StoredEntity {
  entity: RelatedEntityKind;
  customerKey: string | null;
  key: string;
  data: Record<string, FieldValue>;
  source: string | null;
  createdAt: string;
  updatedAt: string;
  createdRunId: number | null;
  updatedRunId: number | null;
}

/** The address type a customer row's `billingAddress.*` / `shippingAddress.*` fields give. */
export function embeddedAddressType(
  prefix: EmbeddedPrefix,
): string | undefined {
  return prefix === 'contact' ? undefined : EMBEDDED_ADDRESS_TYPES[prefix];
}
