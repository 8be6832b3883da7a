import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors.js';
import {
  emptyCounts,
  type FileOutcome,
} from '../../../src/domain/file-outcome.js';
import type { RowIssue } from '../../../src/domain/row-issue.js';
import {
  ERRORS_CSV_HEADER,
  errorsCsvChunks,
  formatErrorsCsv,
  formatOutcomeText,
  writeErrorsCsv,
} from '../../../src/pipeline/error-report.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

// The two reports of a run: `<name>.errors.csv` (opened in Excel by admins, so every value
// from the file is neutralised) and `<name>.error.txt`.

function issue(overrides: Partial<RowIssue>): RowIssue {
  return {
    line: 2,
    column: 'E-Mail',
    value: 'x',
    code: 'INVALID_EMAIL',
    message: 'not an e-mail address',
    severity: 'error',
    ...overrides,
  };
}

/** Splits one report line into its fields (RFC 4180 quoting). */
function fields(line: string): string[] {
  const out: string[] = [];
  const re = /("(?:[^"]|"")*"|[^,]*)(,|$)/gy;
  for (
    let m = re.exec(line);
    m !== null && m.index < line.length;
    m = re.exec(line)
  ) {
    const raw = m[1] ?? '';
    out.push(raw.startsWith('"') ? raw.slice(1, -1).replace(/""/g, '"') : raw);
    if (m[2] === '') {
      break;
    }
  }
  return out;
}

describe('formatErrorsCsv', () => {
  it('returns null when there is nothing to report (no empty report files)', () => {
    expect(formatErrorsCsv([])).toBeNull();
  });

  it('writes a BOM, the header and one CRLF line per issue, with the cell address when known', () => {
    const text = formatErrorsCsv([
      issue({
        line: 17,
        column: 'Kreditlimit',
        cell: 'D17',
        value: 'zwölf',
        code: 'INVALID_NUMBER',
        message: "'zwölf' is not a number",
      }),
      issue({
        line: 4,
        column: '8-37',
        value: null,
        code: 'RECORD_TOO_SHORT',
        message: 'Line 4 is 7 characters long',
      }),
    ]);
    expect(text).toBe(
      `\uFEFF${ERRORS_CSV_HEADER.join(',')}\r\n` +
        "17,Kreditlimit,D17,zwölf,INVALID_NUMBER,error,'zwölf' is not a number\r\n" +
        '4,8-37,,,RECORD_TOO_SHORT,error,Line 4 is 7 characters long\r\n',
    );
    expect(Buffer.from(text ?? '', 'utf8').subarray(0, 3)).toEqual(
      Buffer.from([0xef, 0xbb, 0xbf]),
    );
  });

  it('neutralises formula values in every column, including column names and messages from the file', () => {
    const text = formatErrorsCsv([
      issue({
        column: '=cmd|calc',
        value: '=HYPERLINK("http://x")',
        message: '+quoted value',
      }),
      issue({
        column: '@SUM(A1)',
        value: '-1+1',
        severity: 'warning',
        code: 'DUPLICATE_KEY',
        message: '-1+1 appears twice',
      }),
      issue({ column: 'tab', value: '\t=1', message: 'ok' }),
    ]);
    const lines = (text ?? '')
      .slice(1)
      .split('\r\n')
      .filter((l) => l !== '');
    expect(lines).toHaveLength(4);
    for (const line of lines.slice(1)) {
      for (const field of fields(line)) {
        expect(field, line).not.toMatch(/^[=+\-@\t\r]/);
      }
    }
    expect(lines[1]).toBe(
      `2,'=cmd|calc,,"'=HYPERLINK(""http://x"")",INVALID_EMAIL,error,'+quoted value`,
    );
    expect(lines[2]).toBe(
      "2,'@SUM(A1),,'-1+1,DUPLICATE_KEY,warning,'-1+1 appears twice",
    );
  });

  it('keeps line breaks and separators inside one quoted field', () => {
    const text = formatErrorsCsv([issue({ value: 'a,b;c\r\nd' })]) ?? '';
    expect(text).toContain('"a,b;c\r\nd"');
  });
});

