import type { Transform } from '../formats/format-definition.js';

/**
 * A column's transforms and value map, composed once into one function per column. They run in
 * this order: transforms as listed, then the value map (whole values), then type conversion.
 */

export type TextStep = (text: string) => string;

const STEPS: Record<Transform, TextStep> = {
  trim: (s) => s.trim(),
  upper: (s) => s.toUpperCase(),
  lower: (s) => s.toLowerCase(),
  collapseSpaces: (s) => (hasSpaceRun(s) ? s.replace(/\s+/g, ' ') : s),
  // Keeps one zero for "000", and does not touch "0,5"/"0.5": only zeros before another digit
  // or letter are padding.
  stripLeadingZeros: (s) => s.replace(/^0+(?=[^.,])/, ''),
};

/** The transforms in order, as one function; identity when there are none. */
export function composeTransforms(transforms: readonly Transform[]): TextStep {
  const steps = transforms.map((t) => STEPS[t]);
  if (steps.length === 0) {
    return (s) => s;
  }
  if (steps.length === 1 && steps[0] !== undefined) {
    return steps[0];
  }
  return (s) => {
    let out = s;
    for (const step of steps) {
      out = step(out);
    }
    return out;
  };
}

/**
 * A value map as a Map, so admin-written keys such as `constructor` never hit
 * Object.prototype. Undefined when the column has none.
 */
export function toValueMap(
  map: Readonly<Record<string, string>> | undefined,
): ReadonlyMap<string, string> | undefined {
  if (map === undefined) {
    return undefined;
  }
  const entries = Object.entries(map);
  return entries.length === 0 ? undefined : new Map(entries);
}

/**
 * Whether `\s+` → ' ' would change the text: it has a whitespace character other than a
 * single space, or two in a row. Most names have neither, and a character loop is cheaper
 * than a regular expression replace that replaces nothing.
 */
function hasSpaceRun(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x20) {
      if (i + 1 < s.length && isRegexSpace(s.charCodeAt(i + 1))) {
        return true;
      }
    } else if (c < 0x21 || (c >= 0x7f && isRegexSpace(c))) {
      // Control characters below 0x21 are checked by the replace itself (only some are \s).
      return true;
    }
  }
  return false;
}

/** The characters `\s` matches: WhiteSpace and LineTerminator of ECMAScript. */
function isRegexSpace(c: number): boolean {
  return (
    c === 0x20 ||
    (c >= 0x09 && c <= 0x0d) ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}
