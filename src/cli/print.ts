import type { FieldValue } from '../domain/customer.js';
import type { CliOutput } from './io.js';

/** Output helpers for commands: JSON for machines, aligned plain text for people. */

/**
 * Row problems a command's `--json` lists at most (`import`, `runs show`); the rest are counted.
 * A file may have one on every row, and the JSON is built whole before it is printed.
 */
export const JSON_ISSUES_LISTED = 10_000;

export function printJson(out: CliOutput, value: unknown): void {
  out.write(`${JSON.stringify(value, jsonReplacer, 2)}\n`);
}

function jsonReplacer(_key: string, value: unknown): unknown {
  return value === undefined ? null : value;
}

export function printLines(out: CliOutput, lines: readonly string[]): void {
  if (lines.length > 0) {
    out.write(`${lines.join('\n')}\n`);
  }
}

/** A plain table: a header row, then rows, columns padded to the widest cell. */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string[] {
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
  ];
}

/** A stored value as a person reads it: strings quoted, nothing as an em dash. */
export function formatValue(value: FieldValue | undefined): string {
  if (value === undefined || value === null) {
    return '—';
  }
  if (typeof value === 'string') {
    return JSON.stringify(value);
  }
  return String(value);
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** Keeps terminal output of untrusted text on one line (a value can contain newlines or escapes). */
export function oneLine(text: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
