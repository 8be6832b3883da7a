import type { FieldValue } from '../domain/customer.js';

/**
 * The seed connector's rule for the primary contact: when a row has neither first nor last
 * name, they come from the account name — the first word is the first name, the rest the last
 * name ("Anna Maria Schulz" → "Anna" / "Maria Schulz"). A one-word name gives only the first
 * name. Rows with either name, or without an account name, are returned as they are.
 */
export function applyNameFallback(
  fields: Readonly<Record<string, FieldValue>>,
): Readonly<Record<string, FieldValue>> {
  if (!isEmpty(fields['firstName']) || !isEmpty(fields['lastName'])) {
    return fields;
  }
  const name = fields['name'];
  if (typeof name !== 'string') {
    return fields;
  }
  const words = name
    .trim()
    .split(/\s+/u)
    .filter((w) => w !== '');
  const [first, ...rest] = words;
  if (first === undefined) {
    return fields;
  }
  const filled: Record<string, FieldValue> = { ...fields, firstName: first };
  if (rest.length > 0) {
    filled['lastName'] = rest.join(' ');
  }
  return filled;
}

function isEmpty(value: FieldValue | undefined): boolean {
  return (
    value === undefined ||
    value === null ||
    (typeof value === 'string' && value.trim() === '')
  );
}
