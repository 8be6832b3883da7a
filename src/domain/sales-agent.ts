import type { FieldKind } from './customer.js';

/**
 * A sales agent (salesperson). Sales agents come from their own export (`entity: salesAgent`),
 * keyed by their code; a customer's `salespersonCode` links to one.
 */
export const SALES_AGENT_FIELDS = {
  salespersonCode: {
    kind: 'text',
    description: 'Salesperson code; the key of a sales agent',
  },
  name: { kind: 'text', description: 'Name' },
  email: { kind: 'text', description: 'E-mail address, lower-cased' },
  phone: { kind: 'text', description: 'Phone number' },
  lastModified: { kind: 'datetime', description: 'Last modified in the ERP' },
} as const satisfies Record<string, { kind: FieldKind; description: string }>;

export type SalesAgentFieldName = keyof typeof SALES_AGENT_FIELDS;
