import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { recordKeyFields } from '../../../src/domain/entity.js';
import { FormatDefinitionSchema } from '../../../src/formats/format-definition.js';

/** Format definitions for contacts, addresses and sales agents, and the customer's matchExisting. */

function problems(definition: Record<string, unknown>): string[] {
  const result = FormatDefinitionSchema.safeParse({
    type: 'delimited',
    id: 'f',
    ...definition,
  });
  return result.success
    ? []
    : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

const col = (field: string, extra: Record<string, unknown> = {}) => ({
  source: field,
  field,
  ...extra,
});

describe('format definitions of other entities', () => {
  it('accepts a contact format whose key columns are required, and knows its key', () => {
    const contact = FormatDefinitionSchema.parse({
      type: 'delimited',
      id: 'contacts',
      entity: 'contact',
      columns: [
        col('contactNo', { required: true }),
        col('customerNo', { required: true }),
        col('role'),
        col('attributes.Hobby'),
      ],
    });
    expect(contact.entity).toBe('contact');
    expect(recordKeyFields(contact)).toEqual(['customerNo', 'contactNo']);
  });

  it('keys addresses by address id when the export has one, else by type', () => {
    const withId = {
      entity: 'address' as const,
      key: 'customerNo',
      columns: [{ field: 'customerNo' }, { field: 'addressId' }],
    };
    expect(recordKeyFields(withId)).toEqual(['customerNo', 'addressId']);
    expect(
      recordKeyFields({
        ...withId,
        columns: [{ field: 'customerNo' }, { field: 'type' }],
      }),
    ).toEqual(['customerNo', 'type']);
    expect(
      recordKeyFields({ entity: 'salesAgent', key: 'customerNo', columns: [] }),
    ).toEqual(['salespersonCode']);
    expect(recordKeyFields({ key: 'vatId', columns: [] })).toEqual(['vatId']);
  });

  it('names a missing or optional key column, and fields the entity does not have', () => {
    expect(
      problems({
        entity: 'contact',
        columns: [
          col('customerNo', { required: true }),
          col('contactNo'),
          col('vatId'),
        ],
      }),
    ).toEqual([
      'columns.2.field: "vatId" is not a contact field; custom fields are written attributes.<name>',
      'columns.1.required: "contactNo" is part of the contact\'s key: its column must be required: true',
    ]);
    expect(
      problems({
        entity: 'address',
        columns: [col('customerNo', { required: true }), col('city')],
      }),
    ).toEqual([
      'columns: an address format must map "type" (or addressId): it is part of the address\'s key',
    ]);
    expect(problems({ entity: 'salesAgent', columns: [col('name')] })).toEqual([
      'columns: a sales agent format must map "salespersonCode": it is part of the sales agent\'s key',
    ]);
  });

  it('lets a customer format embed one contact and addresses, but no field of another entity', () => {
    expect(
      problems({
        columns: [
          col('customerNo', { required: true }),
          col('contact.firstName'),
          col('billingAddress.street'),
          col('shippingAddress.city'),
        ],
      }),
    ).toEqual([]);
    expect(
      problems({
        columns: [col('customerNo', { required: true }), col('contactNo')],
      }),
    ).toEqual([
      'columns.1.field: "contactNo" is not a customer field; a customer format may use it only with "entity" set to the entity it belongs to',
    ]);
    // The link to the customer is the row itself; an address type comes from the prefix.
    expect(
      problems({
        columns: [
          col('customerNo', { required: true }),
          col('contact.customerNo'),
        ],
      }),
    ).toHaveLength(1);
    expect(
      problems({
        columns: [
          col('customerNo', { required: true }),
          col('billingAddress.type'),
        ],
      }),
    ).toHaveLength(1);
  });

  it('checks matchExisting: mapped fields of a customer format only', () => {
    expect(
      problems({
        matchExisting: ['vatId'],
        columns: [col('customerNo', { required: true }), col('vatId')],
      }),
    ).toEqual([]);
    expect(
      problems({
        matchExisting: ['email'],
        columns: [col('customerNo', { required: true })],
      }),
    ).toEqual([
      'matchExisting.0: match field "email" is not mapped by any column, so no row could ever be matched by it',
    ]);
    expect(
      problems({
        entity: 'salesAgent',
        matchExisting: ['email'],
        columns: [col('salespersonCode', { required: true }), col('email')],
      }),
    ).toEqual([
      'matchExisting: matchExisting pairs customers only; a sales agent format cannot use it',
    ]);
    expect(
      problems({
        matchExisting: ['phone'],
        columns: [col('customerNo', { required: true })],
      })[0],
    ).toMatch(/^matchExisting\.0:/);
  });

  it('describes entity and matchExisting in the JSON Schema for editors', () => {
    const schema = JSON.stringify(
      z.toJSONSchema(FormatDefinitionSchema, { io: 'input' }),
    );
    expect(schema).toContain('"salesAgent"');
    expect(schema).toContain('billingAddress.street');
  });
});
