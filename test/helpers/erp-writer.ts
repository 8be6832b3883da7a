import { open, rename, writeFile } from 'node:fs/promises';
import { sleep } from './wait-for.js';

/**
 * Writes files the way ERPs do: slowly, in chunks, sometimes into a temp name that is renamed
 * into place at the end. Real files, real timing.
 */

export interface ChunkedWriteOptions {
  /** Pause between chunks, in ms; keep it shorter than the stability window under test. */
  pauseMs: number;
  /** Called after each chunk was written and flushed, with the bytes written so far. */
  onChunk?: (bytesSoFar: number, index: number) => void;
}

/** Appends `chunks` to `path` one by one through one open handle, pausing in between. Returns the total size. */
export async function writeInChunks(
  path: string,
  chunks: readonly (string | Buffer)[],
  options: ChunkedWriteOptions,
): Promise<number> {
  const handle = await open(path, 'a');
  let total = 0;
  try {
    for (const [index, chunk] of chunks.entries()) {
      const buffer =
        typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      await handle.write(buffer);
      await handle.sync();
      total += buffer.length;
      options.onChunk?.(total, index);
      if (index < chunks.length - 1) {
        await sleep(options.pauseMs);
      }
    }
  } finally {
    await handle.close();
  }
  return total;
}

/** `count` CSV-ish lines of fake customers, for chunked writes. */
export function customerLines(count: number, start = 1): string[] {
  return Array.from(
    { length: count },
    (_, i) =>
      `K${String(start + i).padStart(5, '0')};Fake Customer ${start + i};Teststr. ${i + 1}\n`,
  );
}

/** Writes the whole content under `tempPath` and renames it to `finalPath` (the "atomic" ERP). */
export async function writeThenRename(
  tempPath: string,
  finalPath: string,
  content: string | Buffer,
): Promise<void> {
  await writeFile(tempPath, content);
  await rename(tempPath, finalPath);
}
