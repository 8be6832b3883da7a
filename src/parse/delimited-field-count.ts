import type { RowIssue } from '../domain/row-issue.js';
import { describeDelimiter } from './delimited-detect.js';

/**
 * Checks each record's field count against the header (or, without a header, against the
 * first data row) and reports a mismatch as a row issue. The cells are always kept.
 *
 * One tolerance, because ERP exports do it all the time: a delimiter after the last field.
 * - If the header ends with an empty name (`a;b;c;`), that column has no name and no data;
 *   a row without the trailing field (`1;2;3`) is complete and gets an empty cell added.
 * - If the first data row has one field more than the header and that field is empty
 *   (`a;b;c` over `1;2;3;`), the export puts a delimiter at the end of every data line; such
 *   rows lose the empty extra cell. This is decided by the FIRST data row only: a single row
 *   with a stray trailing delimiter among normal rows is still reported (it may mean a value
 *   was split in two).
 *
 * @internal
 */
export class FieldCountCheck {
  readonly #expected: number;
  readonly #reference: string;
  readonly #delimiter: string;
  /** The header ends with an unnamed column, so a row may omit it. */
  readonly #lastColumnOptional: boolean;
  /** Rows carry one empty trailing field more than the header; decided by the first data row. */
  #trailingDelimiter: boolean | undefined;

  private constructor(
    expected: number,
    reference: string,
    delimiter: string,
    lastColumnOptional: boolean,
  ) {
    this.#expected = expected;
    this.#reference = reference;
    this.#delimiter = delimiter;
    this.#lastColumnOptional = lastColumnOptional;
  }

  static fromHeader(
    header: readonly string[],
    headerLine: number,
    delimiter: string,
  ): FieldCountCheck {
    const optional = header.length > 1 && header[header.length - 1] === '';
    return new FieldCountCheck(
      header.length,
      `the header on line ${headerLine}`,
      delimiter,
      optional,
    );
  }

  static fromFirstRow(
    cells: readonly string[],
    line: number,
    delimiter: string,
  ): FieldCountCheck {
    const check = new FieldCountCheck(
      cells.length,
      `the first row (line ${line})`,
      delimiter,
      false,
    );
    check.#trailingDelimiter = false;
    return check;
  }

  /**
   * Returns the issue for a row with the wrong number of fields, or undefined. May add or drop
   * one empty trailing cell (see the class comment), so that good rows are exactly as wide as
   * the header.
   */
  check(cells: string[], line: number): RowIssue | undefined {
    const expected = this.#expected;
    const found = cells.length;
    if (this.#trailingDelimiter === undefined) {
      this.#trailingDelimiter =
        found === expected + 1 && cells[found - 1] === '';
    }
    if (found === expected) {
      return undefined;
    }
    if (found === expected - 1 && this.#lastColumnOptional) {
      cells.push('');
      return undefined;
    }
    if (
      found === expected + 1 &&
      this.#trailingDelimiter &&
      cells[found - 1] === ''
    ) {
      cells.pop();
      return undefined;
    }
    const tooMany = found > expected;
    const hint = tooMany
      ? `; a value may contain an unquoted ${describeDelimiter(this.#delimiter)}`
      : '; a value may be missing or contain an unquoted line break';
    return {
      line,
      column: null,
      value: null,
      code: tooMany ? 'TOO_MANY_FIELDS' : 'TOO_FEW_FIELDS',
      message:
        `Line ${line} has ${found} field${found === 1 ? '' : 's'}, ` +
        `expected ${expected} as in ${this.#reference}${hint}`,
      severity: 'error',
    };
  }
}
