import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { AppError, ErrorCode } from '../../errors.js';
import type { StagedRecord } from '../customer-store.js';
import { contentHash } from '../../util/hash.js';
import { stableStringify } from '../../util/stable-json.js';
import type { PostgresStatements } from './postgres-statements.js';

/**
 * Getting a batch into the run's TEMP staging table with one COPY (text format).
 *
 * A key may come twice in one batch (the format's `duplicateKeys: last-wins`). One set-based
 * statement cannot apply two rows to the same customer, and the result must be what applying
 * them one after the other gives (the earlier row's insert and the later row's update are both
 * counted and both in history, as on SQLite). So every row gets a *round*: the first occurrence
 * of a key is round 0, the second round 1, … Each round holds a key at most once and is applied
 * by one statement, in order. ERP files rarely repeat keys, so nearly every batch is one round.
 */

export interface StagedBatch {
  /** The COPY text: one line per record, columns as in STAGING_COLUMNS. */
  text: string;
  rounds: number;
}

// COPY text format: backslash, newline, carriage return and tab are escaped; nothing else is
// special inside a column (the delimiter is the tab).
const COPY_ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const COPY_SPECIAL = /[\\\n\r\t]/g;

export function copyTextValue(value: string): string {
  return value.replace(COPY_SPECIAL, (c) => COPY_ESCAPES[c] ?? c);
}

/**
 * Builds the COPY text for a batch. Throws PARSE_FAILED for a NUL character: PostgreSQL's text
 * and jsonb cannot hold one (the decoder already rejects NUL bytes in 8-bit and UTF-8 files; a
 * UTF-16 file or a workbook can still carry one).
 */
export function stageBatch(records: readonly StagedRecord[]): StagedBatch {
  const occurrences = new Map<string, number>();
  const lines: string[] = [];
  let rounds = 0;
  records.forEach((record, seq) => {
    const round = occurrences.get(record.key) ?? 0;
    occurrences.set(record.key, round + 1);
    rounds = Math.max(rounds, round + 1);
    const fieldsJson = stableStringify(record.fields);
    if (hasNul(record)) {
      throw new AppError(
        ErrorCode.PARSE_FAILED,
        `Line ${record.line} contains a NUL character (U+0000), which the PostgreSQL store cannot keep; ` +
          'remove it from the export.',
        { details: { line: record.line } },
      );
    }
    lines.push(
      // contentHash of this very text is recordRowHash(record.fields), without serializing twice.
      `${round}\t${seq}\t${record.line}\t${copyTextValue(record.key)}\t${copyTextValue(fieldsJson)}\t${contentHash(fieldsJson)}` +
        // type and the blocked flag's status are fixed words; \N is COPY's NULL.
        `\t${record.type ?? '\\N'}\t${record.status ?? '\\N'}\n`,
    );
  });
  return { text: lines.join(''), rounds };
}

function hasNul(record: StagedRecord): boolean {
  if (record.key.includes('\u0000')) {
    return true;
  }
  for (const [field, value] of Object.entries(record.fields)) {
    if (field.includes('\u0000') || (typeof value === 'string' && value.includes('\u0000'))) {
      return true;
    }
  }
  return false;
}

/** Empties (or creates) the staging table and COPYs the batch into it, inside the run's transaction. */
export async function copyIntoStaging(
  client: pg.PoolClient,
  sql: PostgresStatements,
  batch: StagedBatch,
  created: boolean,
): Promise<void> {
  await client.query(created ? sql.truncateStaging : sql.createStaging);
  const stream = client.query(copyFrom(sql.copyStaging));
  await pipeline(Readable.from([Buffer.from(batch.text, 'utf8')]), stream);
}
