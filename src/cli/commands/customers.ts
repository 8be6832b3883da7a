import { AppError, ErrorCode } from '../../errors.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { formatTable, formatValue, oneLine, printJson, printLines } from '../print.js';
import { parseCount } from './formats.js';

/** `customers list`: the stored customers, optionally searched. */
export async function customersListCommand(
  flags: { search?: string; limit?: string; offset?: string; json?: boolean },
  ctx: CommandContext,
): Promise<ExitCode> {
  const limit = parseCount(flags.limit, 50);
  const offset = flags.offset === undefined ? 0 : parseCount(flags.offset, 1) - 1;
  const store = await ctx.store();
  const customers = await store.listCustomers({
    limit,
    offset,
    ...(flags.search ? { search: flags.search } : {}),
  });
  if (flags.json) {
    printJson(ctx.io.stdout, customers);
    return ExitCode.OK;
  }
  if (customers.length === 0) {
    printLines(ctx.io.stdout, [flags.search ? `No customer matches '${flags.search}'.` : 'No customers yet.']);
    return ExitCode.OK;
  }
  const text = (v: unknown): string => (v === undefined || v === null ? '' : oneLine(String(v), 40));
  const rows = customers.map((c) => [
    oneLine(c.key, 20),
    text(c.data['name']),
    text(c.data['city']),
    text(c.data['email']),
    c.status,
    c.updatedAt,
  ]);
  const total = await store.countCustomers();
  printLines(ctx.io.stdout, [
    ...formatTable(['KEY', 'NAME', 'CITY', 'E-MAIL', 'STATUS', 'UPDATED'], rows),
    `${customers.length} shown of ${total} customer(s).`,
  ]);
  return ExitCode.OK;
}

/** `customers show <key>`: every field and the change history. */
export async function customersShowCommand(key: string, flags: { json?: boolean }, ctx: CommandContext): Promise<ExitCode> {
  const store = await ctx.store();
  const detail = await store.getCustomer(key);
  if (!detail) {
    throw new AppError(ErrorCode.USAGE, `No customer with key '${key}'.`);
  }
  if (flags.json) {
    printJson(ctx.io.stdout, detail);
    return ExitCode.OK;
  }
  const c = detail.customer;
  const lines = [
    `Customer ${oneLine(c.key)} (${c.status})`,
    `  source ${c.source ?? '—'} · created ${c.createdAt} (run ${c.createdRunId ?? '—'}) · updated ${c.updatedAt} (run ${c.updatedRunId ?? '—'})`,
    '',
  ];
  for (const field of Object.keys(c.data).sort()) {
    lines.push(`  ${field.padEnd(20)} ${oneLine(formatValue(c.data[field]))}`);
  }
  lines.push('', `History (${detail.history.length}):`);
  for (const h of detail.history) {
    lines.push(`  ${h.at}  run ${h.runId}  ${h.operation}${h.line === null ? '' : ` (line ${h.line})`}${h.note ? ` — ${h.note}` : ''}`);
    for (const change of h.changes) {
      lines.push(`      ${change.field}: ${oneLine(formatValue(change.old))} → ${oneLine(formatValue(change.new))}`);
    }
  }
  printLines(ctx.io.stdout, lines);
  return ExitCode.OK;
}
