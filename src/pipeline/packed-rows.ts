import type { RowIssue } from '../domain/row-issue.js';
import type { RawRow } from '../parse/parser.js';

/**
 * Batches of text rows as they cross from the parse thread to the pipeline (parse-thread.ts).
 *
 * Structured clone copies every string on its own: about 1.5 µs a string, so a row's twenty
 * cells, hash, key and date would cost more to send than to parse. Packed, a list of strings is
 * one string and one typed array of lengths (whose buffer is transferred, not copied), and
 * unpacking is one slice per string.
 *
 * @internal
 */

/** A list of strings (or nulls) packed into one string. */
export interface PackedStrings {
  /** The strings, one after the other. */
  text: string;
  /** Per entry, in order: its length in `text`, or -1 for null. */
  lengths: Int32Array;
}

export interface PackedRows {
  /** Every cell of the batch, row after row. */
  cells: PackedStrings;
  /** Per row: how many cells it has. */
  cellCounts: Uint32Array;
  /** Per row: its line. */
  lines: Float64Array;
  /** The rows that came with an issue, by position. */
  issues: { index: number; issue: RowIssue }[];
}

/** Packs strings and nulls; undefined when a value is anything else. */
export function packStrings(
  values: readonly unknown[],
): PackedStrings | undefined {
  const parts: string[] = [];
  const lengths = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (typeof value === 'string') {
      parts.push(value);
      lengths[i] = value.length;
    } else if (value === null) {
      lengths[i] = -1;
    } else {
      return undefined;
    }
  }
  return { text: parts.join(''), lengths };
}

/** The strings {@link packStrings} packed. */
export function unpackStrings(packed: PackedStrings): (string | null)[] {
  const { text, lengths } = packed;
  const values = new Array<string | null>(lengths.length);
  let at = 0;
  for (let i = 0; i < lengths.length; i++) {
    const length = lengths[i] as number;
    if (length < 0) {
      values[i] = null;
    } else {
      values[i] = text.slice(at, at + length);
      at += length;
    }
  }
  return values;
}

/** Packs text rows; undefined when a cell is neither text nor null (send the rows as they are). */
export function packRows(rows: readonly RawRow[]): PackedRows | undefined {
  let cellTotal = 0;
  for (const row of rows) {
    cellTotal += row.cells.length;
  }
  const parts: string[] = [];
  const lengths = new Int32Array(cellTotal);
  const cellCounts = new Uint32Array(rows.length);
  const lines = new Float64Array(rows.length);
  const issues: PackedRows['issues'] = [];
  let c = 0;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as RawRow;
    const cells = row.cells;
    // As packStrings does, without a list of every cell first (twenty a row).
    for (let j = 0; j < cells.length; j++) {
      const cell = cells[j];
      if (typeof cell === 'string') {
        parts.push(cell);
        lengths[c++] = cell.length;
      } else if (cell === null) {
        lengths[c++] = -1;
      } else {
        return undefined;
      }
    }
    cellCounts[i] = cells.length;
    lines[i] = row.line;
    if (row.issue !== undefined) {
      issues.push({ index: i, issue: row.issue });
    }
  }
  return {
    cells: { text: parts.join(''), lengths },
    cellCounts,
    lines,
    issues,
  };
}

/** The rows {@link packRows} packed, equal to them cell by cell. */
export function unpackRows(packed: PackedRows): RawRow[] {
  const { cellCounts, lines } = packed;
  const all = unpackStrings(packed.cells);
  const rows: RawRow[] = new Array<RawRow>(cellCounts.length);
  let c = 0;
  for (let i = 0; i < cellCounts.length; i++) {
    const count = cellCounts[i] as number;
    rows[i] = { line: lines[i] as number, cells: all.slice(c, c + count) };
    c += count;
  }
  for (const { index, issue } of packed.issues) {
    (rows[index] as RawRow).issue = issue;
  }
  return rows;
}

/** The buffers of packed data, to transfer with it instead of copying them. */
export function packedBuffers(
  ...packed: (PackedRows | PackedStrings | null)[]
): ArrayBuffer[] {
  const buffers: ArrayBuffer[] = [];
  for (const p of packed) {
    if (p === null) {
      continue;
    }
    if ('lengths' in p) {
      buffers.push(p.lengths.buffer as ArrayBuffer);
    } else {
      buffers.push(
        p.cells.lengths.buffer as ArrayBuffer,
        p.cellCounts.buffer as ArrayBuffer,
        p.lines.buffer as ArrayBuffer,
      );
    }
  }
  return buffers;
}
