import type { FieldValue } from '../../domain/customer.js';
import { AppError, ErrorCode } from '../../errors.js';
import type { CustomerDetail } from '../../index.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import {
  formatTable,
  formatValue,
  oneLine,
  printJson,
  printLines,
} from '../print.js';
import { parseCount } from './formats.js';

/** `customers list`: the stored customers, optionally searched. */
export async function customersListCommand(
  flags: { search?: string; limit?: string; offset?: string; json?: boolean },
  ctx: CommandContext,
): Promise<ExitCode> {
  const limit = parseCount(flags.limit, 50);
  const offset =
    flags.offset === undefined ? 0 : parseCount(flags.offset, 1) - 1;
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
    printLines(ctx.io.stdout, [
      flags.search
        ? `No customer matches '${flags.search}'.`
        : 'No customers yet.',
    ]);
    return ExitCode.OK;
  }
  const text = (v: unknown): string =>
    v === undefined || v === null ? '' : oneLine(String(v), 40);
  const rows = customers.map((c) => [
    c.key === null ? `#${c.id}` : oneLine(c.key, 20),
    text(c.data['name']),
    text(c.data['city']),
    text(c.data['email']),
    c.status,
    c.updatedAt,
  ]);
  const total = await store.countCustomers();
  printLines(ctx.io.stdout, [
    ...formatTable(
      ['KEY', 'NAME', 'CITY', 'E-MAIL', 'STATUS', 'UPDATED'],
      rows,
    ),
    `${customers.length} shown of ${total} customer(s).`,
  ]);
  return ExitCode.OK;
}

/**
 * `customers show <key>`: every field, the contacts, addresses and sales agent, and the change
 * history. `#<id>` shows a customer by its id (the only handle of one without ERP key).
 */
export async function customersShowCommand(
  key: string,
  flags: { json?: boolean },
  ctx: CommandContext,
): Promise<ExitCode> {
  const store = await ctx.store();
  const byId = /^#(\d+)$/.exec(key);
  const detail =
    byId?.[1] === undefined
      ? await store.getCustomer(key)
      : await store.getCustomerById(Number(byId[1]));
  if (!detail) {
    throw new AppError(ErrorCode.USAGE, `No customer with key '${key}'.`);
  }
  if (flags.json) {
    printJson(ctx.io.stdout, detail);
    return ExitCode.OK;
  }
  const c = detail.customer;
  const lines = [
    c.key === null
      ? `Customer #${c.id}, no ERP key yet (${c.status})`
      : `Customer ${oneLine(c.key)} (#${c.id}, ${c.status})`,
    `  source ${c.source ?? '—'} · created ${c.createdAt} (run ${c.createdRunId ?? '—'}) · updated ${c.updatedAt} (run ${c.updatedRunId ?? '—'})`,
  ];
  if (c.type) {
    lines.push(`  type ${c.type} (kept from the first import)`);
  }
  if (c.status === 'deactivated' && c.deactivatedAt) {
    lines.push(
      `  deactivated in run ${c.deactivatedRunId ?? '—'} (rebuild) at ${c.deactivatedAt}`,
    );
  }
  lines.push('');
  for (const field of Object.keys(c.data).sort()) {
    lines.push(`  ${field.padEnd(20)} ${oneLine(formatValue(c.data[field]))}`);
  }
  lines.push(...describeRelations(detail));
  lines.push('', `History (${detail.history.length}):`);
  for (const h of detail.history) {
    lines.push(
      `  ${h.at}  ${h.operation} in run ${h.runId}${h.line === null ? '' : ` (line ${h.line})`}${h.note ? ` — ${h.note}` : ''}`,
    );
    for (const change of h.changes) {
      lines.push(
        `      ${change.field}: ${oneLine(formatValue(change.old))} → ${oneLine(formatValue(change.new))}`,
      );
    }
  }
  printLines(ctx.io.stdout, lines);
  return ExitCode.OK;
}

/** The contacts, addresses and sales agent of `customers show`, one line each. */
function describeRelations(detail: CustomerDetail): string[] {
  const lines: string[] = [];
  const text = (v: FieldValue | undefined): string =>
    v === undefined || v === null ? '' : oneLine(String(v), 60);
  const join = (...parts: string[]): string =>
    parts.filter((p) => p !== '').join(' · ');
  const contacts = detail.contacts ?? [];
  lines.push('', `Contacts (${contacts.length}):`);
  for (const contact of contacts) {
    const d = contact.data;
    const name = [text(d['firstName']), text(d['lastName'])]
      .filter((p) => p !== '')
      .join(' ');
    lines.push(
      `  ${oneLine(contact.key, 20).padEnd(12)} ${join(name, text(d['role']), text(d['email']), text(d['phone']))}`,
    );
  }
  const addresses = detail.addresses ?? [];
  lines.push('', `Addresses (${addresses.length}):`);
  for (const address of addresses) {
    const d = address.data;
    const place = [text(d['postalCode']), text(d['city'])]
      .filter((p) => p !== '')
      .join(' ');
    const type = text(d['type']) === '' ? '' : `(${text(d['type'])})`;
    lines.push(
      `  ${oneLine(address.key, 20).padEnd(12)} ${join(type, text(d['name']), text(d['street']), place, text(d['country']))}`,
    );
  }
  const code = detail.customer.data['salespersonCode'];
  if (detail.salesAgent) {
    const d = detail.salesAgent.data;
    lines.push(
      '',
      `Sales agent: ${join(oneLine(detail.salesAgent.key, 20), text(d['name']), text(d['email']), text(d['phone']))}`,
    );
  } else if (typeof code === 'string' && code !== '') {
    lines.push('', `Sales agent: ${oneLine(code, 20)} (unknown code)`);
  }
  return lines;
}
