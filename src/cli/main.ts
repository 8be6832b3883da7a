#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { Command, CommanderError, Option } from 'commander';
import {
  ErrorCode,
  coerceError,
  isAppError,
  type AppError,
} from '../errors.js';
import { IMPORT_MODES } from '../domain/file-outcome.js';
import { packageVersion } from '../util/package-version.js';
import { CommandContext, type GlobalFlags } from './context.js';
import { ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';
import {
  customersListCommand,
  customersShowCommand,
} from './commands/customers.js';
import {
  formatsListCommand,
  formatsPreviewCommand,
  formatsValidateCommand,
} from './commands/formats.js';
import { importCommand } from './commands/import.js';
import { runsListCommand, runsShowCommand } from './commands/runs.js';
import { watchCommand } from './commands/watch.js';

/**
 * The `customer-import` command. Parses argv, builds the command context, dispatches to
 * `commands/*.ts` and maps errors to exit codes; nothing else. `main()` runs in-process in
 * tests; the bottom of this file is the only place that touches process.exit.
 */

/** Error codes that mean "you asked for something wrong" rather than "the run failed". */
const USAGE_CODES: ReadonlySet<string> = new Set([
  ErrorCode.USAGE,
  ErrorCode.CONFIG_INVALID,
  ErrorCode.FORMAT_DEFINITION_INVALID,
  ErrorCode.FORMAT_NOT_FOUND,
  ErrorCode.FORMAT_NOT_MATCHED,
  ErrorCode.STORE_MIGRATION_FAILED,
]);

export async function main(
  argv: readonly string[],
  io: CliIo,
): Promise<ExitCode> {
  let exitCode: ExitCode = ExitCode.OK;
  let ctx: CommandContext | null = null;
  const program = buildProgram(io, (run) => async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    ctx = new CommandContext(io, command.optsWithGlobals<GlobalFlags>());
    exitCode = await run(ctx, ...args.slice(0, -1));
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    exitCode = reportError(e, io);
  } finally {
    if (ctx) {
      await (ctx as CommandContext).release().catch((e: unknown) => {
        io.stderr.write(
          `warning: could not close cleanly: ${coerceError(e).message}\n`,
        );
      });
    }
  }
  return exitCode;
}

type Action = (ctx: CommandContext, ...args: unknown[]) => Promise<ExitCode>;
type Wrap = (run: Action) => (...args: unknown[]) => Promise<void>;

function buildProgram(io: CliIo, wrap: Wrap): Command {
  const program = new Command('customer-import')
    .description(
      'Import customer files exported by an ERP into a customer database, safely and exactly once.',
    )
    .version(packageVersion())
    .option(
      '-c, --config <path>',
      'config file (default: customer-import.config.yaml|json in the current folder)',
    )
    .option('-v, --verbose', 'log every stage to stderr')
    .option('-q, --quiet', 'log only errors to stderr')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });

  program
    .command('import')
    .description('import one file (no watcher); the file stays where it is')
    .argument('<file>', 'the export file')
    .option(
      '-f, --format <id>',
      'format definition (default: the one whose "match" fits the file name)',
    )
    .addOption(
      new Option('-m, --mode <mode>', 'import mode')
        .choices(IMPORT_MODES)
        .default('update'),
    )
    .option(
      '-n, --dry-run',
      'do everything except write; show what would change',
    )
    .option('--json', 'print one JSON object instead of the summary')
    .option('--force', 'import even if the same content was imported before')
    .option(
      '--report <path>',
      'where to write the errors report (default: <file>.errors.csv)',
    )
    .option('--no-report', 'write no errors report')
    .option('--no-progress', 'no progress bar')
    .option(
      '--since <point>',
      'changed-since: last-transfer, anytime, or a timestamp such as 2026-11-01T00:00',
    )
    .option(
      '--only-email <list>',
      'import only the customers with these e-mails (comma-separated)',
    )
    .option(
      '--only-key <list>',
      'import only the customers with these keys (comma-separated)',
    )
    .option(
      '--new-status <status>',
      'status of customers the import creates: active or blocked (awaiting approval)',
    )
    .option(
      '--source <name>',
      'the feed the customers come from; rebuild deactivates only within it (default: the format id)',
    )
    .option(
      '--max-deactivate <percent>',
      "rebuild guard: at most this share of the source's active customers may go",
    )
    .option(
      '--customer-class <class>',
      'customer class (of customerClasses) for rows without one',
    )
    .option(
      '--match-existing <fields>',
      "pair new keys with customers without ERP key by these fields (vatId,email; 'none' = off); replaces the format's matchExisting",
    )
    .action(
      wrap((ctx, file, flags) =>
        importCommand(
          file as string,
          flags as Parameters<typeof importCommand>[1],
          ctx,
        ),
      ),
    );

  const formats = program
    .command('formats')
    .description('list, check and try out format definitions');
  formats
    .command('list')
    .description('list the format definitions')
    .option('--json', 'JSON output')
    .action(
      wrap((ctx, flags) =>
        formatsListCommand(flags as { json?: boolean }, ctx),
      ),
    );
  formats
    .command('validate')
    .description(
      'check format definitions; every problem with file, line and path',
    )
    .argument('[id]', 'only this format')
    .option('--json', 'JSON output')
    .action(
      wrap((ctx, id, flags) =>
        formatsValidateCommand(
          id as string | undefined,
          flags as { json?: boolean },
          ctx,
        ),
      ),
    );
  formats
    .command('preview')
    .description(
      'show the first rows of a file as mapped records, with their problems',
    )
    .argument('<file>', 'the export file')
    .option(
      '-f, --format <id>',
      'format definition (default: matched by file name)',
    )
    .option('-r, --rows <n>', 'number of rows', '10')
    .option('--json', 'JSON output')
    .action(
      wrap((ctx, file, flags) =>
        formatsPreviewCommand(
          file as string,
          flags as { format?: string; rows?: string; json?: boolean },
          ctx,
        ),
      ),
    );

  const customers = program
    .command('customers')
    .description('look at the stored customers');
  customers
    .command('list')
    .description('list customers')
    .option('-s, --search <text>', 'search key, name, e-mail and city')
    .option('-l, --limit <n>', 'at most this many', '50')
    .option('--offset <n>', 'start at this (1-based) position')
    .option('--json', 'JSON output')
    .action(
      wrap((ctx, flags) =>
        customersListCommand(
          flags as { search?: string; limit?: string; json?: boolean },
          ctx,
        ),
      ),
    );
  customers
    .command('show')
    .description('one customer with its change history')
    .argument('<key>', 'customer number (or the format key)')
    .option('--json', 'JSON output')
    .action(
      wrap((ctx, key, flags) =>
        customersShowCommand(key as string, flags as { json?: boolean }, ctx),
      ),
    );

  const runs = program.command('runs').description('look at import runs');
  runs
    .command('list')
    .description('the newest runs')
    .option('-l, --limit <n>', 'at most this many', '20')
    .option('--json', 'JSON output')
    .action(
      wrap((ctx, flags) =>
        runsListCommand(flags as { limit?: string; json?: boolean }, ctx),
      ),
    );
  runs
    .command('show')
    .description('one run: counts, duration and its row problems')
    .argument('<id>', 'run id')
    .option(
      '--issues <n>',
      'row problems to list, by line, or "all" (default: 100, with --json 10000)',
    )
    .option('--json', 'JSON output')
    .action(
      wrap((ctx, id, flags) =>
        runsShowCommand(
          id as string,
          flags as { json?: boolean; issues?: string },
          ctx,
        ),
      ),
    );

  program
    .command('watch')
    .description(
      'watch the exchange folder(s) of the config and import every file that is dropped (the service)',
    )
    .option('--once', 'import the files that are there now, then exit')
    .action(
      wrap((ctx, flags) => watchCommand(flags as { once?: boolean }, ctx)),
    );

  return program;
}

