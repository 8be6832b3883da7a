import { stat } from 'node:fs/promises';
import { AppError, ErrorCode, fsErrorCode } from '../errors.js';
import type { RowIssue } from '../domain/row-issue.js';
import type { FormatDefinition } from '../formats/format-definition.js';
import type { Parser } from '../parse/parser.js';
import type { StagedRecord } from '../store/customer-store.js';
import { bindColumns } from '../validate/map-columns.js';
import { createRowValidator } from '../validate/validate-rows.js';

/**
 * The admin's way to test a format before trusting it: the first rows of a file as mapped
 * records, each with its problems beside it. Reads only as far as needed and writes nothing.
 */

export interface PreviewRow {
  line: number;
  record: StagedRecord | null;
  issues: RowIssue[];
}

export interface FilePreview {
  file: string;
  format: string;
  header: string[] | null;
  rows: PreviewRow[];
}

export async function previewFile(
  request: {
    path: string;
    displayName: string;
    format: FormatDefinition;
    rows: number;
  },
  deps: {
    parserFor: (format: FormatDefinition) => Parser;
    defaultTimeZone: string;
  },
): Promise<FilePreview> {
  const { path, displayName, format } = request;
  let sizeBytes: number;
  try {
    sizeBytes = (await stat(path)).size;
  } catch (e) {
    throw new AppError(
      ErrorCode.FILE_UNREADABLE,
      fsErrorCode(e) === 'ENOENT'
        ? `File '${displayName}' does not exist.`
        : `'${displayName}' cannot be read.`,
      { cause: e },
    );
  }
  if (sizeBytes === 0) {
    throw new AppError(
      ErrorCode.FILE_EMPTY,
      `'${displayName}' is empty (0 bytes).`,
    );
  }
  const parsed = await deps.parserFor(format).open({
    path,
    displayName,
    sizeBytes,
    format,
    batchSize: Math.min(Math.max(request.rows, 1), 1000),
  });
  const rows: PreviewRow[] = [];
  try {
    const binding = bindColumns(format, parsed.header, displayName);
    const validator = createRowValidator(format, binding, {
      defaultTimeZone: deps.defaultTimeZone,
    });
    outer: for await (const batch of parsed.rows) {
      for (const raw of batch) {
        const result = validator.validate(raw);
        if (result.blank) {
          continue;
        }
        rows.push({
          line: raw.line,
          record: result.record,
          issues: result.issues,
        });
        if (rows.length >= request.rows) {
          break outer;
        }
      }
    }
  } finally {
    await parsed.close();
  }
  return { file: displayName, format: format.id, header: parsed.header, rows };
}
