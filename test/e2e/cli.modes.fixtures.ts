import { expect } from 'vitest';
import {
  TEST_CONFIG_YAML,
  runCli,
  runCliJson,
  writeTree,
} from '../helpers/run-cli.js';

/**
 * Shared set-up of the modes and rules end-to-end tests: a temp project with SQLite, an ERP
 * format with the fields the rules look at, and helpers that run the real CLI in it.
 */

export const ERP_FORMAT = `
id: erp
type: delimited
delimiter: ";"
key: customerNo
dateTimeFormat: "yyyy-MM-dd HH:mm"
timeZone: Europe/Berlin
onInvalidRows:
  maxSkippedRows: 50
columns:
  - { source: "No", field: customerNo, required: true }
  - { source: "Name", field: name }
  - { source: "FirstName", field: firstName }
  - { source: "LastName", field: lastName }
  - { source: "Company", field: company }
  - { source: "VAT", field: vatId }
  - { source: "Email", field: email, type: email }
  - { source: "Country", field: country }
  - { source: "Class", field: customerClass }
  - { source: "Currency", field: currency }
  - { source: "Blocked", field: blocked, type: boolean }
  - { source: "Modified", field: lastModified, type: datetime }
`;

export const HEADER =
  'No;Name;FirstName;LastName;Company;VAT;Email;Country;Class;Currency;Blocked;Modified';

export interface Row {
  no: string;
  name?: string;
  firstName?: string;
  lastName?: string;
  company?: string;
  vat?: string;
  email?: string;
  country?: string;
  class?: string;
  currency?: string;
  blocked?: string;
  modified?: string;
}

export function csv(rows: readonly Row[]): string {
  const line = (r: Row): string =>
    [
      r.no,
      r.name ?? `Customer ${r.no}`,
      r.firstName,
      r.lastName,
      r.company,
      r.vat,
      r.email,
      r.country,
      r.class,
      r.currency,
      r.blocked,
      r.modified,
    ]
      .map((v) => v ?? '')
      .join(';');
  return `${[HEADER, ...rows.map(line)].join('\n')}\n`;
}

export async function setUpProject(
  dir: string,
  extraConfig = '',
  formatExtra = '',
): Promise<void> {
  await writeTree(dir, {
    'customer-import.config.yaml': `${TEST_CONFIG_YAML}${extraConfig}`,
    'formats/erp.yaml': `${ERP_FORMAT}${formatExtra}`,
  });
}

export interface ImportJson {
  runId: number | null;
  status: string;
  outcome: string;
  read: number;
  inserted: number;
  updated: number;
  unchanged: number;
  skipped: number;
  warnings: number;
  filtered: number;
  notChanged: number;
  deactivated: number;
  reactivated: number;
  notices: string[];
  notFound?: string[];
  error: { code: string; message: string } | null;
  errors: { line: number; code: string; message: string; severity: string }[];
}

/** Writes the file and imports it with the erp format; returns the parsed --json output. */
export async function importRows(
  dir: string,
  name: string,
  rows: readonly Row[],
  ...flags: string[]
) {
  await writeTree(dir, { [name]: csv(rows) });
  return runCliJson<ImportJson>(['import', name, '--format', 'erp', ...flags], {
    cwd: dir,
  });
}

export interface CustomerJson {
  customer: {
    key: string;
    data: Record<string, unknown>;
    status: string;
    source: string | null;
    type?: string | null;
    deactivatedRunId?: number | null;
  };
  history: {
    operation: string;
    runId: number;
    note: string | null;
    changes: { field: string; old: unknown; new: unknown }[];
  }[];
}

export async function showCustomer(
  dir: string,
  key: string,
): Promise<CustomerJson> {
  const result = await runCliJson<CustomerJson>(['customers', 'show', key], {
    cwd: dir,
  });
  expect(result.code, result.stderr).toBe(0);
  return result.json;
}

export async function showCustomerText(
  dir: string,
  key: string,
): Promise<string> {
  const result = await runCli(['customers', 'show', key], { cwd: dir });
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
}

export async function showRunText(dir: string, runId: number): Promise<string> {
  const result = await runCli(['runs', 'show', String(runId)], { cwd: dir });
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
}

/** Rows 1…n with numbered keys (K0001 …). */
export function numbered(n: number, from = 1): Row[] {
  return Array.from({ length: n }, (_, i) => ({
    no: `K${String(from + i).padStart(4, '0')}`,
  }));
}
