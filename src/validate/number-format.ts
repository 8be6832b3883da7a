/**
 * Numbers as ERPs write them: `1234.5`, `1.234,50`, `-1.000`, `0,30`, SAP's trailing minus
 * `1.234,50-`. The text is normalised to JavaScript's syntax and read with `Number()` once, so
 * `0,30` is exactly 0.3 and never the result of arithmetic on parts (no float noise).
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

/**
 * Builds a reader for one separator setting. Throws an Error when the setting is ambiguous
 * (the same character for both separators, or a digit or sign as a separator).
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
  const d = escapeRegex(dec);
  // Grouped integer parts must be well formed (1–3 digits, then groups of exactly 3), so a
  // mistyped `1,2,3` or a wrong separator setting is an error rather than a wrong number.
  const integerPart =
    group === '' ? '\\d+' : `(?:\\d{1,3}(?:${escapeRegex(group)}\\d{3})+|\\d+)`;
  const shape = new RegExp(`^([+-])?(${integerPart})?(?:${d}(\\d+))?(-)?$`);
  const groupPattern =
    group === '' ? null : new RegExp(escapeRegex(group), 'g');
  const expected =
    group === ''
      ? `a number with decimal separator '${dec}', e.g. 1234${dec}5`
      : `a number with decimal separator '${dec}' and thousands separator '${group}', e.g. 1${group}234${dec}5`;

  return {
    expected,
    read(text) {
      const m = shape.exec(text);
      if (m === null) {
        return undefined;
      }
      // Indexed access: destructuring a match array goes through the iterator protocol.
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
          : groupPattern === null || integer.length < 5
            ? integer
            : integer.replace(groupPattern, '');
      const negative = sign === '-' || trailingMinus !== undefined;
      const value = Number(
        `${negative ? '-' : ''}${digits}${fraction === undefined ? '' : `.${fraction}`}`,
      );
      if (!Number.isFinite(value)) {
        return undefined;
      }
      // -0 would survive into JSON as 0 but compare unequal with Object.is; store plain 0.
      return value === 0 ? 0 : value;
    },
  };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
