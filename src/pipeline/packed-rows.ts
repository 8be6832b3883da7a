import type { RowIssue } from '../domain/row-issue.js';
import type { RawRow } from '../parse/parser.js';

/**
 * A batch of text rows as it crosses from the parse thread to the pipeline (parse-thread.ts).
 *
 * Structured clone copies a row object and each of its strings one by one, which costs more per
 * row than parsing it did. Packed, a batch is one string and three typed arrays (whose buffers
 * are transferred, not copied), and unpacking is one slice per cell.
 *
 * @internal
 */
export interface PackedRows {
  /** Every cell of the batch, one after the other. */
  text: string;
  /** Per cell, in order: its length in `text`, or -1 for an empty (null) cell. */
  cellLengths: Int32Array;
  /** Per row: how many cells it has. */
  cellCounts: Uint32Array;
  /** Per row: its line. */
  lines: Float64Array;
  /** The rows that came with an issue, by position. */
  issues: { index: number; issue: RowIssue }[];
}

/** Packs text rows; undefined when a cell is neither text nor null (send the rows as they are). */
export function packRows(rows: readonly RawRow[]): PackedRows | undefined {
  let cellTotal = 0;
  for (const row of rows) {
    cellTotal += row.cells.length;
  }
  const parts: string[] = [];
  const cellLengths = new Int32Array(cellTotal);
  const cellCounts = new Uint32Array(rows.length);
  const lines = new Float64Array(rows.length);
  const issues: PackedRows['issues'] = [];
  let c = 0;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as RawRow;
    const cells = row.cells;
    for (let j = 0; j < cells.length; j++) {
      const cell = cells[j];
      if (typeof cell === 'string') {
        parts.push(cell);
        cellLengths[c++] = cell.length;
      } else if (cell === null) {
        cellLengths[c++] = -1;
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
  return { text: parts.join(''), cellLengths, cellCounts, lines, issues };
}

/** The rows {@link packRows} packed, equal to them cell by cell. */
export function unpackRows(packed: PackedRows): RawRow[] {
  const { text, cellLengths, cellCounts, lines } = packed;
  const rows: RawRow[] = new Array<RawRow>(cellCounts.length);
  let c = 0;
  let at = 0;
  for (let i = 0; i < cellCounts.length; i++) {
    const count = cellCounts[i] as number;
    const cells = new Array<string | null>(count);
    for (let j = 0; j < count; j++) {
      const length = cellLengths[c++] as number;
      if (length < 0) {
        cells[j] = null;
      } else {
        cells[j] = text.slice(at, at + length);
        at += length;
      }
    }
    rows[i] = { line: lines[i] as number, cells };
  }
  for (const { index, issue } of packed.issues) {
    (rows[index] as RawRow).issue = issue;
  }
  return rows;
}

/** The buffers of a packed batch, to transfer with it instead of copying them. */
export function packedBuffers(packed: PackedRows): ArrayBuffer[] {
  return [
    packed.cellLengths.buffer as ArrayBuffer,
    packed.cellCounts.buffer as ArrayBuffer,
    packed.lines.buffer as ArrayBuffer,
  ];
}
