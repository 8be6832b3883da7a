import { basename, resolve } from 'node:path';
import { AppError, ErrorCode, coerceError } from '../../errors.js';
import {
  IMPORTED_STATUSES,
  type ImportedStatus,
} from '../../domain/customer.js';
import { MATCH_FIELDS, type MatchField } from '../../domain/customer-match.js';
import {
  IMPORT_MODES,
  outcomeSucceeded,
  releaseOutcome,
  type FileOutcome,
  type ImportMode,
} from '../../domain/file-outcome.js';
import {
  importOptionsFor,
  type ImportOptions,
} from '../../pipeline/import-options.js';
import { writeErrorsCsv } from '../../pipeline/error-report.js';
import { processFile } from '../../pipeline/process-file.js';
import { parserFactory } from '../../pipeline/parser-factory.js';
import {
  SINCE_KEYWORDS,
  SINCE_TIMESTAMP,
} from '../../formats/format-definition.js';
import { resolveFormatForFile } from '../../formats/resolve-format.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import {
  formatDuration,
  formatValue,
  oneLine,
  JSON_ISSUES_LISTED,
  printJson,
  printLines,
} from '../print.js';
import { createProgressBar } from '../progress.js';

export interface ImportFlags {
  format?: string;
  mode?: string;
  dryRun?: boolean;
  json?: boolean;
  force?: boolean;
  /** Where to write the errors report; false = none. Default `<file>.errors.csv`. */
  report?: string | false;
  progress?: boolean;
  /** changed-since point: last-transfer, anytime or a timestamp. */
  since?: string;
  /** Comma-separated e-mails / keys: import only these customers. */
  onlyEmail?: string;
  onlyKey?: string;
  newStatus?: string;
  /** Which feed the customers come from (rebuild deactivates only within it). Default: the format id. */
  source?: string;
  /** rebuild guard in percent. */
  maxDeactivate?: string;
  /** Class for rows without one. */
  customerClass?: string;
  /** Fallback match fields, comma-separated (`none`: off); replaces the format's matchExisting. */
  matchExisting?: string;
}

/** Issues shown in the text summary before "… and N more (see the report)". */
const MAX_ISSUES_PRINTED = 20;
/** Changed records a dry run prints; `--json` lists more (DRY_RUN_CHANGES_KEPT). */
const MAX_CHANGES_PRINTED = 100;

/** `customer-import import <file>`: one file through the pipeline, no watcher, the file stays where it is. */
export async function importCommand(
  file: string,
  flags: ImportFlags,
  ctx: CommandContext,
): Promise<ExitCode> {
  const mode = parseMode(flags.mode);
  const matchExisting = parseMatchExisting(flags.matchExisting);
  const cliOptions = parseRuleFlags(flags, mode);
  const path = resolve(ctx.io.cwd, file);
  const config = await ctx.config();
  const formats = await ctx.formats();
  const format = resolveFormatForFile(
    formats,
    basename(path),
    flags.format,
  ).definition;
  const store = await ctx.store();
  const logger = await ctx.logger();

  const bar = createProgressBar({
    enabled: flags.progress !== false && !flags.json && ctx.io.stderr.isTTY,
    stream: ctx.io.stderrStream,
    label: basename(path),
  });
  let outcome: FileOutcome;
  try {
    outcome = await processFile(
      {
        path,
        displayName: file,
        format,
        mode,
        job: null,
        dryRun: flags.dryRun ?? false,
        force: flags.force ?? false,
        ...(flags.source === undefined ? {} : { source: flags.source }),
        ...(matchExisting === undefined ? {} : { matchExisting }),
        options: { ...importOptionsFor(config), ...cliOptions },
      },
      {
        store,
        logger,
        parserFor: parserFactory(config),
        instance: config.instanceName ?? 'cli',
        batchSize: config.batchSize,
        maxFileBytes: config.maxFileBytes,
        defaultTimeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
        onProgress: (p) => bar.update(p),
        retry: config.retry,
        ...(ctx.io.signal ? { signal: ctx.io.signal } : {}),
      },
    );
  } finally {
    bar.stop();
  }

  try {
    const reportPath = await writeReport(outcome, path, flags.report, (text) =>
      ctx.io.stderr.write(text),
    );
    if (flags.json) {
      printJson(ctx.io.stdout, outcomeToJson(outcome, reportPath));
    } else {
      printLines(ctx.io.stdout, describeOutcome(outcome, reportPath));
    }
  } finally {
    releaseOutcome(outcome);
  }
  return outcomeSucceeded(outcome.status) ? ExitCode.OK : ExitCode.FAILED;
}

