import type { FieldValue, StagedRecord } from '../domain/customer.js';
import type { FormatDefinition } from '../formats/format-definition.js';
import type { Cell, RawRow } from '../parse/parser.js';
import type { CustomerClasses } from '../rules/class-defaults.js';
import type { ImportSession, SourceRow } from '../store/customer-store.js';
import { contentHash } from '../util/hash.js';
import { packageVersion } from '../util/package-version.js';
import { stableStringify } from '../util/stable-json.js';
import type { RowValidator } from '../validate/validate-rows.js';

/**
 * Settling the unchanged rows of a re-import before validation.
 *
 * ERPs export the whole customer table every time, so nearly every row of a file is a row the
 * previous file had too. What a row becomes (its record, type and status) follows from its raw
 * cells and from nothing else but the things hashed into the fingerprint below: the format, the
 * file's header, the default time zone, the customer classes and this program's version. So the
 * hash of fingerprint + cells is the row's identity: the store keeps it as the customer's row
 * hash (StagedRecord.rowHash), and the next import of a row with the same hash, for a customer
 * that is still stored exactly as that row left it (ImportSession.unchangedRows), is settled as
 * `unchanged` from its key alone: no validation, no rules, no serialization, no write.
 *
 * What such a row must still give, the pipeline gives it: its count, its key for the duplicate
 * check, its last-modified value (changed-since, the source's last transfer), and the importer's
 * checks that report on every import (BatchImporter.checkSettled). Rows that report
 * something on every import never get a row hash: a row with warnings or an unknown customer
 * class (pipeline), a row whose type conflicts with the stored one (the stores).
 */

/**
 * Bump when code changes what the same cells become without the version changing (a
 * development build): every stored row hash stops matching, and the next import of each row
 * validates it again.
 */
const SOURCE_ROW_REVISION = 1;

/** Everything besides the cells that decides what a row becomes. */
export interface RowFingerprint {
  format: FormatDefinition;
  header: readonly string[] | null;
  defaultTimeZone: string;
  customerClasses: CustomerClasses;
  defaultClass: string | undefined;
}

export type SourceRowHasher = (cells: readonly Cell[]) => string;

export function createSourceRowHasher(
  fingerprint: RowFingerprint,
): SourceRowHasher {
  const prefix = contentHash(
    stableStringify({
      revision: SOURCE_ROW_REVISION,
      version: packageVersion(),
      ...fingerprint,
    }),
  );
  const textPrefix = `${prefix}\u0001`;
  const valuePrefix = `${prefix}\u0002`;
  return (cells) => {
    for (let i = 0; i < cells.length; i++) {
      const cell = cells[i];
      // Text files give text cells, and a NUL in none of them: NUL then separates them
      // unambiguously, at half the cost of JSON.
      if (typeof cell !== 'string' || cell.includes('\u0000')) {
        // Spreadsheet cells (numbers, booleans, dates, empty cells), or text with a NUL (UTF-16).
        return contentHash(valuePrefix + JSON.stringify(cells));
      }
    }
    return contentHash(
      textPrefix + (cells as readonly string[]).join('\u0000'),
    );
  };
}

/**
 * A settled row as the importer's checks of settled rows see it (BatchImporter.checkSettled):
 * its key and line, and just the given fields, converted as validation converts them.
 */
export function settledRecord(
  validator: RowValidator,
  row: RawRow,
  key: string,
  fields: readonly string[],
): StagedRecord {
  const values = Object.create(null) as Record<string, FieldValue>;
  for (const field of fields) {
    const value = validator.fieldValue(row, field);
    if (value !== undefined) {
      values[field] = value;
    }
  }
  return { key, fields: values, line: row.line };
}

/** What {@link UnchangedRows.settle} found for a batch of raw rows, by the rows' positions. */
export interface SettledBatch {
  /** The key of each row settled as unchanged; absent for the rows that must be validated. */
  keys: (string | undefined)[];
  /** The row hash of each row that was hashed (to give the record, so it is hashed once). */
  hashes: (string | undefined)[];
}

/** Hashes and keys of a batch's rows, by position, as the reader gave them; null: not given. */
export interface KnownRowFacts {
  hashes: readonly string[] | null;
  keys: readonly (string | null)[] | null;
}

const NOTHING_KNOWN: KnownRowFacts = { hashes: null, keys: null };

/**
 * Lookups back off while they settle nothing (a first import into an empty store, a file of new
 * customers): after such a batch, the next 1, 2, 4 … up to this many batches are not looked up.
 * Their rows take the full path, which gives the same result, only slower.
 */
const MAX_SKIPPED_BATCHES = 32;

export class UnchangedRows {
  readonly #validator: RowValidator;
  readonly #hash: SourceRowHasher;
  /** Whether an earlier row of the file had the key (its write may not be visible to the store's read). */
  readonly #seen: (key: string) => boolean;
  #skip = 0;
  #nextSkip = 1;

  constructor(
    validator: RowValidator,
    hash: SourceRowHasher,
    seen: (key: string) => boolean,
  ) {
    this.#validator = validator;
    this.#hash = hash;
    this.#seen = seen;
  }

  /** `known`: the rows' hashes and keys where the reader computed them already (row-source.ts). */
  async settle(
    rows: readonly RawRow[],
    session: ImportSession,
    known: KnownRowFacts = NOTHING_KNOWN,
  ): Promise<SettledBatch> {
    const keys: (string | undefined)[] = [];
    const hashes: (string | undefined)[] = [];
    if (this.#skip > 0) {
      this.#skip--;
      return { keys, hashes };
    }
    const lookups: SourceRow[] = [];
    const positions: number[] = [];
    const batchKeys = new Set<string>();
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as RawRow;
      const key =
        known.keys === null
          ? this.#validator.keyOf(row)
          : (known.keys[i] ?? undefined);
      // A key seen before in the file is validated: the store's answer may predate that row.
      if (key === undefined || batchKeys.has(key) || this.#seen(key)) {
        continue;
      }
      batchKeys.add(key);
      const rowHash = known.hashes?.[i] ?? this.#hash(row.cells);
      hashes[i] = rowHash;
      lookups.push({ key, rowHash });
      positions.push(i);
    }
    if (lookups.length === 0) {
      return { keys, hashes };
    }
    const unchanged = await session.unchangedRows(lookups);
    let settled = 0;
    for (let j = 0; j < lookups.length; j++) {
      if (unchanged[j] === true) {
        keys[positions[j] as number] = (lookups[j] as SourceRow).key;
        settled++;
      }
    }
    if (settled === 0) {
      this.#skip = this.#nextSkip;
      this.#nextSkip = Math.min(this.#nextSkip * 2, MAX_SKIPPED_BATCHES);
    } else {
      this.#nextSkip = 1;
    }
    return { keys, hashes };
  }
}
