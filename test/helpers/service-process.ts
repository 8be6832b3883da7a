import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeTree } from './run-cli.js';
import { makeTempDir } from './temp-dir.js';

/**
 * The real service as a separate process: `node dist/cli/main.js watch --config <file>`, the
 * way `npm start` runs it. Collects stdout and stderr, parses the JSON log lines the service
 * writes to stderr when it is not on a terminal, and lets a test wait for a line with a given
 * event, send signals, and see the exit code.
 *
 * The CLI must be built first (`npm test` builds before vitest; in your own runs use `npm run build`).
 */

// TEST_CLI_ENTRY points at another build of main.js (e.g. a private one while others rebuild dist/).
export const CLI_ENTRY =
  process.env['TEST_CLI_ENTRY'] ??
  resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/cli/main.js');

/**
 * `K00001;Fake Customer 1;Teststr. 1` lines (test/helpers/erp-writer.ts) without a header;
 * at most 5 invalid rows before a file is rejected.
 */
export const ERP_FORMAT_YAML = `
id: erp-test
type: delimited
encoding: utf-8
delimiter: ";"
header: false
key: customerNo
onInvalidRows:
  maxSkippedRows: 5
columns:
  - { source: 1, field: customerNo, required: true }
  - { source: 2, field: name, required: true }
  - { source: 3, field: street }
`;

/** Lines of fake customers in the ERP format; `start` shifts the numbers. */
export function erpLines(count: number, start = 1, tag = ''): string {
  let text = '';
  for (let i = 0; i < count; i += 1) {
    text += `K${String(start + i).padStart(6, '0')};Fake Customer ${start + i}${tag};Teststr. ${i + 1}\n`;
  }
  return text;
}

export interface JsonLogLine {
  level: string;
  message: string;
  event?: string;
  [key: string]: unknown;
}

export interface ServiceExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServiceProcessOptions {
  /** Working folder of the process (the project root). */
  cwd: string;
  /** Config file, relative to cwd or absolute. */
  config: string;
  /** Extra arguments after `watch`, e.g. ['--once']. */
  args?: readonly string[];
  /** Run as this user and group (e.g. 65534, nobody), for tests that need a non-root reader. */
  uid?: number;
  gid?: number;
}

export interface ServiceProcess {
  readonly child: ChildProcess;
  /** Every JSON log line so far (console output on stderr). */
  readonly lines: JsonLogLine[];
  /** Raw stdout and stderr so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the `count`-th line (past or future) with this event that matches. */
  waitForEvent(
    event: string,
    match?: (line: JsonLogLine) => boolean,
    count?: number,
    timeoutMs?: number,
  ): Promise<JsonLogLine>;
  /** Lines with this event so far. */
  events(event: string, match?: (line: JsonLogLine) => boolean): JsonLogLine[];
  /** Resolves when the process has exited. */
  readonly exited: Promise<ServiceExit>;
  /** Sends a signal (SIGTERM, SIGINT, SIGKILL). */
  kill(signal: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL if it is still running after `timeoutMs`; resolves with the exit. */
  stop(timeoutMs?: number): Promise<ServiceExit>;
}

export function startServiceProcess(
  options: ServiceProcessOptions,
): ServiceProcess {
  if (!existsSync(CLI_ENTRY)) {
    throw new Error(
      `${CLI_ENTRY} is missing: run "npm run build" first (npm test does it before vitest)`,
    );
  }
  const child = spawn(
    process.execPath,
    [CLI_ENTRY, 'watch', '--config', options.config, ...(options.args ?? [])],
    {
      cwd: options.cwd,
      // A clean environment: no CUSTOMER_IMPORT_* variables from the developer's shell leak in.
      env: {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        TZ: process.env['TZ'] ?? 'UTC',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.uid === undefined ? {} : { uid: options.uid }),
      ...(options.gid === undefined ? {} : { gid: options.gid }),
    },
  );
  const lines: JsonLogLine[] = [];
  const listeners = new Set<(line: JsonLogLine) => void>();
  let stdout = '';
  let stderr = '';
  let partial = '';
  child.stdout
    ?.setEncoding('utf8')
    .on('data', (text: string) => (stdout += text));
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
    partial += text;
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const raw of parts) {
      const line = parseLine(raw);
      if (line !== null) {
        lines.push(line);
        for (const listener of [...listeners]) {
          listener(line);
        }
      }
    }
  });
  const exited = new Promise<ServiceExit>((resolveExit) => {
    child.once('exit', (code, signal) => resolveExit({ code, signal }));
  });
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  const matching =
    (event: string, match?: (line: JsonLogLine) => boolean) =>
    (line: JsonLogLine) =>
      line.event === event && (match === undefined || match(line));

  return {
    child,
    lines,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    events: (event, match) => lines.filter(matching(event, match)),
    waitForEvent(event, match, count = 1, timeoutMs = 30_000) {
      const predicate = matching(event, match);
      let seen = 0;
      const found = lines.find((l) => predicate(l) && ++seen >= count);
      if (found) {
        return Promise.resolve(found);
      }
      return new Promise((resolveLine, reject) => {
        const fail = (why: string): void => {
          clearTimeout(timer);
          listeners.delete(listener);
          reject(
            new Error(
              `${why} while waiting for log event ${event} #${count}; stderr tail:\n${stderr.slice(-3000)}`,
            ),
          );
        };
        const timer = setTimeout(
          () => fail(`Timed out after ${timeoutMs} ms`),
          timeoutMs,
        );
        const listener = (line: JsonLogLine): void => {
          if (predicate(line) && ++seen >= count) {
            clearTimeout(timer);
            listeners.delete(listener);
            resolveLine(line);
          }
        };
        listeners.add(listener);
        void exited.then((exit) => {
          if (listeners.has(listener)) {
            fail(
              `The service exited (code ${exit.code}, signal ${exit.signal})`,
            );
          }
        });
      });
    },
    kill(signal) {
      if (!hasExited) {
        child.kill(signal);
      }
    },
    async stop(timeoutMs = 15_000) {
      if (!hasExited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        const exit = await exited;
        clearTimeout(timer);
        return exit;
      }
      return exited;
    },
  };
}

