import type { FieldValue } from '../domain/customer.js';
import type {
  FilterCondition,
  RowFilterDefinition,
} from '../formats/format-definition.js';

/**
 * A format's `filter`, compiled once per run into a predicate over a record's mapped fields.
 * Regular expressions were checked when the format was loaded; here each is built exactly once,
 * not per row (a million-row file would otherwise compile it a million times).
 *
 * Values are compared as text (`String(value)`), because YAML may give `01` as a number while
 * the column reads it as the string "01"; an absent field, `null` and "" are all "empty".
 */
export type RowFilter = (
  fields: Readonly<Record<string, FieldValue>>,
) => boolean;

/** The filter that lets every row through (a format without `filter`). */
export const PASS_ALL: RowFilter = () => true;

export function compileRowFilter(
  definition: RowFilterDefinition | undefined,
): RowFilter {
  if (definition === undefined) {
    return PASS_ALL;
  }
  if ('all' in definition) {
    const parts = definition.all.map((d) => compileRowFilter(d));
    return (fields) => parts.every((part) => part(fields));
  }
  if ('any' in definition) {
    const parts = definition.any.map((d) => compileRowFilter(d));
    return (fields) => parts.some((part) => part(fields));
  }
  return compileCondition(definition);
}

function compileCondition(condition: FilterCondition): RowFilter {
  const { field } = condition;
  const text = (fields: Readonly<Record<string, FieldValue>>): string | null =>
    valueText(fields[field]);
  if (condition.equals !== undefined) {
    const expected = String(condition.equals);
    return (fields) => text(fields) === expected;
  }
  if (condition.notEquals !== undefined) {
    const unexpected = String(condition.notEquals);
    return (fields) => text(fields) !== unexpected;
  }
  if (condition.in !== undefined) {
    const allowed = new Set(condition.in.map(String));
    return (fields) => {
      const value = text(fields);
      return value !== null && allowed.has(value);
    };
  }
  if (condition.notIn !== undefined) {
    const denied = new Set(condition.notIn.map(String));
    return (fields) => {
      const value = text(fields);
      return value === null || !denied.has(value);
    };
  }
  if (condition.empty !== undefined) {
    return (fields) => text(fields) === null;
  }
  if (condition.notEmpty !== undefined) {
    return (fields) => text(fields) !== null;
  }
  if (condition.matches !== undefined) {
    const pattern = new RegExp(condition.matches, 'u');
    return (fields) => {
      const value = text(fields);
      return value !== null && pattern.test(value);
    };
  }
  // The schema demands exactly one operator, so this is a definition that bypassed it.
  throw new Error(`filter condition on "${field}" has no operator`);
}

/** The value as text, or null when it is empty (absent, null or ""). */
function valueText(value: FieldValue | undefined): string | null {
  if (value === undefined || value === null) {
    return null;
  }
  const text = String(value);
  return text === '' ? null : text;
}