/** `--match-existing vatId,email` (or `none`), checked before any I/O. */
function parseMatchExisting(
  value: string | undefined,
): MatchField[] | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (value.trim().toLowerCase() === 'none') {
    return [];
  }
  const fields = value
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '');
  for (const field of fields) {
    if (!(MATCH_FIELDS as readonly string[]).includes(field)) {
      throw new AppError(
        ErrorCode.USAGE,
        `--match-existing: unknown field '${field}'. Use ${MATCH_FIELDS.join(', ')} or none.`,
      );
    }
  }
  if (fields.length === 0 || new Set(fields).size !== fields.length) {
    throw new AppError(
      ErrorCode.USAGE,
      `--match-existing needs distinct fields out of ${MATCH_FIELDS.join(', ')}, or none.`,
    );
  }
  return fields as MatchField[];
}

function parseMode(mode: string | undefined): ImportMode {
  if (mode === undefined) {
    return 'update';
  }
  if ((IMPORT_MODES as readonly string[]).includes(mode)) {
    return mode as ImportMode;
  }
  throw new AppError(
    ErrorCode.USAGE,
    `Unknown mode '${mode}'. Use one of: ${IMPORT_MODES.join(', ')}.`,
  );
}

/** The rule and mode flags, checked before any I/O (umzug's habit). */
function parseRuleFlags(flags: ImportFlags, mode: ImportMode): ImportOptions {
  const options: ImportOptions = {};
  if (flags.since !== undefined) {
    if (mode !== 'changed-since') {
      throw new AppError(
        ErrorCode.USAGE,
        '--since needs --mode changed-since.',
      );
    }
    if (
      !(SINCE_KEYWORDS as readonly string[]).includes(flags.since) &&
      !SINCE_TIMESTAMP.test(flags.since)
    ) {
      throw new AppError(
        ErrorCode.USAGE,
        `'${flags.since}' is not a changed-since point: use last-transfer, anytime or a timestamp such as 2026-11-01T00:00.`,
      );
    }
    options.since = flags.since;
  }
  const list = (text: string | undefined): string[] =>
    (text ?? '')
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
  const keys = list(flags.onlyKey);
  const emails = list(flags.onlyEmail);
  if (keys.length > 0 || emails.length > 0) {
    if (mode === 'rebuild') {
      throw new AppError(
        ErrorCode.USAGE,
        '--only-key/--only-email cannot be combined with --mode rebuild (it would deactivate every other customer).',
      );
    }
    options.only = { keys, emails };
  }
  if (flags.newStatus !== undefined) {
    if (!(IMPORTED_STATUSES as readonly string[]).includes(flags.newStatus)) {
      throw new AppError(
        ErrorCode.USAGE,
        `--new-status must be one of: ${IMPORTED_STATUSES.join(', ')}.`,
      );
    }
    options.newStatus = flags.newStatus as ImportedStatus;
  }
  if (flags.maxDeactivate !== undefined) {
    const percent = Number(flags.maxDeactivate.replace(/%$/, ''));
    if (!Number.isFinite(percent) || percent < 0 || percent > 100) {
      throw new AppError(
        ErrorCode.USAGE,
        `--max-deactivate is a percentage from 0 to 100, got '${flags.maxDeactivate}'.`,
      );
    }
    options.maxDeactivatePercent = percent;
  }
  if (flags.customerClass !== undefined) {
    options.defaultClass = flags.customerClass;
  }
  return options;
}

async function writeReport(
  outcome: FileOutcome,
  path: string,
  report: string | false | undefined,
  warn: (text: string) => void,
): Promise<string | null> {
  if (report === false) {
    return null;
  }
  if (outcome.issues.length === 0) {
    return null;
  }
  const target = report ?? `${path}.errors.csv`;
  try {
    await writeErrorsCsv(target, outcome.issues);
  } catch (e) {
    // The run is recorded either way (`runs show` lists every row problem): a folder we may not
    // write to must not turn a finished import into a crash.
    warn(
      `warning: could not write the errors report ${target}: ${coerceError(e).message}\n`,
    );
    return null;
  }
  return target;
}

/** The `--json` shape: stable keys, documented in the README. */
export function outcomeToJson(
  outcome: FileOutcome,
  reportPath: string | null,
): Record<string, unknown> {
  return {
    runId: outcome.runId,
    status: outcomeSucceeded(outcome.status) ? 'succeeded' : 'failed',
    outcome: outcome.status,
    file: outcome.file,
    format: outcome.format,
    mode: outcome.mode,
    dryRun: outcome.dryRun,
    sha256: outcome.sha256,
    sizeBytes: outcome.sizeBytes,
    ...outcome.counts,
    durationMs: outcome.durationMs,
    duplicateOfRunId: outcome.duplicateOfRunId,
    error: outcome.error
      ? { code: outcome.error.code, message: outcome.error.message }
      : null,
    notices: outcome.notices,
    ...(outcome.notFound === undefined ? {} : { notFound: outcome.notFound }),
    // The rest are counted (errorsOmitted) and, like all of them, in the report and the store.
    errors: outcome.issues.slice(0, JSON_ISSUES_LISTED).map((i) => ({
      line: i.line,
      column: i.column,
      value: i.value,
      message: i.message,
      code: i.code,
      severity: i.severity,
      ...(i.cell ? { cell: i.cell } : {}),
    })),
    errorsOmitted: Math.max(0, outcome.issues.length - JSON_ISSUES_LISTED),
    reportFile: reportPath,
    ...(outcome.dryRun
      ? { changes: outcome.changes, changesOmitted: outcome.changesOmitted }
      : {}),
  };
}

