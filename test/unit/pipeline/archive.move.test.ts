import {
  mkdir,
  readdir,
  readFile,
  rm,
  stat,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors.js';
import { moveToArchive, moveToFailed } from '../../../src/pipeline/archive.js';
import { NODE_FS_PORT, type FsPort } from '../../../src/pipeline/fs-port.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const AT = Date.UTC(2026, 10, 21, 13, 45, 1);
const clock = { now: () => AT };

function failingWith(
  code: string,
  method: 'rename' | 'unlink',
  onlyFor?: (path: string) => boolean,
): FsPort {
  return {
    ...NODE_FS_PORT,
    [method]: async (path: string, ...rest: [string]) => {
      // EXDEV is about two file systems: a rename within one folder still works.
      const sameFolder =
        method === 'rename' && dirname(path) === dirname(rest[0]);
      if (
        !(code === 'EXDEV' && sameFolder) &&
        (onlyFor === undefined || onlyFor(path))
      ) {
        throw Object.assign(
          new Error(`${code}: simulated, ${method} '${path}'`),
          { code },
        );
      }
      return method === 'rename'
        ? NODE_FS_PORT.rename(path, rest[0])
        : NODE_FS_PORT.unlink(path);
    },
  };
}

describe('moveToArchive / moveToFailed', () => {
  let root: string;
  let processing: string;
  let archive: string;
  let failed: string;

  beforeEach(async () => {
    root = await makeTempDir('archive-test-');
    processing = join(root, 'processing');
    archive = join(root, 'archive');
    failed = join(root, 'failed');
    await mkdir(processing);
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function claimed(
    name: string,
    content: string,
    originalName = 'customers.txt',
  ) {
    const path = join(processing, name);
    await writeFile(path, content);
    return { path, originalName };
  }

  it('moves a file to archive/ under a timestamped name, creating the folder', async () => {
    const file = await claimed('c1', 'K1;A\n');
    const result = await moveToArchive(file, archive, { clock });
    expect(result.name).toBe('customers.20261121T134501Z.txt');
    expect(result.path).toBe(join(archive, result.name));
    expect(result.crossDevice).toBe(false);
    expect(await readFile(result.path, 'utf8')).toBe('K1;A\n');
    expect(await readdir(processing)).toEqual([]);
  });

  it('never overwrites: taken names get -2, -3 and old files keep their content', async () => {
    await mkdir(archive);
    await writeFile(join(archive, 'customers.20261121T134501Z.txt'), 'old one');
    await writeFile(
      join(archive, 'customers.20261121T134501Z-2.txt'),
      'old two',
    );
    const result = await moveToArchive(await claimed('c1', 'new'), archive, {
      clock,
    });
    expect(result.name).toBe('customers.20261121T134501Z-3.txt');
    expect(
      await readFile(join(archive, 'customers.20261121T134501Z.txt'), 'utf8'),
    ).toBe('old one');
    expect(
      await readFile(join(archive, 'customers.20261121T134501Z-2.txt'), 'utf8'),
    ).toBe('old two');
    expect(await readFile(result.path, 'utf8')).toBe('new');
  });

  it('gives concurrent moves of same-named files distinct names (exclusive create)', async () => {
    const files = await Promise.all(
      Array.from({ length: 8 }, (_, i) => claimed(`c${i}`, `content ${i}`)),
    );
    const results = await Promise.all(
      files.map((f) => moveToArchive(f, archive, { clock })),
    );
    const names = new Set(results.map((r) => r.name));
    expect(names.size).toBe(8);
    const contents = await Promise.all(
      results.map((r) => readFile(r.path, 'utf8')),
    );
    expect(contents.sort()).toEqual(
      Array.from({ length: 8 }, (_, i) => `content ${i}`).sort(),
    );
    expect((await readdir(archive)).length).toBe(8);
  });

  it('copies across file systems on EXDEV: fsync-ed copy, same bytes and mtime, source removed', async () => {
    const file = await claimed('c1', 'x'.repeat(3 * 1024 * 1024 + 17));
    const mtime = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
    await utimes(file.path, mtime, mtime);
    const result = await moveToArchive(file, archive, {
      clock,
      fs: failingWith('EXDEV', 'rename'),
    });
    expect(result.crossDevice).toBe(true);
    expect((await stat(result.path)).size).toBe(3 * 1024 * 1024 + 17);
    expect((await stat(result.path)).mtimeMs).toBe(mtime.getTime());
    expect(await readdir(processing)).toEqual([]);
    expect(await readdir(archive)).toEqual([result.name]);
  });

  it('on EXDEV, the target name holds the empty reservation until the whole copy is renamed over it', async () => {
    const content = 'y'.repeat(2 * 1024 * 1024 + 5);
    const file = await claimed('c1', content);
    const crossings = failingWith('EXDEV', 'rename');
    const seen: { from: string; targetBytes: number; fromBytes: number }[] = [];
    const fs: FsPort = {
      ...crossings,
      rename: async (from, to) => {
        if (dirname(from) === dirname(to)) {
          // What a process killed right now would leave under the target name.
          seen.push({
            from,
            targetBytes: (await stat(to)).size,
            fromBytes: (await stat(from)).size,
          });
        }
        return crossings.rename(from, to);
      },
    };
    const result = await moveToArchive(file, archive, { clock, fs });
    expect(seen).toEqual([
      {
        from: join(archive, `.${result.name}.partial`),
        targetBytes: 0,
        fromBytes: content.length,
      },
    ]);
    expect(await readFile(result.path, 'utf8')).toBe(content);
    expect(await readdir(archive)).toEqual([result.name]);
  });

  it('on EXDEV, a copy that fails leaves no partial file and no reservation behind', async () => {
    const file = await claimed('c1', 'data');
    const fs: FsPort = {
      ...failingWith('EXDEV', 'rename'),
      // The source changes under the copy: its mtime no longer matches afterwards.
      open: async (path, flags, mode) => {
        const handle = await NODE_FS_PORT.open(path, flags, mode);
        if (path === file.path) {
          const later = new Date(Date.UTC(2026, 0, 1));
          await utimes(file.path, later, later);
        }
        return handle;
      },
    };
    const error = await moveToArchive(file, archive, { clock, fs }).catch(
      (e: unknown) => e,
    );
    expect((error as AppError).code).toBe('ARCHIVE_FAILED');
    expect(await readFile(file.path, 'utf8')).toBe('data');
    expect(await readdir(archive)).toEqual([]);
  });

  it('on EXDEV, a source that cannot be removed leaves exactly one copy: the source', async () => {
    const file = await claimed('c1', 'data');
    const fs = {
      ...failingWith('EXDEV', 'rename'),
      unlink: failingWith('EBUSY', 'unlink', (p) => p === file.path).unlink,
    };
    const error = await moveToArchive(file, archive, { clock, fs }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('ARCHIVE_FAILED');
    expect((error as AppError).retryable).toBe(true);
    expect(await readFile(file.path, 'utf8')).toBe('data');
    expect(await readdir(archive)).toEqual([]);
  });

  it('EBUSY leaves the file in processing/, no placeholder behind, retryable ARCHIVE_FAILED', async () => {
    const file = await claimed('c1', 'data');
    const error = await moveToArchive(file, archive, {
      clock,
      fs: failingWith('EBUSY', 'rename'),
    }).catch((e: unknown) => e);
    expect((error as AppError).code).toBe('ARCHIVE_FAILED');
    expect((error as AppError).retryable).toBe(true);
    expect((error as AppError).message).toMatch(/EBUSY/);
    expect(await readFile(file.path, 'utf8')).toBe('data');
    expect(await readdir(archive)).toEqual([]);
  });

  it('a vanished claimed file is a non-retryable ARCHIVE_FAILED', async () => {
    const error = await moveToArchive(
      { path: join(processing, 'gone'), originalName: 'customers.txt' },
      archive,
      { clock },
    ).catch((e: unknown) => e);
    expect((error as AppError).code).toBe('ARCHIVE_FAILED');
    expect((error as AppError).retryable).toBe(false);
    expect(await readdir(archive)).toEqual([]);
  });

  it('moves to failed/ with .error.txt and .errors.csv next to the file', async () => {
    const result = await moveToFailed(
      await claimed('c1', 'bad data'),
      failed,
      {
        errorText: 'Header row 1 lacks KUNNR',
        errorsCsv: 'line;column;code\n2;email;INVALID_EMAIL\n',
      },
      { clock },
    );
    expect(result.name).toBe('customers.20261121T134501Z.txt');
    expect(result.errorTextPath).toBe(
      join(failed, 'customers.20261121T134501Z.txt.error.txt'),
    );
    expect(result.errorsCsvPath).toBe(
      join(failed, 'customers.20261121T134501Z.txt.errors.csv'),
    );
    expect(await readFile(result.path, 'utf8')).toBe('bad data');
    expect(await readFile(result.errorTextPath, 'utf8')).toBe(
      'Header row 1 lacks KUNNR',
    );
    expect(await readFile(result.errorsCsvPath ?? '', 'utf8')).toContain(
      'INVALID_EMAIL',
    );
  });

  it('writes a report given in pieces one after the other', async () => {
    const pieces = ['line;code\r\n', '2;A\r\n', '3;B\r\n'];
    const result = await moveToFailed(
      await claimed('c1', 'bad data'),
      failed,
      { errorText: 'rejected', errorsCsv: pieces },
      { clock },
    );
    expect(await readFile(result.errorsCsvPath ?? '', 'utf8')).toBe(
      pieces.join(''),
    );
  });

  it('writes no .errors.csv when there are no row issues', async () => {
    const result = await moveToFailed(
      await claimed('c1', ''),
      failed,
      { errorText: 'empty file', errorsCsv: null },
      { clock },
    );
    expect(result.errorsCsvPath).toBeNull();
    expect((await readdir(failed)).sort()).toEqual(
      [result.name, `${result.name}.error.txt`].sort(),
    );
  });

  it('skips a name whose report name is taken, and never overwrites that report', async () => {
    await mkdir(failed);
    const foreign = join(failed, 'customers.20261121T134501Z.txt.error.txt');
    await writeFile(foreign, 'someone else');
    const result = await moveToFailed(
      await claimed('c1', 'x'),
      failed,
      { errorText: 'why', errorsCsv: 'a\n' },
      { clock },
    );
    expect(result.name).toBe('customers.20261121T134501Z-2.txt');
    expect(await readFile(foreign, 'utf8')).toBe('someone else');
    expect(await readFile(result.errorTextPath, 'utf8')).toBe('why');
  });

  it('removes its reports again when the move fails, so a retry starts clean', async () => {
    const file = await claimed('c1', 'x');
    const error = await moveToFailed(
      file,
      failed,
      { errorText: 'why', errorsCsv: 'a\n' },
      { clock, fs: failingWith('EPERM', 'rename') },
    ).catch((e: unknown) => e);
    expect((error as AppError).code).toBe('ARCHIVE_FAILED');
    expect(await readdir(failed)).toEqual([]);
    expect(await readFile(file.path, 'utf8')).toBe('x');
    const retried = await moveToFailed(
      file,
      failed,
      { errorText: 'why', errorsCsv: 'a\n' },
      { clock },
    );
    expect(retried.name).toBe('customers.20261121T134501Z.txt');
  });

  it.each([
    '..',
    '../../escape.txt',
    '..\\..\\escape.txt',
    '/etc/passwd',
    'customers $(rm -rf ~).txt',
    'a;b&&c.txt',
    'kunden äöü 客户.txt',
    `${'z'.repeat(400)}.csv`,
  ])('keeps hostile original name %j inside failed/', async (originalName) => {
    const file = await claimed('c1', 'x', originalName);
    const result = await moveToFailed(
      file,
      failed,
      { errorText: 'why', errorsCsv: 'a\n' },
      { clock },
    );
    for (const p of [
      result.path,
      result.errorTextPath,
      result.errorsCsvPath ?? '',
    ]) {
      expect(join(failed, p.slice(failed.length + 1))).toBe(p);
      expect(p.startsWith(`${failed}/`)).toBe(true);
      expect(p.slice(failed.length + 1)).not.toContain('/');
    }
    expect((await readdir(root)).sort()).toEqual(['failed', 'processing']);
    expect((await readdir(failed)).length).toBe(3);
  });
});
