import type { FieldValue } from '../domain/customer.js';

/**
 * A selection (`--only-key K1,K2`, `--only-email a@x.com`): only these customers of the file
 * are imported, the other rows are counted `filtered`. What was asked for but not found is
 * reported. E-mails are compared normalised (trimmed, lower-cased), keys exactly.
 */
export interface SelectionRequest {
  keys?: readonly string[];
  emails?: readonly string[];
}

export interface Selection {
  /** True when the row is one of the selected customers (and remembers that it was found). */
  matches(key: string, fields: Readonly<Record<string, FieldValue>>): boolean;
  /** The asked-for keys and e-mails no row matched, in the order they were given. */
  notFound(): string[];
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Null when nothing was selected (every row is imported). */
export function createSelection(
  request: SelectionRequest | undefined,
): Selection | null {
  const keys = (request?.keys ?? [])
    .map((k) => k.trim())
    .filter((k) => k !== '');
  const emails = (request?.emails ?? [])
    .map(normaliseEmail)
    .filter((e) => e !== '');
  if (keys.length === 0 && emails.length === 0) {
    return null;
  }
  const wantedKeys = new Set(keys);
  const wantedEmails = new Set(emails);
  const foundKeys = new Set<string>();
  const foundEmails = new Set<string>();
  return {
    matches(key, fields) {
      let hit = false;
      if (wantedKeys.has(key)) {
        foundKeys.add(key);
        hit = true;
      }
      const email = fields['email'];
      if (typeof email === 'string') {
        const normalised = normaliseEmail(email);
        if (wantedEmails.has(normalised)) {
          foundEmails.add(normalised);
          hit = true;
        }
      }
      return hit;
    },
    notFound() {
      return [
        ...keys.filter((k) => !foundKeys.has(k)),
        ...emails.filter((e) => !foundEmails.has(e)),
      ].filter((value, index, all) => all.indexOf(value) === index);
    },
  };
}