describe('writeErrorsCsv', () => {
  it('writes the same bytes as formatErrorsCsv, a few thousand lines at a time', async () => {
    const issues = Array.from({ length: 4500 }, (_, i) =>
      issue({ line: i + 2, value: i % 7 === 0 ? '=1+1' : `Müller ${i}` }),
    );
    const chunks = [...errorsCsvChunks(issues)];
    expect(chunks).toHaveLength(3);
    expect(chunks.join('')).toBe(formatErrorsCsv(issues));
    const dir = await makeTempDir('errors-csv-');
    try {
      const path = join(dir, 'x.errors.csv');
      expect(await writeErrorsCsv(path, issues)).toBe(true);
      expect(await readFile(path, 'utf8')).toBe(formatErrorsCsv(issues));
      // No issues, no file; and `wx` never overwrites a report that is there.
      expect(await writeErrorsCsv(join(dir, 'none.csv'), [])).toBe(false);
      await expect(readFile(join(dir, 'none.csv'))).rejects.toThrow();
      await writeFile(path, 'older');
      await expect(writeErrorsCsv(path, issues, 'wx')).rejects.toMatchObject({
        code: 'EEXIST',
      });
      expect(await readFile(path, 'utf8')).toBe('older');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('formatOutcomeText', () => {
  const outcome = (overrides: Partial<FileOutcome>): FileOutcome => ({
    status: 'rejected',
    runId: 7,
    file: 'kunden.xlsx',
    format: 'xl',
    mode: 'update',
    sha256: 'ab'.repeat(32),
    sizeBytes: 100,
    dryRun: false,
    counts: emptyCounts(),
    issues: [],
    error: null,
    duplicateOfRunId: null,
    changes: [],
    changesOmitted: 0,
    notices: [],
    startedAt: '2026-11-21T10:00:00.000Z',
    finishedAt: '2026-11-21T10:00:01.000Z',
    durationMs: 1000,
    ...overrides,
  });

  it('explains a rejected file: the error code and message, and that nothing was written', () => {
    const text = formatOutcomeText(
      outcome({
        error: new AppError(
          'RESOURCE_LIMIT',
          "Workbook 'kunden.xlsx' needs more than 64 MB to read",
        ),
      }),
      { job: 'erp', instance: 'host-1' },
    );
    expect(text).toContain('File:      kunden.xlsx');
    expect(text).toContain('Job:       erp');
    expect(text).toContain('Instance:  host-1');
    expect(text).toContain(
      "Error (RESOURCE_LIMIT):\nWorkbook 'kunden.xlsx' needs more than 64 MB to read",
    );
    expect(text).toContain(
      'Nothing from this file was written to the database.',
    );
  });

  it('lists at most 50 row errors and points to the .errors.csv for the rest', () => {
    const issues = Array.from({ length: 60 }, (_, i) =>
      issue({ line: i + 2, column: 'Name', message: `bad ${i}` }),
    );
    const text = formatOutcomeText(outcome({ status: 'rejected', issues }), {});
    expect(text).toContain(
      'Row errors (60, first 50; all in the .errors.csv report):',
    );
    expect(text).toContain('  line 51, column Name: bad 49');
    expect(text).not.toContain('bad 50');
    expect(text).not.toContain('Job:');
  });

  it('does not claim nothing was written for a partial run', () => {
    const text = formatOutcomeText(
      outcome({
        status: 'partial',
        counts: { ...emptyCounts(), read: 2, inserted: 1, skipped: 1 },
      }),
      {},
    );
    expect(text).toContain(
      'Rows:      read 2, inserted 1, updated 0, unchanged 0, skipped 1, warnings 0',
    );
    expect(text).not.toContain('Nothing from this file');
  });
});