function reportError(e: unknown, io: CliIo): ExitCode {
  if (e instanceof CommanderError) {
    // Commander already printed its message (help, version, or what was wrong).
    return e.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
  }
  if (isAppError(e) && e.code !== ErrorCode.INTERNAL) {
    io.stderr.write(`error: ${e.message}\n${detailLines(e)}`);
    return USAGE_CODES.has(e.code) ? ExitCode.USAGE : ExitCode.FAILED;
  }
  const err = coerceError(e);
  io.stderr.write(
    `internal error: ${err.message}\nThis is a bug in customer-import; please report it with the lines below.\n${err.stack ?? ''}\n`,
  );
  return ExitCode.INTERNAL;
}

function detailLines(e: AppError): string {
  const issues = e.details?.['issues'];
  if (Array.isArray(issues) && issues.every((i) => typeof i === 'string')) {
    return issues.map((i) => `  - ${i}\n`).join('');
  }
  return '';
}

/** Runs `main` when this file is the program (not when imported by tests). */
function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) {
    return false;
  }
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  // Let V8's old generation grow to 1.5× its live size (not several times it) before it is
  // collected: a long import keeps little alive, and without this its peak RSS drifts with the
  // timing of the collections (README, Benchmark: 156–208 MB at 1 000 000 rows, 153–159 MB with
  // it, at no measurable CPU cost). Set before any work; NODE_OPTIONS does not accept the flag.
  setFlagsFromString('--heap-growing-percent=50');
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals === 1) {
      process.stderr.write(
        `\n${signal} received: finishing the current file, then stopping (again to force).\n`,
      );
      controller.abort();
    } else {
      process.stderr.write(`${signal} received again: exiting now.\n`);
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A reader that stops early (`customer-import customers export | head`, also with 2>&1)
  // closes the pipe: what is left to print has nowhere to go, which is no failure of the
  // command. It finishes, and its exit code says how that went.
  const closed = new Set<NodeJS.WriteStream>();
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      // After EPIPE, writes to the destroyed stream (a logger's) fail too: nothing to report.
      if (error.code !== 'EPIPE' && !closed.has(stream)) {
        throw error;
      }
      closed.add(stream);
    });
  }
  const writeTo =
    (stream: NodeJS.WriteStream) =>
    (s: string): void => {
      if (!closed.has(stream)) {
        stream.write(s);
      }
    };
  const code = await main(process.argv.slice(2), {
    stdout: {
      write: writeTo(process.stdout),
      isTTY: process.stdout.isTTY === true,
    },
    stderr: {
      write: writeTo(process.stderr),
      isTTY: process.stderr.isTTY === true,
    },
    stderrStream: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    signal: controller.signal,
  });
  process.exitCode = code;
}
