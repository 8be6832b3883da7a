import type { FieldValue } from '../domain/customer.js';
import type { NewCustomer } from './customer-store.js';
import {
  customerSearchText,
  dataContentHash,
  serializeData,
} from './record-diff.js';

/**
 * The stored columns of a customer created on our side, the same on every back-end: data
 * without nulls (null means "cleared", and a new customer has nothing to clear), its content
 * hash, and search text without a key. No row hash: the first ERP row that pairs with it is
 * merged in full (SQLite reads a missing row hash as the content hash, which only lets a row
 * through that serializes exactly as the stored data, that is one that changes nothing).
 */
export function newCustomerRow(customer: NewCustomer): {
  data: string;
  contentHash: string;
  searchText: string;
  status: string;
} {
  const data: Record<string, FieldValue> = {};
  for (const [field, value] of Object.entries(customer.data)) {
    if (value !== null) {
      data[field] = value;
    }
  }
  const dataJson = serializeData(data);
  return {
    data: dataJson,
    contentHash: dataContentHash(dataJson),
    searchText: customerSearchText('', data).replace(/^\n/, ''),
    status: customer.status ?? 'active',
  };
}
