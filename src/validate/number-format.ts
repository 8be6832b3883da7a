/**
 * Numbers as ERPs write them: `1234.5`, `1.234,50`, `-1.000`, `0,30`, SAP's trailing minus
 * `1.234,50-`. The text is checked character by character (no regular expression, no match
 * array per cell) and its value is computed exactly: up to 15 significant digits, the digits
 * form an integer below 2^53 and one IEEE division by a power of ten gives the correctly
 * rounded result, which is exactly what `Number()` gives for the same decimal text. Longer
 * numbers are normalised to JavaScript's syntax and read with `Number()`. So `0,30` is exactly
 * 0.3 and never the result of adding parts (no float noise).
 */

export interface NumberFormatOptions {
  /** One character; default `.`. */
  decimalSeparator: string;
  /** At most one character; `''` means numbers carry no grouping. */
  thousandsSeparator: string;
}

export interface NumberReader {
  /** What a valid number looks like, for messages. */
  readonly expected: string;
  /** The number in trimmed text, or undefined when the text is not a number in this format. */
  read(text: string): number | undefined;
}

/** Digits whose integer value is always exact in a double (10^15 < 2^53). */
const MAX_EXACT_DIGITS = 15;
/** Powers of ten that are exact doubles (10^22 is the last one). */
const POW10: readonly number[] = Array.from({ length: 23 }, (_, i) => 10 ** i);
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const PLUS = 0x2b;
const MINUS = 0x2d;

/**
 * Builds a reader for one separator setting. Throws an Error when the setting is ambiguous
 * (the same character for both separators, or a digit or sign as a separator).
 *
 * The accepted shape is: an optional sign, an optional integer part (plain digits, or 1–3
 * digits followed by groups of exactly 3 when a thousands separator is set, so a mistyped
 * `1,2,3` or a wrong separator setting is an error rather than a wrong number), an optional
 * decimal separator with at least one digit, an optional trailing minus; at least one digit,
 * and not both a sign and a trailing minus.
 */
export function createNumberReader(options: NumberFormatOptions): NumberReader {
  const { decimalSeparator: dec, thousandsSeparator: group } = options;
  for (const sep of [dec, group]) {
    if (/[0-9+-]/.test(sep)) {
      throw new Error(`'${sep}' cannot be a separator`);
    }
  }
  if (dec === group) {
    throw new Error(`the decimal and thousands separators are both '${dec}'`);
  }
  const expected =
    group === ''
      ? `a number with decimal separator '${dec}', e.g. 1234${dec}5`
      : `a number with decimal separator '${dec}' and thousands separator '${group}', e.g. 1${group}234${dec}5`;
  if (dec.length !== 1 || group.length > 1) {
    // Format definitions allow one character only; callers that pass more get the same shape
    // checked by a regular expression.
    return createRegexReader(dec, group, expected);
  }
  const decCode = dec.charCodeAt(0);
  // -1 never equals a char code: no grouping.
  const groupCode = group === '' ? -1 : group.charCodeAt(0);

  return {
    expected,
    read(text) {
      const length = text.length;
      let pos = 0;
      let c = text.charCodeAt(0);
      let signed = false;
      let negative = false;
      if (c === PLUS || c === MINUS) {
        signed = true;
        negative = c === MINUS;
        c = text.charCodeAt(++pos);
      }
      // Integer part: digits, grouped or not.
      const intStart = pos;
      let grouped = false;
      while (c >= DIGIT_0 && c <= DIGIT_9) {
        c = text.charCodeAt(++pos);
      }
      let intEnd = pos;
      if (c === groupCode && pos > intStart) {
        if (pos - intStart > 3) {
          return undefined;
        }
        grouped = true;
        while (c === groupCode) {
          for (let k = 1; k <= 3; k++) {
            const d = text.charCodeAt(pos + k);
            if (!(d >= DIGIT_0 && d <= DIGIT_9)) {
              return undefined;
            }
          }
          pos += 4;
          c = text.charCodeAt(pos);
        }
        if (c >= DIGIT_0 && c <= DIGIT_9) {
          return undefined;
        }
        intEnd = pos;
      }
      // Fraction: the decimal separator and at least one digit.
      let fracStart = -1;
      let fracEnd = -1;
      if (c === decCode) {
        fracStart = ++pos;
        c = text.charCodeAt(pos);
        while (c >= DIGIT_0 && c <= DIGIT_9) {
          c = text.charCodeAt(++pos);
        }
        if (pos === fracStart) {
          return undefined;
        }
        fracEnd = pos;
      }
      if (c === MINUS) {
        if (signed) {
          return undefined;
        }
        negative = true;
        pos++;
      }
      if (pos !== length || (intEnd === intStart && fracStart < 0)) {
        return undefined;
      }
      const value = valueOf(
        text,
        intStart,
        intEnd,
        grouped,
        fracStart,
        fracEnd,
      );
      if (value === undefined) {
        return undefined;
      }
      const signedValue = negative ? -value : value;
      // -0 would survive into JSON as 0 but compare unequal with Object.is; store plain 0.
      return signedValue === 0 ? 0 : signedValue;
    },
  };
}

