import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { AppError, ErrorCode } from '../../errors.js';
import type { StagedRecord } from '../customer-store.js';
import { contentHash } from '../../util/hash.js';
import { stableStringify } from '../../util/stable-json.js';
import { mayHoldNull } from '../record-diff.js';
import type { PostgresStatements } from './postgres-statements.js';

/**
 * Getting records into the run's TEMP staging table with COPY (text format).
 *
 * The table collects a *chunk*: one batch, or in bulk mode (BeginImportOptions.deferResults)
 * many batches, up to tens of thousands of rows, COPY'd as they come and then applied by one
 * set-based upsert per round. A key may come twice in one chunk (the format's `duplicateKeys:
 * last-wins`). One set-based statement cannot apply two rows to the same customer, and the
 * result must be what applying them one after the other gives (the earlier row's insert and the
 * later row's update are both counted and both in history, as on SQLite). So every row gets a
 * *round*: the first occurrence of a key in the chunk is round 0, the second round 1, … Each
 * round holds a key at most once and is applied by one statement, in order. ERP files rarely
 * repeat keys, so nearly every chunk is one round.
 */

export interface StagedBatch {
  /** The COPY text: one line per record, columns as in STAGING_COLUMNS. */
  text: string;
  rounds: number;
}

/** Rounds and sequence numbers of the chunk being staged; reset when the chunk is applied. */
export class StagingChunk {
  /** Key → how many rows of the chunk had it. */
  readonly #occurrences = new Map<string, number>();
  #rows = 0;
  #rounds = 0;

  /** Rows staged since the last reset. */
  get rows(): number {
    return this.#rows;
  }

  /** How many rounds the chunk needs (the most rows one key has in it). */
  get rounds(): number {
    return this.#rounds;
  }

  /** The COPY text of the next records of the chunk (seq numbers go on from the last batch). */
  stage(records: readonly StagedRecord[]): string {
    const lines: string[] = [];
    for (const record of records) {
      const round = this.#occurrences.get(record.key) ?? 0;
      this.#occurrences.set(record.key, round + 1);
      this.#rounds = Math.max(this.#rounds, round + 1);
      lines.push(stageLine(record, round, this.#rows));
      this.#rows++;
    }
    return lines.join('');
  }

  /** The chunk staged so far (rows and rounds); the next `stage` starts a new one. */
  take(): { rows: number; rounds: number } {
    const taken = { rows: this.#rows, rounds: this.#rounds };
    this.#occurrences.clear();
    this.#rows = 0;
    this.#rounds = 0;
    return taken;
  }
}

// COPY text format: backslash, newline, carriage return and tab are escaped; nothing else is
// special inside a column (the delimiter is the tab).
const COPY_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};
const COPY_SPECIAL = /[\\\n\r\t]/g;

export function copyTextValue(value: string): string {
  return value.replace(COPY_SPECIAL, (c) => COPY_ESCAPES[c] ?? c);
}

/**
 * Builds the COPY text for a batch as a chunk of its own. Throws PARSE_FAILED for a NUL
 * character (see stageLine).
 */
export function stageBatch(records: readonly StagedRecord[]): StagedBatch {
  const chunk = new StagingChunk();
  const text = chunk.stage(records);
  return { text, rounds: chunk.rounds };
}

/**
 * One COPY line. Throws PARSE_FAILED for a NUL character: PostgreSQL's text and jsonb cannot
 * hold one (the decoder already rejects NUL bytes in 8-bit and UTF-8 files; a UTF-16 file or a
 * workbook can still carry one).
 */
function stageLine(record: StagedRecord, round: number, seq: number): string {
  const fieldsJson = stableStringify(record.fields);
  // JSON text carries a NUL of a field name or value as the escape \u0000: only a record whose
  // text has that sequence (or a key with a NUL) needs the exact look.
  if (
    (fieldsJson.includes('\\u0000') || record.key.includes('\u0000')) &&
    hasNul(record)
  ) {
    throw new AppError(
      ErrorCode.PARSE_FAILED,
      `Line ${record.line} contains a NUL character (U+0000), which the PostgreSQL store cannot keep; ` +
        'remove it from the export.',
      { details: { line: record.line } },
    );
  }
  return (
    // The row hash of the file row, or contentHash of this very text: recordRowHash(record.fields),
    // without serializing twice.
    `${round}\t${seq}\t${record.line}\t${copyTextValue(record.key)}\t${copyTextValue(fieldsJson)}\t${record.rowHash ?? contentHash(fieldsJson)}` +
    // type and the blocked flag's status are fixed words; \N is COPY's NULL.
    `\t${record.type ?? '\\N'}\t${record.status ?? '\\N'}` +
    // Whether the fields may hold a null: only then does the merge have to strip nulls.
    `\t${mayHoldNull(fieldsJson) ? 't' : 'f'}\n`
  );
}

function hasNul(record: StagedRecord): boolean {
  if (record.key.includes('\u0000')) {
    return true;
  }
  for (const [field, value] of Object.entries(record.fields)) {
    if (
      field.includes('\u0000') ||
      (typeof value === 'string' && value.includes('\u0000'))
    ) {
      return true;
    }
  }
  return false;
}

/** COPYs staged text into the staging table, inside the run's transaction (the caller made the table). */
export async function copyIntoStaging(
  client: pg.PoolClient,
  sql: PostgresStatements,
  text: readonly Buffer[],
): Promise<void> {
  const stream = client.query(copyFrom(sql.copyStaging));
  await pipeline(Readable.from(text), stream);
}
