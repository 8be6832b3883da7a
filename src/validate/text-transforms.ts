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
  collapseSpaces: (s) => s.replace(/\s+/g, ' '),
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
