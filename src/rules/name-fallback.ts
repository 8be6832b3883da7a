import type { FieldValue } from '../domain/customer.js';

/**
 * The seed connector's rule for the primary contact: when a row has neither first nor last
 * name, they come from the account name — the first word is the first name, the rest the last
 * name ("Anna Maria Schulz" → "Anna" / "Maria Schulz"). A one-word name gives only the first
 * name. Rows with either name, or without an account name, are returned as they are.
 *
 * An account name that is a company's, ending in a legal form ("Müller GmbH", "Acme Ltd.",
 * "Dupont S.A.R.L."), is no person's name: the names stay empty instead of becoming first name
 * "Müller", last name "GmbH". (A row whose account name is the contact's, next to a separate
 * company column, is split as usual.)
 */
export function applyNameFallback(
  fields: Readonly<Record<string, FieldValue>>,
): Readonly<Record<string, FieldValue>> {
  const names = fallbackNames((field) => fields[field]);
  if (names === null) {
    return fields;
  }
  const filled: Record<string, FieldValue> = {
    ...fields,
    firstName: names.firstName,
  };
  if (names.lastName !== undefined) {
    filled['lastName'] = names.lastName;
  }
  return filled;
}

/**
 * What {@link applyNameFallback} fills in, without copying the fields (`read` gives a field's
 * value): the first name, and the last name when the account name has more than one word;
 * null when the rule does not apply.
 */
export function fallbackNames(
  read: (field: string) => FieldValue | undefined,
): { firstName: string; lastName: string | undefined } | null {
  if (!isEmpty(read('firstName')) || !isEmpty(read('lastName'))) {
    return null;
  }
  const name = read('name');
  if (typeof name !== 'string') {
    return null;
  }
  const words = name
    .trim()
    .split(/\s+/u)
    .filter((w) => w !== '');
  const [first, ...rest] = words;
  if (first === undefined || endsWithLegalForm(words)) {
    return null;
  }
  return {
    firstName: first,
    lastName: rest.length > 0 ? rest.join(' ') : undefined,
  };
}

/**
 * Legal forms that end a company name, compared without dots and case ("GmbH", "S.A.R.L.",
 * "Ltd."). "Müller GmbH & Co. KG" ends in KG, "Kowalski Sp. z o.o." in "o.o.". Only the last
 * word is looked at: legal forms come last, and a word inside a name is more often a name.
 */
const LEGAL_FORMS = new Set(
  (
    'gmbh mbh ggmbh ohg gbr kgaa partg ' +
    'ltd limited llc llp plc inc incorporated corp corporation ' +
    'sarl sas sasu eurl spa srl sapa lda bvba sprl aps oyj asa sro kft zrt nyrt doo spzoo '
  )
    .trim()
    .split(' '),
);

/**
 * Short forms that are also names or words ("Sa", "Ab", "Co"): they count only when written
 * as a legal form is, in capitals or with dots ("AG", "S.A.", "e.K.").
 */
const SHORT_LEGAL_FORMS = new Set(
  'ag kg ug ek ev eg se co sa sl snc sc bv nv vof ab as oy oo dd cv '
    .trim()
    .split(' '),
);

function endsWithLegalForm(words: readonly string[]): boolean {
  const last = (words[words.length - 1] ?? '').replace(/[,;]+$/u, '');
  const bare = last.replace(/\./gu, '');
  const lower = bare.toLowerCase();
  if (LEGAL_FORMS.has(lower)) {
    return true;
  }
  return (
    SHORT_LEGAL_FORMS.has(lower) &&
    words.length > 1 &&
    (last.includes('.') || bare === bare.toUpperCase())
  );
}

function isEmpty(value: FieldValue | undefined): boolean {
  return (
    value === undefined ||
    value === null ||
    (typeof value === 'string' && value.trim() === '')
  );
}
