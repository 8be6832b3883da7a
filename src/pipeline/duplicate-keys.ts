import { KEY_PART_SEPARATOR, recordKeyFields } from '../domain/entity.js';
import type { RowIssue } from '../domain/row-issue.js';
import type { FormatDefinition } from '../formats/format-definition.js';
import { flatString } from '../util/flat-string.js';
import { KeyLines, type KeyLinesOptions } from './key-lines.js';

/**
 * The format's `duplicateKeys` rule for a key seen twice in one file, over the index of the
 * keys seen so far (key-lines.ts: flat memory however many keys). With last-wins the later row
 * simply overwrites the earlier one in the same transaction; first-wins keeps the earlier row;
 * both report the two lines as warnings. `error` skips the later row.
 *
 * @internal
 */

/** What to do with a row whose key the file had before. */
export interface DuplicateVerdict {
  /** Whether the row goes to the store. */
  accept: boolean;
  /** A warning (the row counts once in `warnings`) or an error (the row counts as skipped). */
  severity: RowIssue['severity'];
  issues: RowIssue[];
}

export class DuplicateKeys {
  readonly #format: FormatDefinition;
  readonly #seen: KeyLines;
  #keyField: string | undefined;

  constructor(format: FormatDefinition, options?: KeyLinesOptions) {
    this.#format = format;
    this.#seen = new KeyLines(options);
  }

  /** Whether a row with this key was seen. */
  has(key: string): boolean {
    return this.#seen.get(key) !== undefined;
  }

  /** Notes the key of a row that needs no judging (a re-imported row settled unchanged). */
  see(key: string, line: number): void {
    this.#seen.add(key, line);
  }

  /** Null for a key the file did not have before (it is noted); else the rule's verdict. */
  judge(record: { key: string; line: number }): DuplicateVerdict | null {
    const firstLine = this.#seen.get(record.key);
    if (firstLine === undefined) {
      this.#seen.add(record.key, record.line);
      return null;
    }
    const rule = this.#format.duplicateKeys;
    // Contacts and addresses: `customerNo/contactNo 'K1/C7'`; customers: `customerNo 'K1'`.
    const keyField = (this.#keyField ??= recordKeyFields(this.#format).join(
      KEY_PART_SEPARATOR,
    ));
    const base = {
      column: keyField,
      value: record.key,
      code: 'DUPLICATE_KEY' as const,
    };
    switch (rule) {
      case 'last-wins':
      case 'first-wins': {
        const winner = rule === 'last-wins' ? record.line : firstLine;
        // One string for both lines, flat (a file may repeat every key).
        const message = flatString(
          `${keyField} '${record.key}' appears on lines ${firstLine} and ${record.line}; line ${winner} wins`,
        );
        return {
          accept: rule === 'last-wins',
          severity: 'warning',
          issues: [
            { ...base, line: firstLine, message, severity: 'warning' },
            { ...base, line: record.line, message, severity: 'warning' },
          ],
        };
      }
      case 'error':
        return {
          accept: false,
          severity: 'error',
          issues: [
            {
              ...base,
              line: record.line,
              message: flatString(
                `${keyField} '${record.key}' already appeared on line ${firstLine}; this row is skipped`,
              ),
              severity: 'error',
            },
          ],
        };
      default: {
        const never: never = rule;
        return never;
      }
    }
  }

  /** Removes the index's temporary file, if it has one; call however the run ends. */
  close(): void {
    this.#seen.close();
  }
}