function parseLine(raw: string): JsonLogLine | null {
  const text = raw.trim();
  if (!text.startsWith('{')) {
    return null;
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && 'message' in value) {
      return value as JsonLogLine;
    }
  } catch {
    // Not a log line (e.g. a partial write or a message from node itself).
  }
  return null;
}

export interface ServiceProject {
  root: string;
  exchange: string;
  /** Absolute path of the config file. */
  configPath: string;
  /** The same `watch` process command line on this project. */
  start(
    options?: Omit<ServiceProcessOptions, 'cwd' | 'config'>,
  ): ServiceProcess;
  /** Kills every process started here that still runs, and removes the folder. */
  dispose(): Promise<void>;
}

/**
 * A project folder under os.tmpdir() for the spawned service: a JSON config (SQLite in
 * ./data, logs in ./logs, one job `erp` on ./exchange with the erp-test format), merged with
 * `config` and `job` overrides.
 */
export async function createServiceProject(
  overrides: {
    config?: Record<string, unknown>;
    job?: Record<string, unknown>;
  } = {},
): Promise<ServiceProject> {
  const root = await makeTempDir('watch-e2e-');
  const job = {
    name: 'erp',
    folder: './exchange',
    format: 'erp-test',
    stabilitySeconds: 0.3,
    ...overrides.job,
  };
  const config = {
    instanceName: 'e2e',
    formatsDir: './formats',
    store: { type: 'sqlite', path: './data/customers.db' },
    logging: { level: 'info', dir: './logs', file: false },
    jobs: [job],
    ...overrides.config,
  };
  await writeTree(root, {
    'customer-import.config.json': JSON.stringify(config, null, 2),
    'formats/erp-test.yaml': ERP_FORMAT_YAML,
  });
  await mkdir(join(root, 'exchange'), { recursive: true });
  const started: ServiceProcess[] = [];
  const configPath = join(root, 'customer-import.config.json');
  return {
    root,
    exchange: join(root, 'exchange'),
    configPath,
    start(options = {}) {
      const proc = startServiceProcess({
        ...options,
        cwd: root,
        config: configPath,
      });
      started.push(proc);
      return proc;
    },
    async dispose() {
      for (const proc of started) {
        proc.kill('SIGKILL');
        await proc.exited;
      }
      await rm(root, { recursive: true, force: true });
    },
  };
}
