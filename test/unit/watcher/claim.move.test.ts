import {
  appendFile,
  link,
  lstat,
  readdir,
  readFile,
  rm,
  symlink,
  unlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NODE_FS_PORT, type FsPort } from '../../../src/util/fs-port.js';
import {
  ClaimError,
  claimFile,
  claimedName,
  parseClaimedName,
} from '../../../src/watcher/claim.js';
import type { StableFile } from '../../../src/watcher/exchange-watcher.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const AT = Date.UTC(2026, 10, 21, 13, 45, 1);
const clock = { now: () => AT };

function renameFailsWith(code: string): FsPort {
  return {
    ...NODE_FS_PORT,
    rename: async (from: string, to: string) => {
      // EXDEV is about two file systems: a rename within one folder still works.
      if (code === 'EXDEV' && dirname(from) === dirname(to)) {
        return NODE_FS_PORT.rename(from, to);
      }
      throw Object.assign(new Error(`${code}: simulated rename of '${from}'`), {
        code,
      });
    },
  };
}

/** What the watcher would emit for the file as it is now. */
async function stableFile(path: string, name: string): Promise<StableFile> {
  const s = await lstat(path);
  return {
    path,
    name,
    size: s.size,
    mtimeMs: s.mtimeMs,
    ino: s.ino,
    dev: s.dev,
    markerPath: null,
  };
}

