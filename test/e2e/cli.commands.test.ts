import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { BufferOutput } from '../../src/cli/io.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import {
  TEST_CONFIG_YAML,
  runCli,
  runCliJson,
  writeTree,
} from '../helpers/run-cli.js';

/** The look-around commands (formats, customers, runs), the progress bar, and the real binary. */

const REPO = resolve(import.meta.dirname, '../..');

const CSV_FORMAT = `
id: simple
type: delimited
delimiter: ","
match: "*.csv"
columns:
  - { source: customerNo, field: customerNo, required: true }
  - { source: name, field: name, required: true }
  - { source: city, field: city }
  - { source: email, field: email, type: email }
`;

let dir: string;

beforeEach(async () => {
  dir = await makeTempDir();
  await writeTree(dir, {
    'customer-import.config.yaml': TEST_CONFIG_YAML,
    'formats/simple.yaml': CSV_FORMAT,
  });
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function importCsv(name: string, rows: string[]): Promise<number> {
  await writeFile(
    join(dir, name),
    ['customerNo,name,city,email', ...rows].join('\n'),
  );
  const result = await runCliJson<{ runId: number }>(['import', name], {
    cwd: dir,
  });
  expect(result.code).toBe(0);
  return result.json.runId;
}

describe('formats', () => {
  it('lists the definitions, as a table and as JSON', async () => {
    const text = await runCli(['formats', 'list'], { cwd: dir });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/ID\s+TYPE\s+ENCODING\s+MATCH/);
    expect(text.stdout).toMatch(/simple\s+delimited\s+utf-8\s+\*\.csv/);
    const json = await runCliJson<{ id: string; columns: number }[]>(
      ['formats', 'list'],
      { cwd: dir },
    );
    expect(json.json).toEqual([
      expect.objectContaining({ id: 'simple', columns: 4 }),
    ]);
  });

  it('validate names every problem with file, line and path, and exits 1', async () => {
    await writeTree(dir, {
      'formats/broken.yaml':
        'id: broken\ntype: delimited\ncolumns:\n  - { source: A, field: nmae }\n  - { source: B, field: creditLimit, type: boolen }\n',
    });
    const result = await runCli(['formats', 'validate'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('broken.yaml line 4 (columns[0].field)');
    expect(result.stdout).toContain('did you mean "name"');
    expect(result.stdout).toContain('broken.yaml line 5 (columns[1].type)');
    await writeTree(dir, {
      'formats/broken.yaml':
        'id: broken\ntype: delimited\ncolumns:\n  - { source: A, field: name }\n',
    });
    const keyless = await runCli(['formats', 'validate', 'broken'], {
      cwd: dir,
    });
    expect(keyless.code).toBe(1);
    expect(keyless.stdout).toMatch(
      /broken\.yaml line \d+ \(key\): key field "customerNo" is not mapped by any column/,
    );
    const one = await runCli(['formats', 'validate', 'simple'], { cwd: dir });
    expect(one.code).toBe(0);
    expect(one.stdout).toContain('valid: simple');
  });

  it('an invalid definition set stops other commands with exit 2, naming the file', async () => {
    await writeTree(dir, {
      'formats/broken.yaml': 'id: broken\ntype: fixed\n',
    });
    const result = await runCli(['formats', 'list'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('broken.yaml');
  });

  it('preview shows the first rows as mapped records with their errors beside them, and writes nothing', async () => {
    await writeFile(
      join(dir, 'p.csv'),
      'customerNo,name,city,email\n1,Alpha,Bonn,a@x.example\n2,Beta,Köln,not-mail\n3,Gamma,Ulm,\n',
    );
    const result = await runCli(
      ['formats', 'preview', 'p.csv', '--rows', '2'],
      { cwd: dir },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('line 2: key 1');
    expect(result.stdout).toMatch(/city\s+"Bonn"/);
    expect(result.stdout).toContain('line 3: NOT IMPORTED');
    expect(result.stdout).toContain(
      "! error: email: 'not-mail' is not a valid e-mail address",
    );
    expect(result.stdout).not.toContain('line 4');
    const json = await runCliJson<{
      rows: { line: number; record: unknown; issues: unknown[] }[];
    }>(['formats', 'preview', 'p.csv'], { cwd: dir });
    expect(json.json.rows).toHaveLength(3);
    expect(existsSync(join(dir, 'data/customers.db'))).toBe(false);
  });
});

describe('customers and runs', () => {
  it('lists and searches customers, shows one with its history', async () => {
    await importCsv('a.csv', [
      '1,Müller GmbH,Köln,info@mueller.example',
      '2,Schmidt AG,Berlin,',
      '3,Meier KG,Köln,',
    ]);
    const all = await runCliJson<{ key: string }[]>(['customers', 'list'], {
      cwd: dir,
    });
    expect(all.json.map((c) => c.key).sort()).toEqual(['1', '2', '3']);
    const koeln = await runCliJson<{ key: string }[]>(
      ['customers', 'list', '--search', 'KÖLN'],
      { cwd: dir },
    );
    expect(koeln.json.map((c) => c.key).sort()).toEqual(['1', '3']);
    const limited = await runCliJson<unknown[]>(
      ['customers', 'list', '--limit', '1'],
      { cwd: dir },
    );
    expect(limited.json).toHaveLength(1);
    const table = await runCli(['customers', 'list', '--search', 'müller'], {
      cwd: dir,
    });
    expect(table.stdout).toMatch(
      /1\s+Müller GmbH\s+Köln\s+info@mueller\.example\s+active/,
    );
    expect(table.stdout).toContain('1 shown of 3 customer(s).');

    await importCsv('b.csv', ['1,Müller GmbH,Bonn,info@mueller.example']);
    const shown = await runCli(['customers', 'show', '1'], { cwd: dir });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/Customer 1 \(.*active\)/);
    expect(shown.stdout).toMatch(/updated in run 2 \(line 2\)/);
    expect(shown.stdout).toContain('city: "Köln" → "Bonn"');
    expect(
      (await runCli(['customers', 'show', '99'], { cwd: dir })).stderr,
    ).toContain("No customer with key '99'");
  });

  it('lists runs newest first and shows one with every error', async () => {
    const first = await importCsv('a.csv', [
      '1,Alpha,Bonn,',
      '2,Beta,Bonn,bad-mail',
    ]);
    await importCsv('b.csv', ['3,Gamma,Bonn,']);
    const list = await runCliJson<
      { id: number; status: string; counts: { read: number } }[]
    >(['runs', 'list'], { cwd: dir });
    expect(list.json.map((r) => r.id)).toEqual([first + 1, first]);
    const show = await runCli(['runs', 'show', String(first)], { cwd: dir });
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(`Run ${first}: succeeded`);
    expect(show.stdout).toContain(
      'read 2 · inserted 1 · updated 0 · unchanged 0 · skipped 1',
    );
    expect(show.stdout).toMatch(
      /error\s+line 3, column email: 'bad-mail' is not a valid e-mail address \[value "bad-mail"\]/,
    );
    expect((await runCli(['runs', 'show', 'abc'], { cwd: dir })).code).toBe(2);
    expect((await runCli(['runs', 'show', '999'], { cwd: dir })).code).toBe(2);
  });
});

describe('progress bar', () => {
  function fakeTerminal(): PassThrough & { text: string } {
    const stream = Object.assign(new PassThrough(), {
      isTTY: true,
      columns: 120,
      text: '',
    });
    stream.on('data', (chunk: Buffer) => (stream.text += chunk.toString()));
    Object.assign(stream, {
      cursorTo: () => true,
      clearLine: () => true,
      moveCursor: () => true,
    });
    return stream;
  }

  async function importWith(options: { tty: boolean; json: boolean }) {
    await writeFile(
      join(dir, 'big.csv'),
      [
        'customerNo,name,city,email',
        ...Array.from({ length: 20_000 }, (_, i) => `${i},Name ${i},City,`),
      ].join('\n'),
    );
    const terminal = fakeTerminal();
    const stdout = new BufferOutput();
    const code = await main(
      ['import', 'big.csv', '--force', ...(options.json ? ['--json'] : [])],
      {
        stdout,
        stderr: { write: (s) => void terminal.write(s), isTTY: options.tty },
        stderrStream: terminal,
        cwd: dir,
        env: {},
      },
    );
    expect(code).toBe(0);
    return terminal.text;
  }

  it('is drawn on a terminal with rows and percent of bytes', async () => {
    const text = await importWith({ tty: true, json: false });
    expect(text).toMatch(/big\.csv \[[█░]+\] \d+% \| \d+ rows/);
  });

  it('is not drawn with --json or when stderr is not a terminal', async () => {
    expect(await importWith({ tty: true, json: true })).not.toContain('%');
    expect(await importWith({ tty: false, json: false })).not.toContain('%');
  });
});

describe('the installed command', () => {
  it('runs from dist/ as a separate process with the documented exit codes', () => {
    const bin = join(REPO, 'dist/cli/main.js');
    expect(
      existsSync(bin),
      'dist/cli/main.js is built by `npm test` (npm run build) before the tests',
    ).toBe(true);
    const help = spawnSync(process.execPath, [bin, '--help'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: customer-import');
    const bad = spawnSync(process.execPath, [bin, 'import'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("missing required argument 'file'");
  });

  it('imports a file end to end and prints JSON on stdout only', async () => {
    await writeFile(
      join(dir, 'a.csv'),
      'customerNo,name,city,email\n1,Alpha,Bonn,\n',
    );
    const run = spawnSync(
      process.execPath,
      [join(REPO, 'dist/cli/main.js'), 'import', 'a.csv', '--json'],
      { cwd: dir, encoding: 'utf8' },
    );
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      status: 'succeeded',
      inserted: 1,
    });
  });

  it('finishes with exit code 0 when the reader of its output goes away (`| head`)', async () => {
    await writeFile(
      join(dir, 'piped.csv'),
      'customerNo,name,city,email\n7,Piped,Köln,\n',
    );
    const bin = join(REPO, 'dist/cli/main.js');
    const child = spawn(
      process.execPath,
      [bin, 'import', 'piped.csv', '--json'],
      {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    // Closed before the command prints anything: its output meets a closed pipe (EPIPE).
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const [code] = (await once(child, 'close')) as [number | null];
    expect(stderr).toBe('');
    expect(code).toBe(0);
    // The import itself went through: the same content again is a duplicate.
    const again = spawnSync(
      process.execPath,
      [bin, 'import', 'piped.csv', '--json'],
      {
        cwd: dir,
        encoding: 'utf8',
      },
    );
    expect(JSON.parse(again.stdout)).toMatchObject({ outcome: 'duplicate' });
  });

  it('exits with its own code when its error message goes to a reader that went away', async () => {
    const bin = join(REPO, 'dist/cli/main.js');
    // A usage error: the message goes to stderr, exit code 2.
    const args = [bin, 'import'];
    const open = spawnSync(process.execPath, args, {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(open.stderr).toContain("missing required argument 'file'");
    expect(open.status).toBe(2);
    const child = spawn(process.execPath, args, {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    child.stderr.destroy();
    const [code] = (await once(child, 'close')) as [number | null];
    // Not 1 from an unhandled EPIPE: the code the message would have come with.
    expect(code).toBe(open.status);
  });
});