/** The unsigned value of checked digits; undefined when it is not finite. */
function valueOf(
  text: string,
  intStart: number,
  intEnd: number,
  grouped: boolean,
  fracStart: number,
  fracEnd: number,
): number | undefined {
  const fracDigits = fracStart < 0 ? 0 : fracEnd - fracStart;
  let digits = 0;
  let n = 0;
  for (let i = intStart; i < intEnd; i++) {
    const c = text.charCodeAt(i);
    if (c >= DIGIT_0 && c <= DIGIT_9) {
      // Leading zeros add nothing and cost no precision.
      if (n !== 0 || c !== DIGIT_0) {
        digits++;
      }
      n = n * 10 + (c - DIGIT_0);
    }
  }
  for (let i = fracStart; i < fracEnd; i++) {
    const c = text.charCodeAt(i);
    if (n !== 0 || c !== DIGIT_0) {
      digits++;
    }
    n = n * 10 + (c - DIGIT_0);
  }
  if (digits <= MAX_EXACT_DIGITS && fracDigits < POW10.length) {
    // n and 10^k are exact, so one correctly rounded division equals Number() of the text.
    return fracDigits === 0 ? n : n / (POW10[fracDigits] as number);
  }
  let integer = intEnd > intStart ? text.slice(intStart, intEnd) : '0';
  if (grouped) {
    integer = integer.replace(/\D/g, '');
  }
  const value = Number(
    fracStart < 0 ? integer : `${integer}.${text.slice(fracStart, fracEnd)}`,
  );
  return Number.isFinite(value) ? value : undefined;
}

/** The same shape as a regular expression, for separators longer than one character. */
function createRegexReader(
  dec: string,
  group: string,
  expected: string,
): NumberReader {
  const d = escapeRegex(dec);
  const integerPart =
    group === '' ? '\\d+' : `(?:\\d{1,3}(?:${escapeRegex(group)}\\d{3})+|\\d+)`;
  const shape = new RegExp(`^([+-])?(${integerPart})?(?:${d}(\\d+))?(-)?$`);
  const groupPattern =
    group === '' ? null : new RegExp(escapeRegex(group), 'g');
  return {
    expected,
    read(text) {
      const m = shape.exec(text);
      if (m === null) {
        return undefined;
      }
      const sign = m[1];
      const integer = m[2];
      const fraction = m[3];
      const trailingMinus = m[4];
      if (
        (integer === undefined && fraction === undefined) ||
        (sign !== undefined && trailingMinus !== undefined)
      ) {
        return undefined;
      }
      const digits =
        integer === undefined
          ? '0'
          : groupPattern === null
            ? integer
            : integer.replace(groupPattern, '');
      const negative = sign === '-' || trailingMinus !== undefined;
      const value = Number(
        `${negative ? '-' : ''}${digits}${fraction === undefined ? '' : `.${fraction}`}`,
      );
      if (!Number.isFinite(value)) {
        return undefined;
      }
      return value === 0 ? 0 : value;
    },
  };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
