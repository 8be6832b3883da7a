import { AppError, ErrorCode } from '../../errors.js';
import { basename, resolve } from 'node:path';
import { resolveFormatForFile } from '../../formats/resolve-format.js';
import { validateFormats } from '../../formats/load-formats.js';
import { parserFactory } from '../../pipeline/parser-factory.js';
import { previewFile } from '../../pipeline/preview-file.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import {
  formatTable,
  formatValue,
  oneLine,
  printJson,
  printLines,
} from '../print.js';

/** `formats list`: every definition in the formats folder. */
export async function formatsListCommand(
  flags: { json?: boolean },
  ctx: CommandContext,
): Promise<ExitCode> {
  const formats = (await ctx.formats()).list();
  if (flags.json) {
    printJson(
      ctx.io.stdout,
      formats.map((f) => ({
        id: f.id,
        type: f.definition.type,
        encoding: f.definition.encoding,
        match: f.definition.match ?? null,
        key: f.definition.key,
        columns: f.definition.columns.length,
        description: f.definition.description ?? null,
        file: f.file,
      })),
    );
    return ExitCode.OK;
  }
  if (formats.length === 0) {
    printLines(ctx.io.stdout, [
      `No format definitions in ${(await ctx.config()).formatsDir}.`,
    ]);
    return ExitCode.OK;
  }
  const rows = formats.map((f) => [
    f.id,
    f.definition.type,
    f.definition.encoding,
    [f.definition.match ?? []].flat().join(' '),
    oneLine(f.definition.description ?? '', 60),
  ]);
  printLines(
    ctx.io.stdout,
    formatTable(['ID', 'TYPE', 'ENCODING', 'MATCH', 'DESCRIPTION'], rows),
  );
  return ExitCode.OK;
}

/** `formats validate [id]`: every problem with file, line and path; exit 1 when there are any. */
export async function formatsValidateCommand(
  id: string | undefined,
  flags: { json?: boolean },
  ctx: CommandContext,
): Promise<ExitCode> {
  const dir = (await ctx.config()).formatsDir;
  const result = await validateFormats(dir, id);
  if (flags.json) {
    printJson(ctx.io.stdout, {
      valid: result.problems.length === 0,
      formats: result.formats.map((f) => ({ id: f.id, file: f.file })),
      problems: result.problems,
    });
  } else if (result.problems.length === 0) {
    printLines(ctx.io.stdout, [
      `${result.formats.length} format definition(s) valid: ${result.formats.map((f) => f.id).join(', ')}`,
    ]);
  } else {
    printLines(ctx.io.stdout, [
      `${result.problems.length} problem(s) in format definitions:`,
      ...result.problems.map(
        (p) =>
          `  ${p.file}${p.line === null ? '' : ` line ${p.line}`}${p.path ? ` (${p.path})` : ''}: ${p.message}`,
      ),
    ]);
  }
  return result.problems.length === 0 ? ExitCode.OK : ExitCode.FAILED;
}

/** `formats preview <file>`: the first rows as mapped records with their problems. */
export async function formatsPreviewCommand(
  file: string,
  flags: { format?: string; rows?: string; json?: boolean },
  ctx: CommandContext,
): Promise<ExitCode> {
  const rows = parseCount(flags.rows, 10);
  const path = resolve(ctx.io.cwd, file);
  const config = await ctx.config();
  const format = resolveFormatForFile(
    await ctx.formats(),
    basename(path),
    flags.format,
  ).definition;
  const preview = await previewFile(
    { path, displayName: file, format, rows },
    {
      parserFor: parserFactory(config),
      defaultTimeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    },
  );
  if (flags.json) {
    printJson(ctx.io.stdout, preview);
    return ExitCode.OK;
  }
  const lines = [
    `Preview of ${file} with format ${format.id} (first ${preview.rows.length} row(s)):`,
  ];
  for (const row of preview.rows) {
    lines.push(
      '',
      `line ${row.line}${row.record ? `: key ${oneLine(row.record.key)}` : ': NOT IMPORTED'}`,
    );
    if (row.record) {
      for (const [field, value] of Object.entries(row.record.fields)) {
        lines.push(`    ${field.padEnd(18)} ${oneLine(formatValue(value))}`);
      }
    }
    for (const issue of row.issues) {
      lines.push(
        `  ! ${issue.severity}: ${issue.column ? `${issue.column}: ` : ''}${oneLine(issue.message)}`,
      );
    }
  }
  printLines(ctx.io.stdout, lines);
  return ExitCode.OK;
}

export function parseCount(text: string | undefined, fallback: number): number {
  if (text === undefined) {
    return fallback;
  }
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    throw new AppError(
      ErrorCode.USAGE,
      `Expected a positive whole number, got '${text}'.`,
    );
  }
  return n;
}
