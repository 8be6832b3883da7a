import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { BufferOutput } from '../../src/cli/io.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process (the same `main` the bin runs) in the given folder. */
export async function runCli(
  argv: readonly string[],
  options: { cwd: string; env?: Record<string, string | undefined> },
): Promise<CliResult> {
  const stdout = new BufferOutput();
  const stderr = new BufferOutput();
  const code = await main(argv, {
    stdout,
    stderr,
    cwd: options.cwd,
    env: options.env ?? {},
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** Runs the CLI with --json and parses stdout. */
export async function runCliJson<T = Record<string, unknown>>(
  argv: readonly string[],
  options: { cwd: string; env?: Record<string, string | undefined> },
): Promise<{ code: number; json: T; stderr: string }> {
  const result = await runCli([...argv, '--json'], options);
  let json: T;
  try {
    json = JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(
      `stdout is not JSON (exit ${result.code}):\n${result.stdout}\nstderr:\n${result.stderr}`,
    );
  }
  return { code: result.code, json, stderr: result.stderr };
}

/** Writes a tree of files ({ 'formats/a.yaml': '…' }) under root; Buffers are written as bytes. */
export async function writeTree(
  root: string,
  tree: Record<string, string | Buffer>,
): Promise<void> {
  for (const [rel, content] of Object.entries(tree)) {
    const path = join(root, rel);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
  }
}

/** A minimal project config: SQLite in the temp folder, logs there too, no log file noise. */
export const TEST_CONFIG_YAML = `
formatsDir: ./formats
store:
  type: sqlite
  path: ./data/customers.db
logging:
  level: warn
  dir: ./logs
  file: false
`;