/** The human summary of a run. */
export function describeOutcome(
  outcome: FileOutcome,
  reportPath: string | null,
): string[] {
  const c = outcome.counts;
  const lines: string[] = [];
  const run = outcome.runId === null ? '' : ` (run ${outcome.runId})`;
  const took = formatDuration(outcome.durationMs);
  const would = outcome.dryRun ? 'would ' : '';
  switch (outcome.status) {
    case 'imported':
    case 'partial':
      lines.push(
        outcome.dryRun
          ? `Dry run of ${outcome.file} with format ${outcome.format}: nothing was written (${took}).`
          : `Imported ${outcome.file} with format ${outcome.format}${run} in ${took}.`,
      );
      break;
    case 'duplicate':
      lines.push(
        `${outcome.file} was not imported again: the same content was already imported in run ${outcome.duplicateOfRunId ?? '?'}` +
          `${outcome.runId === null ? '' : ` (recorded as run ${outcome.runId})`}. Use --force to import it anyway.`,
      );
      return lines;
    case 'rejected':
    case 'deferred':
      lines.push(
        `FAILED: ${outcome.file} was not imported${run}; nothing was written.`,
      );
      if (outcome.error) {
        lines.push(`  ${outcome.error.message}`);
      }
      break;
    default: {
      const never: never = outcome.status;
      return never;
    }
  }
  lines.push(
    `  read ${c.read} · ${would}insert ${c.inserted} · ${would}update ${c.updated} · unchanged ${c.unchanged} · skipped ${c.skipped}` +
      (c.warnings > 0 ? ` · warnings ${c.warnings}` : ''),
  );
  const ruled = [
    c.filtered > 0 ? `filtered ${c.filtered}` : null,
    c.notChanged > 0 || outcome.mode === 'changed-since'
      ? `not changed ${c.notChanged}`
      : null,
    c.deactivated > 0 || outcome.mode === 'rebuild'
      ? `${would}deactivate ${c.deactivated}`
      : null,
    c.reactivated > 0 ? `${would}reactivate ${c.reactivated}` : null,
  ].filter((part): part is string => part !== null);
  if (ruled.length > 0) {
    lines.push(`  ${ruled.join(' · ')}`);
  }
  if (outcome.notFound !== undefined && outcome.notFound.length > 0) {
    lines.push(
      `  not found in the file: ${outcome.notFound.map((v) => oneLine(v, 80)).join(', ')}`,
    );
  }
  for (const notice of outcome.notices) {
    lines.push(`  note: ${oneLine(notice)}`);
  }
  const shown = outcome.issues.slice(0, MAX_ISSUES_PRINTED);
  if (shown.length > 0) {
    lines.push(`  ${outcome.issues.length} problem(s) in rows:`);
    for (const issue of shown) {
      const where = [
        `line ${issue.line}`,
        issue.cell ? `cell ${issue.cell}` : null,
        issue.column ? `column ${issue.column}` : null,
      ]
        .filter(Boolean)
        .join(', ');
      lines.push(
        `    ${issue.severity === 'warning' ? 'warning' : 'error'}: ${where}: ${oneLine(issue.message)}`,
      );
    }
    if (outcome.issues.length > shown.length) {
      lines.push(`    … and ${outcome.issues.length - shown.length} more`);
    }
  }
  if (reportPath) {
    lines.push(`  Error report: ${reportPath}`);
  }
  if (outcome.dryRun && outcome.changes.length > 0) {
    lines.push('  Changes:');
    const shownChanges = outcome.changes.slice(0, MAX_CHANGES_PRINTED);
    for (const change of shownChanges) {
      const sign = change.operation === 'inserted' ? '+' : '~';
      lines.push(
        `    ${sign} ${oneLine(change.key)} (line ${change.line}, ${change.operation === 'inserted' ? 'new' : 'changed'})`,
      );
      for (const f of change.changes) {
        lines.push(
          `        ${f.field}: ${oneLine(formatValue(f.old))} → ${oneLine(formatValue(f.new))}`,
        );
      }
    }
    const more =
      outcome.changes.length - shownChanges.length + outcome.changesOmitted;
    if (more > 0) {
      const listed =
        outcome.changes.length > shownChanges.length
          ? ` (--json lists the first ${outcome.changes.length})`
          : '';
      lines.push(`    … and ${more} more record(s) would change${listed}`);
    }
  }
  return lines;
}
