import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RowIssue } from '../../../src/domain/row-issue.js';
import { AppError, ErrorCode } from '../../../src/errors.js';
import {
  ISSUE_FILE_PREFIX,
  RowIssueLog,
} from '../../../src/pipeline/row-issue-log.js';
import { openFilesUnder } from '../../helpers/open-files.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

/**
 * A run's row issues with a small memory budget: the rest go to a temporary file, and reading
 * them gives every issue back, in order, as pushed.
 */

const LINUX = process.platform === 'linux';

let dir = '';
beforeEach(async () => {
  dir = await makeTempDir('issue-log-');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Issue `i`: multi-byte and astral characters, quotes, a line break, an optional cell. */
function issue(i: number): RowIssue {
  return {
    line: i + 2,
    column: i % 3 === 0 ? null : 'Name',
    value: i % 5 === 0 ? null : `Müller „${i}“ 😀 "quoted"\nnext line`,
    code: i % 2 === 0 ? 'DUPLICATE_KEY' : 'INVALID_EMAIL',
    message: `row ${i}: ${'ä€'.repeat(i % 40)}`,
    severity: i % 2 === 0 ? 'warning' : 'error',
    ...(i % 7 === 0 ? { cell: `B${i + 2}` } : {}),
  };
}

describe('RowIssueLog beyond its memory budget', () => {
  it('gives back every issue in order, across the move and the file’s read chunks', () => {
    const log = new RowIssueLog({ maxMemoryIssues: 100, tempDir: dir });
    const expected = Array.from({ length: 5000 }, (_, i) => issue(i));
    // Pushed one by one and several at a time, as the pipeline does.
    log.push(...expected.slice(0, 50));
    for (const item of expected.slice(50, 2000)) {
      log.push(item);
    }
    expect(log.onDisk).toBe(true);
    log.push(...expected.slice(2000));
    expect(log.length).toBe(5000);
    // Several hundred kilobytes of multi-byte text: read back in many 64 KiB chunks.
    expect([...log]).toEqual(expected);
    // Reading twice, and pushing after a read, work too.
    log.push(issue(5000));
    expect([...log]).toEqual([...expected, issue(5000)]);
    log.release();
  });

  it('slices in memory, across the boundary and in the file', () => {
    const log = new RowIssueLog({ maxMemoryIssues: 10, tempDir: dir });
    const expected = Array.from({ length: 40 }, (_, i) => issue(i));
    log.push(...expected);
    expect(log.slice(0, 5)).toEqual(expected.slice(0, 5));
    expect(log.slice(8, 13)).toEqual(expected.slice(8, 13));
    expect(log.slice(30)).toEqual(expected.slice(30));
    expect(log.slice(0, 100)).toEqual(expected);
    expect(log.slice(39, 39)).toEqual([]);
    log.release();
  });

  it('needs no file while the issues fit in memory', () => {
    const log = new RowIssueLog({ maxMemoryIssues: 10, tempDir: dir });
    log.push(...Array.from({ length: 10 }, (_, i) => issue(i)));
    expect(log.onDisk).toBe(false);
    expect(openFilesUnder(dir) ?? []).toEqual([]);
    log.release();
  });

  it.skipIf(!LINUX)(
    'keeps its file in tempDir without a name while open, and closes it on release',
    () => {
      const log = new RowIssueLog({ maxMemoryIssues: 1, tempDir: dir });
      log.push(issue(0), issue(1), issue(2));
      expect([...log]).toHaveLength(3);
      // Unlinked at once: nothing to clean up after a crash, yet the log reads from it.
      expect(readdirSync(dir)).toEqual([]);
      const open = openFilesUnder(dir);
      expect(open).toHaveLength(1);
      expect(open?.[0]).toMatch(
        new RegExp(
          `^${ISSUE_FILE_PREFIX}${process.pid}-[0-9a-f]+\\.jsonl \\(deleted\\)$`,
        ),
      );
      log.release();
      expect(openFilesUnder(dir)).toEqual([]);
      log.release();
      expect(() => [...log]).toThrow(/after release/);
      expect(() => log.push(issue(3))).toThrow(/after release/);
    },
  );

  it('removes stale issue files of processes that are gone, and nothing else', () => {
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    const names = {
      stale: `${ISSUE_FILE_PREFIX}${gone}-0123abcd.jsonl`,
      live: `${ISSUE_FILE_PREFIX}${process.ppid}-0123abcd.jsonl`,
      other: `${ISSUE_FILE_PREFIX}${gone}-notes.txt`,
      unrelated: 'customers.db',
    };
    for (const name of Object.values(names)) {
      writeFileSync(join(dir, name), 'x');
    }
    const log = new RowIssueLog({ maxMemoryIssues: 1, tempDir: dir });
    log.push(issue(0));
    expect(readdirSync(dir).sort()).toEqual(Object.values(names).sort());
    log.push(issue(1));
    void [...log];
    expect(readdirSync(dir).sort()).toEqual(
      [names.live, names.other, names.unrelated].sort(),
    );
    log.release();
  });

  it('turns a temporary folder it cannot use into a retryable AppError naming the folder', () => {
    const missing = join(dir, 'no-such-folder');
    const log = new RowIssueLog({ maxMemoryIssues: 1, tempDir: missing });
    log.push(issue(0), issue(1));
    let error: unknown;
    try {
      // The first write: when the pending lines are read, or reach a write's worth.
      void [...log];
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({
      code: ErrorCode.RESOURCE_LIMIT,
      retryable: true,
    });
    expect((error as AppError).message).toContain(missing);
    log.release();
  });
});
