import { ATTRIBUTE_PREFIX } from '../domain/customer.js';
import { AppError, ErrorCode } from '../errors.js';
import {
  describeColumnSource,
  type FormatColumn,
  type FormatDefinition,
} from '../formats/format-definition.js';

/**
 * Binds a format's columns to cell positions, once per file, from the header row (or from
 * positions when there is none). Validation then reads `cells[index]` and never looks at
 * names again.
 */

/** A format column found in the file. */
export interface BoundColumn {
  readonly column: FormatColumn;
  /** 0-based index into `RawRow.cells`. */
  readonly index: number;
  /** The column as named in row issues: the header text found in the file, `#3`, or `1-10`. */
  readonly label: string;
}

/** An unmapped header column kept as `attributes.<header>` (unmappedColumns: attributes). */
export interface AttributeColumn {
  readonly index: number;
  /**
   * `attributes.<header>`: from the file, so only ever used as data (Map keys, record fields);
   * with its prefix it is never a name Object.prototype has.
   */
  readonly field: string;
  readonly label: string;
}

export interface ColumnBinding {
  /** Format columns present in the file, in format order. */
  readonly columns: readonly BoundColumn[];
  /** Optional format columns the file does not have; their fields are left out of records. */
  readonly absent: readonly FormatColumn[];
  readonly attributes: readonly AttributeColumn[];
  /** Things the admin should know that do not stop the import (duplicate headers, …). */
  readonly warnings: readonly string[];
}

/** How many header names a HEADER_MISMATCH message lists before it says "… (n more)". */
const MAX_LISTED_HEADERS = 40;

/**
 * Header text as the admin means it: no BOM, no surrounding whitespace, inner runs of
 * whitespace as one space, Unicode NFC (macOS tools write decomposed umlauts).
 */
export function cleanHeaderName(name: string): string {
  return name
    .replace(/^\uFEFF+/, '')
    .normalize('NFC')
    .trim()
    .replace(/\s+/g, ' ');
}

/** The key header names are matched by: the clean name, case-folded. */
export function normalizeHeaderName(name: string): string {
  return cleanHeaderName(name).toLowerCase();
}

/**
 * Resolves each column's source to a cell index. Throws AppError HEADER_MISMATCH naming every
 * missing required column and the header found, so the admin can fix all of them at once.
 */
export function bindColumns(
  format: FormatDefinition,
  header: readonly string[] | null,
  displayName: string,
): ColumnBinding {
  const cleaned = header === null ? null : header.map(cleanHeaderName);
  const warnings: string[] = [];
  const firstIndexByName =
    cleaned === null
      ? new Map<string, number>()
      : indexHeader(cleaned, displayName, warnings);

  const columns: BoundColumn[] = [];
  const absent: FormatColumn[] = [];
  const missing: FormatColumn[] = [];
  format.columns.forEach((column, position) => {
    const bound = locate(column, position, cleaned, firstIndexByName);
    if (bound !== undefined) {
      columns.push(bound);
    } else if (column.required) {
      missing.push(column);
    } else {
      absent.push(column);
      warnings.push(
        `Optional column '${describeColumnSource(column)}' is not in '${displayName}'; field ${column.field} is left unchanged`,
      );
    }
  });

  if (missing.length > 0) {
    throw headerMismatch(format, displayName, missing, cleaned);
  }

  const attributes =
    format.unmappedColumns === 'attributes' && cleaned !== null
      ? bindAttributes(format, cleaned, columns, displayName, warnings)
      : [];
  return { columns, absent, attributes, warnings };
}

function locate(
  column: FormatColumn,
  position: number,
  header: readonly string[] | null,
  firstIndexByName: ReadonlyMap<string, number>,
): BoundColumn | undefined {
  if (!('source' in column)) {
    // Fixed-width: the parser cuts one cell per column, in the format's column order.
    return { column, index: position, label: describeColumnSource(column) };
  }
  if (typeof column.source === 'number') {
    const index = column.source - 1;
    if (header !== null && index >= header.length) {
      return undefined;
    }
    return { column, index, label: describeColumnSource(column) };
  }
  const index = firstIndexByName.get(normalizeHeaderName(column.source));
  if (index === undefined || header === null) {
    return undefined;
  }
  return { column, index, label: header[index] ?? column.source };
}

/** Normalised name → first index; later duplicates are reported and ignored. */
function indexHeader(
  header: readonly string[],
  displayName: string,
  warnings: string[],
): Map<string, number> {
  const first = new Map<string, number>();
  const duplicates = new Map<string, number[]>();
  header.forEach((name, index) => {
    if (name === '') {
      return;
    }
    const key = name.toLowerCase();
    const seen = first.get(key);
    if (seen === undefined) {
      first.set(key, index);
    } else {
      const list = duplicates.get(key) ?? [seen + 1];
      list.push(index + 1);
      duplicates.set(key, list);
    }
  });
  for (const [key, positions] of duplicates) {
    const name = header[first.get(key) ?? 0] ?? key;
    warnings.push(
      `Header '${name}' appears ${positions.length} times in '${displayName}' (columns ${positions.join(', ')}); ` +
        `column ${positions[0]} is used`,
    );
  }
  return first;
}

function bindAttributes(
  format: FormatDefinition,
  header: readonly string[],
  columns: readonly BoundColumn[],
  displayName: string,
  warnings: string[],
): AttributeColumn[] {
  const used = new Set(columns.map((c) => c.index));
  const takenFields = new Set<string>(format.columns.map((c) => c.field));
  const takenNames = new Set<string>();
  const attributes: AttributeColumn[] = [];
  header.forEach((name, index) => {
    if (used.has(index)) {
      return;
    }
    if (name === '') {
      warnings.push(
        `Column ${index + 1} of '${displayName}' has no header name; its values are not imported`,
      );
      return;
    }
    const key = name.toLowerCase();
    if (takenNames.has(key)) {
      // Already reported as a duplicate header; the first column of that name is kept.
      return;
    }
    takenNames.add(key);
    const field = `${ATTRIBUTE_PREFIX}${name}`;
    if (takenFields.has(field)) {
      warnings.push(
        `Column '${name}' of '${displayName}' would overwrite the mapped field ${field}; it is not imported`,
      );
      return;
    }
    attributes.push({ index, field, label: name });
  });
  return attributes;
}

function headerMismatch(
  format: FormatDefinition,
  displayName: string,
  missing: readonly FormatColumn[],
  header: readonly string[] | null,
): AppError {
  const missingNames = missing.map(describeColumnSource);
  const expects = `Format '${format.id}' expects ${missingNames.length === 1 ? 'column' : 'columns'} ${quoteList(missingNames)}`;
  let found: string;
  if (header === null) {
    found = `'${displayName}' has no header row`;
  } else {
    const listed = header.slice(0, MAX_LISTED_HEADERS);
    const more = header.length - listed.length;
    found = `the header of '${displayName}' has: ${quoteList(listed)}${more > 0 ? `, … (${more} more)` : ''}`;
  }
  return new AppError(
    ErrorCode.HEADER_MISMATCH,
    `${expects} but ${found}. Check that the export and the format's column sources match.`,
    {
      details: {
        format: format.id,
        file: displayName,
        missing: missingNames,
        found: header ?? [],
      },
    },
  );
}

function quoteList(names: readonly string[]): string {
  return names.map((n) => `'${n}'`).join(', ');
}
