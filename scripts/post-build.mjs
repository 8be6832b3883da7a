// After tsc: make the CLI entry executable, so `npx customer-import` and the package bin run it directly.
import { chmodSync, existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('post-build: dist/cli/main.js is missing; did tsc fail?');
  process.exit(1);
}
chmodSync(entry, 0o755);
