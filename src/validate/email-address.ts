/**
 * The e-mail check of email columns: a dot-atom local part, `@`, LDH (or IDN) labels and a
 * top-level domain of letters. The regular expression is the definition; ASCII addresses (all
 * but a few) are checked by a character loop that accepts exactly what it accepts, at a
 * fraction of the cost of a Unicode-property regular expression per cell.
 *
 * @internal
 */

/** Dot-atom local part and LDH (or IDN) labels with a top-level domain; lower-cased before the test. */
const EMAIL =
  /^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+(?:\.[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+)*@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+[\p{L}]{2,63}$/u;

const DOT = 0x2e;
const AT = 0x40;
const HYPHEN = 0x2d;

/** ASCII characters of a local part besides letters and digits: !#$%&'*+/=?^_`{|}~- */
const LOCAL_SYMBOLS = new Set(
  Array.from("!#$%&'*+/=?^_`{|}~-", (c) => c.charCodeAt(0)),
);

export function isEmailAddress(value: string): boolean {
  const ascii = asciiEmail(value);
  return ascii ?? EMAIL.test(value);
}

function isLetter(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
}

function isAlnum(c: number): boolean {
  return isLetter(c) || (c >= 0x30 && c <= 0x39);
}

/**
 * The regular expression's answer for an ASCII text (\p{L} is A–Z and a–z there, \p{N} 0–9),
 * or undefined when the text has other characters. The domain splits at its dots only one way:
 * labels are followed by a dot, the top-level domain is what follows the last one.
 */
function asciiEmail(value: string): boolean | undefined {
  const length = value.length;
  let at = -1;
  for (let i = 0; i < length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x80) {
      return undefined;
    }
    if (c === AT && at < 0) {
      at = i;
    }
  }
  if (at <= 0) {
    return false;
  }
  // Local part: atoms of letters, digits and symbols, separated by single dots.
  let atomLength = 0;
  for (let i = 0; i < at; i++) {
    const c = value.charCodeAt(i);
    if (c === DOT) {
      if (atomLength === 0) {
        return false;
      }
      atomLength = 0;
    } else if (isAlnum(c) || LOCAL_SYMBOLS.has(c)) {
      atomLength++;
    } else {
      return false;
    }
  }
  if (atomLength === 0) {
    return false;
  }
  // Domain: labels (1–63, letters/digits/hyphens, no hyphen at either end), each followed by a
  // dot, then 2–63 letters.
  const lastDot = value.lastIndexOf('.');
  if (lastDot <= at + 1) {
    return false;
  }
  const tldLength = length - lastDot - 1;
  if (tldLength < 2 || tldLength > 63) {
    return false;
  }
  for (let i = lastDot + 1; i < length; i++) {
    if (!isLetter(value.charCodeAt(i))) {
      return false;
    }
  }
  let labelStart = at + 1;
  for (let i = at + 1; i <= lastDot; i++) {
    const c = value.charCodeAt(i);
    if (c === DOT) {
      const labelLength = i - labelStart;
      if (
        labelLength < 1 ||
        labelLength > 63 ||
        !isAlnum(value.charCodeAt(labelStart)) ||
        !isAlnum(value.charCodeAt(i - 1))
      ) {
        return false;
      }
      labelStart = i + 1;
    } else if (!isAlnum(c) && c !== HYPHEN) {
      return false;
    }
  }
  return true;
}
