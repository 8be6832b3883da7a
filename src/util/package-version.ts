import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The version in customer-import's own package.json, found by walking up from this module
 * (src/, dist/ and the benchmark's build all sit below it); `unknown` when there is none.
 * Read once per process: `--version` and the row hashes' fingerprint (pipeline/source-rows.ts).
 */
export function packageVersion(): string {
  cached ??= readPackageVersion();
  return cached;
}

function readPackageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(
        readFileSync(join(dir, 'package.json'), 'utf8'),
      ) as { name?: unknown; version?: unknown };
      if (pkg.name === 'customer-import' && typeof pkg.version === 'string') {
        return pkg.version;
      }
    } catch {
      // No package.json here (or not ours): look further up.
    }
    const parent = dirname(dir);
    if (parent === dir) {
      return 'unknown';
    }
    dir = parent;
  }
}
