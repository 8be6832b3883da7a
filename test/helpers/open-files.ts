import { readdirSync, readlinkSync } from 'node:fs';

/**
 * Files this process has open under `dir`, by name relative to it, unlinked ones included
 * (Linux shows them as `name (deleted)`). Reads /proc/self/fd, so Linux only: null elsewhere.
 */
export function openFilesUnder(dir: string): string[] | null {
  if (process.platform !== 'linux') {
    return null;
  }
  const open: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(`${dir}/`)) {
        open.push(target.slice(dir.length + 1));
      }
    } catch {
      // The descriptor closed meanwhile (readdir's own, for one).
    }
  }
  return open;
}
