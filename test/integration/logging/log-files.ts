import { readdirSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The rotated log files in a logs folder (not the audit file), oldest first (by day, then rotation number). */
export async function logFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => LOG_FILE.test(n)).sort(byRotation);
}

/** Every JSON line of every log file in the folder, in file order. */
export async function readLogLines(
  dir: string,
): Promise<Record<string, unknown>[]> {
  const lines: Record<string, unknown>[] = [];
  for (const name of await logFiles(dir)) {
    const text = await readFile(join(dir, name), 'utf8');
    for (const line of text.split('\n')) {
      if (line.trim() !== '') {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
    }
  }
  return lines;
}

/** {@link readLogLines} without yielding to the event loop. */
export function readLogLinesSync(dir: string): Record<string, unknown>[] {
  const names = readdirSync(dir)
    .filter((n) => LOG_FILE.test(n))
    .sort(byRotation);
  return names.flatMap((name) =>
    readFileSync(join(dir, name), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>),
  );
}

const LOG_FILE = /^customer-import-\d{4}-\d{2}-\d{2}(\.\d+)?\.log$/;

function byRotation(a: string, b: string): number {
  return day(a).localeCompare(day(b)) || rotationNumber(a) - rotationNumber(b);
}

function day(name: string): string {
  return /\d{4}-\d{2}-\d{2}/.exec(name)?.[0] ?? '';
}

function rotationNumber(name: string): number {
  const m = /\.(\d+)\.log$/.exec(name);
  return m?.[1] === undefined ? 0 : Number(m[1]);
}
