import { AppError, ErrorCode } from '../../errors.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import {
  formatDuration,
  formatTable,
  oneLine,
  JSON_ISSUES_LISTED,
  printJson,
  printLines,
} from '../print.js';
import { parseCount } from './formats.js';

/** `runs list`: the newest runs first. */
export async function runsListCommand(
  flags: { limit?: string; json?: boolean },
  ctx: CommandContext,
): Promise<ExitCode> {
  const runs = await (
    await ctx.store()
  ).listRuns({ limit: parseCount(flags.limit, 20) });
  if (flags.json) {
    printJson(ctx.io.stdout, runs);
    return ExitCode.OK;
  }
  if (runs.length === 0) {
    printLines(ctx.io.stdout, ['No runs yet.']);
    return ExitCode.OK;
  }
  const rows = runs.map((r) => [
    String(r.id),
    r.startedAt,
    r.status,
    oneLine(r.file, 40),
    r.format,
    r.mode,
    `${r.counts.read}/${r.counts.inserted}/${r.counts.updated}/${r.counts.unchanged}/${r.counts.skipped}`,
    r.durationMs === null ? '—' : formatDuration(r.durationMs),
  ]);
  printLines(
    ctx.io.stdout,
    formatTable(
      [
        'RUN',
        'STARTED',
        'STATUS',
        'FILE',
        'FORMAT',
        'MODE',
        'READ/INS/UPD/SAME/SKIP',
        'DURATION',
      ],
      rows,
    ),
  );
  return ExitCode.OK;
}

/** `runs show <id>`: counts, duration and the row problems of one run (the first ones by line). */
export async function runsShowCommand(
  id: string,
  flags: { json?: boolean; issues?: string },
  ctx: CommandContext,
): Promise<ExitCode> {
  const runId = Number(id);
  if (!Number.isInteger(runId) || runId < 1) {
    throw new AppError(
      ErrorCode.USAGE,
      `A run id is a positive whole number, got '${id}'.`,
    );
  }
  const maxIssues = issuesToList(flags);
  const run = await (
    await ctx.store()
  ).getRun(runId, maxIssues === null ? {} : { maxIssues });
  if (!run) {
    throw new AppError(ErrorCode.USAGE, `No run with id ${runId}.`);
  }
  if (flags.json) {
    printJson(ctx.io.stdout, run);
    return ExitCode.OK;
  }
  const c = run.counts;
  const lines = [
    `Run ${run.id}: ${run.status}`,
    `  file      ${oneLine(run.file)} (${run.sizeBytes} bytes, sha256 ${run.sha256 || '—'})`,
    `  format    ${run.format} · mode ${run.mode} · job ${run.job ?? '— (command line)'} · source ${run.source} · instance ${run.instance}`,
    `  started   ${run.startedAt} · finished ${run.finishedAt ?? '—'} · took ${run.durationMs === null ? '—' : formatDuration(run.durationMs)}`,
    `  rows      read ${c.read} · inserted ${c.inserted} · updated ${c.updated} · unchanged ${c.unchanged} · skipped ${c.skipped} · warnings ${c.warnings}`,
    `            filtered ${c.filtered} · not changed ${c.notChanged} · deactivated ${c.deactivated} · reactivated ${c.reactivated}`,
  ];
  if (run.lastModifiedMax) {
    lines.push(
      `  newest    last modified ${run.lastModifiedMax} (the next changed-since run starts after it)`,
    );
  }
  if (run.duplicateOfRunId !== null) {
    lines.push(
      `  duplicate of run ${run.duplicateOfRunId}: the same content was already imported`,
    );
  }
  if (run.error) {
    lines.push(
      `  error     ${run.error.code}: ${oneLine(run.error.message, 500)}`,
    );
  }
  if (run.issues.length > 0) {
    lines.push(
      '',
      run.issueCount > run.issues.length
        ? `Problems (${run.issueCount}; the first ${run.issues.length} by line):`
        : `Problems (${run.issueCount}):`,
    );
    for (const i of run.issues) {
      const where = [
        `line ${i.line}`,
        i.cell ? `cell ${i.cell}` : null,
        i.column ? `column ${i.column}` : null,
      ]
        .filter(Boolean)
        .join(', ');
      const value =
        i.value === null
          ? ''
          : ` [value ${JSON.stringify(oneLine(i.value, 80))}]`;
      lines.push(
        `  ${i.severity.padEnd(7)} ${where}: ${oneLine(i.message)}${value}`,
      );
    }
  }
  if (run.issueCount > run.issues.length) {
    lines.push(
      `  … and ${run.issueCount - run.issues.length} more: runs show ${run.id} --issues all, or the file's .errors.csv`,
    );
  }
  printLines(ctx.io.stdout, lines);
  return ExitCode.OK;
}

/** Row problems `runs show` lists by default: a run may have one on each of a million rows. */
const DEFAULT_ISSUES_SHOWN = 100;

/** `--issues <n|all>`: how many issues to read; null for all of them. */
function issuesToList(flags: {
  json?: boolean;
  issues?: string;
}): number | null {
  if (flags.issues === undefined) {
    return flags.json ? JSON_ISSUES_LISTED : DEFAULT_ISSUES_SHOWN;
  }
  if (flags.issues === 'all') {
    return null;
  }
  const n = Number(flags.issues);
  if (!Number.isInteger(n) || n < 0) {
    throw new AppError(
      ErrorCode.USAGE,
      `--issues takes a whole number of 0 or more, or "all", got '${flags.issues}'.`,
    );
  }
  return n;
}
