import { rm } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors.js';
import { corpusPath } from '../../helpers/corpus.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import {
  cellsOf,
  delimitedFormat,
  parseAll,
  writeExport,
  type ParseAllOptions,
} from './delimited-helpers.js';
import type { DelimitedFormat } from '../../../src/formats/format-definition.js';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function parseError(
  path: string,
  format: DelimitedFormat = delimitedFormat(),
  options: ParseAllOptions = {},
): Promise<AppError> {
  const error = await parseAll(path, format, {
    displayName: 'kunden.csv',
    ...options,
  }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('DelimitedParser file-level errors', () => {
  it('calls a 0-byte file, a BOM-only file and a whitespace-only file FILE_EMPTY', async () => {
    const cases: [string, string | Buffer, string][] = [
      ['zero.csv', '', "'kunden.csv' is empty: it is 0 bytes long"],
      [
        'bom.csv',
        Buffer.from([0xef, 0xbb, 0xbf]),
        "'kunden.csv' is empty: it holds no text, only a byte order mark",
      ],
      [
        'blank.csv',
        ' \r\n\r\n\t\n',
        "'kunden.csv' is empty: it holds only whitespace",
      ],
    ];
    for (const [name, content, message] of cases) {
      const error = await parseError(await writeExport(dir, name, content));
      expect(error.code, name).toBe('FILE_EMPTY');
      expect(error.message, name).toBe(message);
    }
  });

  it('calls a file with only comments, or less than its skipped lines, FILE_EMPTY', async () => {
    const comments = await parseError(
      await writeExport(dir, 'c.csv', '# export\n# nothing today\n'),
      delimitedFormat({ comment: '#' }),
    );
    expect(comments.code).toBe('FILE_EMPTY');
    expect(comments.message).toContain(
      'no header row, only blank or comment lines',
    );
    const short = await parseError(
      await writeExport(dir, 's.csv', 'Preamble\n'),
      delimitedFormat({ skipLines: 3 }),
    );
    expect(short.code).toBe('FILE_EMPTY');
    expect(short.message).toContain('fewer than the 3 lines the format skips');
  });

  it('says NO_DATA_ROWS for a header without data rows (blank lines after it do not count)', async () => {
    for (const content of ['Nr;Name', 'Nr;Name\r\n', 'Nr;Name\n\n\n']) {
      const error = await parseError(await writeExport(dir, 'h.csv', content));
      expect(error.code).toBe('NO_DATA_ROWS');
      expect(error.message).toBe(
        "'kunden.csv' contains a header but no data rows",
      );
    }
  });

  it('fails with the line where a quote opened and never closed', async () => {
    const path = await writeExport(
      dir,
      'q.csv',
      'Nr;Name\n1;A\n2;"B\n3;C\n4;D\n',
    );
    const error = await parseError(path);
    expect(error.code).toBe('PARSE_FAILED');
    expect(error.message).toMatchInlineSnapshot(
      `"'kunden.csv': the quote opened on line 3 is never closed, so the rest of the file would be read as one value. Fix the quoting in the export (a quote inside a quoted value must be doubled)"`,
    );
    expect(error.details).toMatchObject({ line: 3 });
  });

  it('stops early when an unclosed quote runs past the record limit, still naming its line', async () => {
    const rows = Array.from(
      { length: 200_000 },
      (_, i) => `${i};Name ${i}\n`,
    ).join('');
    const path = await writeExport(
      dir,
      'big-q.csv',
      `Nr;Name\n1;A\n2;"B\n${rows}`,
    );
    const bytes: number[] = [];
    const error = await parseError(path, delimitedFormat(), {
      maxRecordChars: 100_000,
      onBytes: (n) => bytes.push(n),
    });
    expect(error.code).toBe('PARSE_FAILED');
    expect(error.message).toContain(
      'the quote opened on line 3 is never closed (not within 100,000 characters)',
    );
    // The file is about 3 MB; reading stopped soon after the limit.
    expect(Math.max(...bytes)).toBeLessThan(300_000);
  });

  it('reports an unclosed quote on the very last line as a row issue, not a file failure', async () => {
    const path = await writeExport(dir, 'last.csv', 'Nr;Name\n1;A\n2;"B\n');
    const result = await parseAll(path, delimitedFormat());
    expect(result.rows.map((r) => [r.line, r.issue?.code])).toEqual([
      [2, undefined],
      [3, 'UNTERMINATED_QUOTE'],
    ]);
  });

  it('reports the unescaped quotes of the laravel-excel html sample as MALFORMED_QUOTES on line 6', async () => {
    const path = corpusPath(
      'csv-suites',
      'laravel-excel',
      'csv-with-html-tags.csv',
    );
    const format = delimitedFormat({
      header: false,
      columns: [{ source: 1, field: 'customerNo', required: true }],
    });
    const result = await parseAll(path, format);
    expect(cellsOf(result.rows)[5]).toEqual([
      'key6',
      'F',
      '<a href="/url-example">link</a>',
    ]);
    expect(
      result.rows
        .filter((r) => r.issue)
        .map((r) => [r.line, r.issue?.code, r.issue?.severity]),
    ).toEqual([[6, 'MALFORMED_QUOTES', 'error']]);
  });

  it('says a malformed quote may have swallowed the following lines', async () => {
    const path = await writeExport(
      dir,
      'm.csv',
      'Nr;Name;Ort\n1;"A"x;B\n2;C;"D"\n3;E;F\n',
    );
    const result = await parseAll(path, delimitedFormat());
    const issue = result.rows[0]?.issue;
    expect(issue?.code).toBe('MALFORMED_QUOTES');
    expect(issue?.message).toContain('runs on to line 3');
    expect(result.rows.map((r) => r.line)).toEqual([2, 4]);
  });

  it('fails on a record longer than maxRecordChars, naming its line, without reading the whole line', async () => {
    const longLine = 'x'.repeat(30 * 1024 * 1024);
    const path = await writeExport(
      dir,
      'long.csv',
      `Nr;Name\n1;A\n2;${longLine}\n3;C\n`,
    );
    const bytes: number[] = [];
    const error = await parseError(path, delimitedFormat(), {
      batchSize: 10,
      onBytes: (n) => bytes.push(n),
    });
    expect(error.code).toBe('PARSE_FAILED');
    expect(error.message).toContain(
      "'kunden.csv': the record starting on line 3 is longer than 1,000,000 characters",
    );
    expect(Math.max(...bytes)).toBeLessThan(2 * 1024 * 1024);
  });
});
