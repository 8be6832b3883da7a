import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusPath } from '../../helpers/corpus.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

// The other way the worker starts: from compiled JavaScript under plain `node`, as `node dist/…`
// runs it, with no tsx anywhere. The parser is compiled into a temp folder (the same compiler
// options as tsconfig.build.json) and run in a child process.

const run = promisify(execFile);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

let dir: string;

beforeAll(async () => {
  dir = await makeTempDir('excel-compiled-');
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify({ type: 'module' }),
  );
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const args = [
    tsc,
    ...['--outDir', join(dir, 'dist'), '--rootDir', join(ROOT, 'src')],
    ...[
      '--module',
      'NodeNext',
      '--moduleResolution',
      'NodeNext',
      '--target',
      'ES2022',
      '--lib',
      'ES2023',
    ],
    ...[
      '--types',
      'node',
      '--skipLibCheck',
      '--strict',
      '--verbatimModuleSyntax',
      '--esModuleInterop',
    ],
    join(ROOT, 'src/parse/excel-parser.ts'),
    join(ROOT, 'src/parse/excel-worker.ts'),
  ];
  // Type errors elsewhere in the tree still emit JavaScript; what matters is that it exists.
  await run(process.execPath, args, { cwd: ROOT }).catch(() => undefined);
  await mkdir(join(dir, 'bin'), { recursive: true });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ExcelParser compiled to JavaScript', () => {
  it('starts the compiled excel-worker.js and reads a workbook', async () => {
    expect(existsSync(join(dir, 'dist/parse/excel-worker.js'))).toBe(true);
    expect(existsSync(join(dir, 'dist/parse/excel-worker.ts'))).toBe(false);
    const script = join(dir, 'bin', 'read.mjs');
    await writeFile(
      script,
      `import { ExcelParser } from '../dist/parse/excel-parser.js';
const parser = new ExcelParser({ maxHeapMb: 128, timeoutSeconds: 30, maxFileBytes: 10485760 });
const format = { type: 'xlsx', id: 'x', sheet: 1, headerRow: 1, header: true, columns: [] };
const parsed = await parser.open({ path: process.argv[2], displayName: 'users.xlsx', sizeBytes: 0, format, batchSize: 10 });
const rows = [];
for await (const batch of parsed.rows) rows.push(...batch);
await parsed.close();
console.log(JSON.stringify({ header: parsed.header, rows }));
`,
    );
    const { stdout } = await run(
      process.execPath,
      [
        script,
        corpusPath('xlsx', 'laravel-excel', 'import-users-with-headings.xlsx'),
      ],
      {
        cwd: dir,
      },
    );
    expect(JSON.parse(stdout)).toEqual({
      header: ['name', 'email'],
      rows: [
        { line: 2, cells: ['Patrick Brouwers', 'patrick@maatwebsite.nl'] },
        { line: 3, cells: ['Taylor Otwell', 'taylor@laravel.com'] },
      ],
    });
  });
});
