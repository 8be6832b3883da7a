import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The shared corpus of real files (../shared/corpus next to the repo). */
export const CORPUS_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../../shared/corpus',
);

export function corpusPath(...parts: string[]): string {
  const p = join(CORPUS_DIR, ...parts);
  if (!existsSync(p)) {
    throw new Error(
      `Corpus file missing: ${p} (../shared/corpus must sit next to the repo)`,
    );
  }
  return p;
}
