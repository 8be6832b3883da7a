import { existsSync } from 'node:fs';
import { readdir, readlink, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DelimitedParser } from '../../../src/parse/delimited-parser.js';
import type { RawRow } from '../../../src/parse/parser.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { delimitedFormat, parseAll, writeExport } from './delimited-helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * A generated export: every 7th row has a quoted value with a line break in it, every 50th a
 * blank line after it. Returns the text and the line each row starts on.
 */
function generate(rows: number): {
  text: string;
  lines: number[];
  names: string[];
} {
  let text = 'Kundennr;Name;Straße;Ort\r\n';
  let line = 2;
  const lines: number[] = [];
  const names: string[] = [];
  for (let i = 0; i < rows; i++) {
    lines.push(line);
    const name = i % 7 === 0 ? `Müller ${i}\nzweite Zeile` : `Jörg "${i}" €`;
    names.push(name);
    text += `${10_000 + i};"${name.replaceAll('"', '""')}";Hauptstraße ${i};Köln\r\n`;
    line += i % 7 === 0 ? 2 : 1;
    if (i % 50 === 0) {
      text += '\r\n';
      line += 1;
    }
  }
  return { text, lines, names };
}

/** Open file descriptors of this process that point at `path` (Linux only). */
async function openDescriptorsOf(path: string): Promise<number> {
  let n = 0;
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(join('/proc/self/fd', fd)).catch(() => '');
    if (target === path) {
      n++;
    }
  }
  return n;
}

describe('DelimitedParser streaming', () => {
  it('delivers 10 000 rows with batchSize 1000 as 10 batches of 1000, every line right', async () => {
    const { text, lines, names } = generate(10_000);
    const path = await writeExport(dir, 'many.csv', text);
    const result = await parseAll(path, delimitedFormat(), { batchSize: 1000 });
    expect(result.batches.map((b) => b.length)).toEqual(
      Array.from({ length: 10 }, () => 1000),
    );
    expect(result.rows.map((r) => r.line)).toEqual(lines);
    expect(result.rows.map((r) => r.cells[1])).toEqual(names);
    expect(
      result.rows.every((r) => r.issue === undefined && r.cells.length === 4),
    ).toBe(true);
  });

  it('gives the same rows and lines whatever the read size, cutting characters and CRLFs', async () => {
    const { text } = generate(300);
    const path = await writeExport(dir, 'cuts.csv', text);
    const reference = await parseAll(path, delimitedFormat(), {
      batchSize: 64,
    });
    expect(reference.rows).toHaveLength(300);
    for (const highWaterMark of [1, 2, 3, 7, 13, 1000]) {
      const result = await parseAll(path, delimitedFormat(), {
        batchSize: 64,
        highWaterMark,
      });
      expect(result.header).toEqual(reference.header);
      expect(result.rows, `highWaterMark ${highWaterMark}`).toEqual(
        reference.rows,
      );
    }
  });

  it('reports bytes read as it goes, ending at the file size', async () => {
    const { text } = generate(2000);
    const path = await writeExport(dir, 'progress.csv', text);
    const result = await parseAll(path, delimitedFormat(), {
      highWaterMark: 4096,
      batchSize: 100,
    });
    const size = (await stat(path)).size;
    expect(result.bytes.length).toBeGreaterThan(10);
    expect(result.bytes).toEqual([...result.bytes].sort((a, b) => a - b));
    expect(result.bytes.at(-1)).toBe(size);
  });

  it('reads only as far as the batches asked for (back-pressure)', async () => {
    const { text } = generate(50_000);
    const path = await writeExport(dir, 'large.csv', text);
    const size = (await stat(path)).size;
    let bytesRead = 0;
    const parsed = await new DelimitedParser({ highWaterMark: 16 * 1024 }).open(
      {
        path,
        displayName: 'large.csv',
        sizeBytes: size,
        format: delimitedFormat(),
        batchSize: 100,
        onBytes: (n) => {
          bytesRead = n;
        },
      },
    );
    const iterator = parsed.rows[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value).toHaveLength(100);
    // 100 rows are about 5 KB; the start sample is 64 K characters. Far from the 2.7 MB file.
    expect(bytesRead).toBeLessThan(128 * 1024);
    const readAfterFirst = bytesRead;
    await iterator.next();
    expect(bytesRead - readAfterFirst).toBeLessThanOrEqual(16 * 1024);
    expect(size).toBeGreaterThan(2_000_000);
    await parsed.close();
  });

  it.runIf(existsSync('/proc/self/fd'))(
    'close() mid-file closes the file descriptor and ends the rows',
    async () => {
      const { text } = generate(20_000);
      const path = await writeExport(dir, 'close.csv', text);
      const parsed = await new DelimitedParser({ highWaterMark: 8192 }).open({
        path,
        displayName: 'close.csv',
        sizeBytes: 0,
        format: delimitedFormat(),
        batchSize: 10,
      });
      expect(await openDescriptorsOf(path)).toBe(1);
      const seen: RawRow[] = [];
      for await (const batch of parsed.rows) {
        seen.push(...batch);
        if (seen.length >= 30) {
          await parsed.close();
        }
      }
      expect(seen).toHaveLength(30);
      expect(await openDescriptorsOf(path)).toBe(0);
      await parsed.close();
    },
  );

  it.runIf(existsSync('/proc/self/fd'))(
    'releases the file when the consumer stops early or a row batch throws',
    async () => {
      const { text } = generate(20_000);
      const path = await writeExport(dir, 'stop.csv', text);
      const parsed = await new DelimitedParser().open({
        path,
        displayName: 'stop.csv',
        sizeBytes: 0,
        format: delimitedFormat(),
        batchSize: 10,
      });
      for await (const _batch of parsed.rows) {
        break;
      }
      expect(await openDescriptorsOf(path)).toBe(0);

      const failing = await writeExport(
        dir,
        'fails.csv',
        Buffer.concat([Buffer.from(text), Buffer.from([0xff])]),
      );
      const open = await new DelimitedParser().open({
        path: failing,
        displayName: 'fails.csv',
        sizeBytes: 0,
        format: delimitedFormat(),
        batchSize: 10_000,
      });
      await expect(async () => {
        for await (const _batch of open.rows) {
          // read on until the bad byte
        }
      }).rejects.toThrow(/not valid UTF-8/);
      expect(await openDescriptorsOf(failing)).toBe(0);
    },
  );

  it.runIf(existsSync('/proc/self/fd'))(
    'releases the file when open() fails',
    async () => {
      const path = await writeExport(dir, 'header-only.csv', 'Nr;Name\n');
      await expect(parseAll(path, delimitedFormat())).rejects.toThrow(
        /no data rows/,
      );
      expect(await openDescriptorsOf(path)).toBe(0);
    },
  );

  it('fails with FILE_UNREADABLE for a missing file', async () => {
    await expect(
      parseAll(join(dir, 'missing.csv'), delimitedFormat()),
    ).rejects.toMatchObject({
      code: 'FILE_UNREADABLE',
    });
  });
});
