import type { FieldValue } from '../domain/customer.js';

/**
 * Customer class defaults (`customerClasses` in the app config): a class such as ECCUSTOMER gives
 * values to the fields a row leaves empty or out — currency, payment terms, language, price
 * group. A value the file gives is never overridden. The class is the row's own customerClass,
 * else the job's or the format's default class.
 */
export type CustomerClasses = Readonly<
  Record<string, Readonly<Record<string, FieldValue>>>
>;

export interface ClassDefaultsResult {
  fields: Readonly<Record<string, FieldValue>>;
  /** The class the row belongs to but the config does not define (reported once per file). */
  unknownClass: string | null;
}

export function applyClassDefaults(
  fields: Readonly<Record<string, FieldValue>>,
  classes: CustomerClasses,
  defaultClass: string | undefined,
): ClassDefaultsResult {
  const changes = new Map<string, FieldValue>();
  const unknownClass = collectClassDefaults(
    fields,
    classes,
    defaultClass,
    changes,
  );
  if (changes.size === 0) {
    return { fields, unknownClass };
  }
  const filled: Record<string, FieldValue> = { ...fields };
  for (const [field, value] of changes) {
    filled[field] = value;
  }
  return { fields: filled, unknownClass };
}

/**
 * What {@link applyClassDefaults} sets, without copying the fields: adds each field and its
 * value to `changes` (a field set twice keeps its first place and its last value). Returns the
 * class the row belongs to when the config does not define it.
 */
export function collectClassDefaults(
  fields: Readonly<Record<string, FieldValue>>,
  classes: CustomerClasses,
  defaultClass: string | undefined,
  changes: Map<string, FieldValue>,
): string | null {
  const own = fields['customerClass'];
  const className =
    typeof own === 'string' && own.trim() !== '' ? own.trim() : defaultClass;
  if (className === undefined) {
    return null;
  }
  // hasOwn: a class named "constructor" must not find Object.prototype's.
  const defaults = Object.hasOwn(classes, className)
    ? classes[className]
    : undefined;
  if (defaults === undefined) {
    return className;
  }
  for (const [field, value] of Object.entries(defaults)) {
    const current = fields[field];
    if (current === undefined || current === null || current === '') {
      changes.set(field, value);
    }
  }
  // A default class the row did not name is written too, so the stored customer says which class gave its values.
  if (own === undefined || own === null || own === '') {
    changes.set('customerClass', className);
  }
  return null;
}