describe('claimFile', () => {
  let exchange: string;
  let processing: string;

  beforeEach(async () => {
    exchange = await makeTempDir('claim-test-');
    processing = join(exchange, 'processing');
  });
  afterEach(async () => {
    await rm(exchange, { recursive: true, force: true });
  });

  async function drop(name: string, content: string): Promise<StableFile> {
    const path = join(exchange, name);
    await writeFile(path, content);
    return stableFile(path, name);
  }

  it('renames the file into processing/ under <timestamp>-<random>-<name> and keeps the original name', async () => {
    const file = await drop('customers.txt', 'K1;A\n');
    const claimed = await claimFile(file, processing, NODE_FS_PORT, clock);
    expect(claimed.name).toMatch(
      /^20261121T134501Z-[0-9a-f]{8}-customers\.txt$/,
    );
    expect(claimed.path).toBe(join(processing, claimed.name));
    expect(claimed.originalName).toBe('customers.txt');
    expect(claimed.originalPath).toBe(file.path);
    expect(claimed.claimedAt).toBe('2026-11-21T13:45:01.000Z');
    expect(claimed.ino).toBe(file.ino);
    expect(await readFile(claimed.path, 'utf8')).toBe('K1;A\n');
    // The drop name is free at once for the ERP's next export.
    expect(await readdir(exchange)).toEqual(['processing']);
    expect(parseClaimedName(claimed.name)?.originalName).toBe('customers.txt');
  });

  it('gives every claim of the same name a distinct processing name, never overwriting', async () => {
    const names: string[] = [];
    for (let i = 0; i < 5; i++) {
      const claimed = await claimFile(
        await drop('customers.txt', `drop ${i}`),
        processing,
        NODE_FS_PORT,
        clock,
      );
      names.push(claimed.name);
    }
    expect(new Set(names).size).toBe(5);
    const contents = await Promise.all(
      names.map((n) => readFile(join(processing, n), 'utf8')),
    );
    expect(contents).toEqual([
      'drop 0',
      'drop 1',
      'drop 2',
      'drop 3',
      'drop 4',
    ]);
  });

  it('does not claim a file that changed after it was seen stable', async () => {
    const file = await drop('customers.txt', 'part one');
    await appendFile(file.path, ', part two');
    const error = await claimFile(file, processing, NODE_FS_PORT, clock).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ClaimError);
    expect((error as ClaimError).reason).toBe('changed');
    expect((error as ClaimError).code).toBe('FILE_BUSY');
    expect(await readFile(file.path, 'utf8')).toBe('part one, part two');
  });

  it('does not claim a file that was replaced by a new one (other inode)', async () => {
    const dropped = await drop('customers.txt', 'same size');
    const mtime = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
    await utimes(dropped.path, mtime, mtime);
    const file = await stableFile(dropped.path, dropped.name);
    // A second link keeps the old inode alive, so the re-created file must get a new one.
    await link(file.path, join(exchange, 'old-inode'));
    await unlink(file.path);
    await writeFile(file.path, 'same size');
    await utimes(file.path, mtime, mtime);
    const now = await lstat(file.path);
    expect([now.size, now.mtimeMs]).toEqual([file.size, file.mtimeMs]);
    const error = await claimFile(file, processing, NODE_FS_PORT, clock).catch(
      (e: unknown) => e,
    );
    expect((error as ClaimError).reason).toBe('changed');
    expect(await readFile(file.path, 'utf8')).toBe('same size');
  });

  it('reports a file that is gone as vanished (someone else claimed it)', async () => {
    const file = await drop('customers.txt', 'x');
    await unlink(file.path);
    const error = await claimFile(file, processing, NODE_FS_PORT, clock).catch(
      (e: unknown) => e,
    );
    expect((error as ClaimError).reason).toBe('vanished');
    expect((error as ClaimError).retryable).toBe(false);
  });

  it('two claims racing for one file: exactly one wins, the other sees it vanished', async () => {
    const file = await drop('customers.txt', 'x');
    const results = await Promise.allSettled([
      claimFile(file, processing, NODE_FS_PORT, clock),
      claimFile(file, join(exchange, 'processing-b'), NODE_FS_PORT, clock),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter(
      (r): r is PromiseRejectedResult => r.status === 'rejected',
    );
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0]?.reason as ClaimError).reason).toBe('vanished');
    const leftovers = [
      ...(await readdir(processing)),
      ...(await readdir(join(exchange, 'processing-b'))),
    ];
    expect(leftovers).toHaveLength(1);
  });

  it.each(['EBUSY', 'EPERM', 'EACCES'])(
    '%s on rename is a retryable FILE_BUSY and leaves the file in place',
    async (code) => {
      const file = await drop('customers.txt', 'x');
      const error = await claimFile(
        file,
        processing,
        renameFailsWith(code),
        clock,
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ClaimError);
      expect((error as ClaimError).reason).toBe('busy');
      expect((error as ClaimError).code).toBe('FILE_BUSY');
      expect((error as ClaimError).retryable).toBe(true);
      expect(await readFile(file.path, 'utf8')).toBe('x');
      expect(await readdir(processing)).toEqual([]);
    },
  );

  it('copies into processing/ across file systems (EXDEV) and removes the drop', async () => {
    const file = await drop('customers.txt', 'K1;A\nK2;B\n');
    const claimed = await claimFile(
      file,
      processing,
      renameFailsWith('EXDEV'),
      clock,
    );
    expect(claimed.crossDevice).toBe(true);
    expect(await readFile(claimed.path, 'utf8')).toBe('K1;A\nK2;B\n');
    expect(await readdir(exchange)).toEqual(['processing']);
  });

  it('does not claim a symlink', async () => {
    const target = join(exchange, 'elsewhere.txt');
    await writeFile(target, 'secret');
    const link = join(exchange, 'customers.txt');
    await symlink(target, link);
    const s = await lstat(link);
    const file: StableFile = {
      path: link,
      name: 'customers.txt',
      size: s.size,
      mtimeMs: s.mtimeMs,
      ino: s.ino,
      dev: s.dev,
      markerPath: null,
    };
    const error = await claimFile(file, processing, NODE_FS_PORT, clock).catch(
      (e: unknown) => e,
    );
    expect((error as ClaimError).reason).toBe('changed');
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
  });

  it.each([
    'customers $(rm -rf ~).txt',
    'a;b && c.txt',
    'kunden äöü 客户.txt',
    '..customers.txt',
    'with  spaces .txt',
    `${'y'.repeat(240)}.csv`,
    'ctrl\u0001char.txt',
  ])(
    'claims hostile name %j into processing/ and nowhere else',
    async (name) => {
      const file = await drop(name, 'x');
      const claimed = await claimFile(file, processing, NODE_FS_PORT, clock);
      expect(claimed.path.startsWith(`${processing}/`)).toBe(true);
      expect(claimed.name).not.toContain('/');
      expect(claimed.originalName).toBe(name);
      expect(await readdir(processing)).toEqual([claimed.name]);
      expect(await readdir(exchange)).toEqual(['processing']);
    },
  );

  it('builds names from a safe base name and parses only its own names', () => {
    expect(claimedName('../x.txt', AT, 'deadbeef')).toBe(
      '20261121T134501Z-deadbeef-x.txt',
    );
    expect(parseClaimedName('20261121T134501Z-deadbeef-x.txt')).toEqual({
      claimedAt: '2026-11-21T13:45:01Z',
      originalName: 'x.txt',
    });
    expect(parseClaimedName('customers.txt')).toBeNull();
  });

  it('creates processing/ when missing, including parents', async () => {
    const deep = join(exchange, 'a', 'b', 'processing');
    const claimed = await claimFile(
      await drop('customers.txt', 'x'),
      deep,
      NODE_FS_PORT,
      clock,
    );
    expect(claimed.path.startsWith(`${deep}/`)).toBe(true);
  });
});
