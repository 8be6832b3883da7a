/**
 * JSON with object keys in sorted order, so that two records with the same content always give
 * the same text (and so the same content hash), whatever order their fields were set in.
 */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) {
    return `[${value.map((v) => stableStringify(v)).join(',')}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  const flat = flatSorted(obj, keys);
  if (flat !== undefined) {
    // Customer records are flat: one native JSON.stringify of a key-sorted copy runs several
    // times faster per row than joining per-key pieces, and gives the same text.
    return JSON.stringify(flat);
  }
  return `{${keys
    .filter((k) => obj[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${stableStringify(obj[k])}`)
    .join(',')}}`;
}

/**
 * A copy of `obj` with its keys inserted in sorted order, or undefined when the native
 * stringify could differ from the general path: a nested object or array, a value JSON has no
 * text for (function, symbol, bigint), or an integer-like key (objects list those first,
 * whatever the insertion order).
 */
function flatSorted(
  obj: Record<string, unknown>,
  keys: readonly string[],
): Record<string, unknown> | undefined {
  const copy: Record<string, unknown> = Object.create(null) as Record<
    string,
    unknown
  >;
  for (const key of keys) {
    const first = key.charCodeAt(0);
    if (first >= 0x30 && first <= 0x39) {
      return undefined;
    }
    const v = obj[key];
    if (v === undefined) {
      continue;
    }
    const type = typeof v;
    if (
      v !== null &&
      type !== 'string' &&
      type !== 'number' &&
      type !== 'boolean'
    ) {
      return undefined;
    }
    copy[key] = v;
  }
  return copy;
}
