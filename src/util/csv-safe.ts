/**
 * Writing CSV that people open in Excel. Values from a dropped file may start with `=`, `+`,
 * `-`, `@`, a tab or a carriage return, which spreadsheet programs run as formulas (CSV
 * injection: `=HYPERLINK(...)`). Every report and export we write neutralises such values by
 * prefixing a single quote, which the spreadsheet shows but does not evaluate.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function neutraliseFormula(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/** One CSV field: neutralised, then quoted when it needs to be (RFC 4180). */
export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) {
    return '';
  }
  const text =
    typeof value === 'number' ? String(value) : neutraliseFormula(value);
  return /[",\r\n;]/.test(text) || text !== text.trim()
    ? `"${text.replace(/"/g, '""')}"`
    : text;
}

export function csvLine(
  values: readonly (string | number | null | undefined)[],
): string {
  return values.map((v) => csvField(v)).join(',');
}
