import { copyFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import iconv from 'iconv-lite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/temp-dir.js';
import {
  TEST_CONFIG_YAML,
  runCli,
  runCliJson,
  writeTree,
} from '../helpers/run-cli.js';

/**
 * Sales agents through the CLI: the shipped NAV salespeople format and example, the link from a
 * customer's salesperson code, and the warning for a code no sales agent has.
 */

const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

interface ImportJson {
  outcome: string;
  read: number;
  inserted: number;
  updated: number;
  skipped: number;
  warnings: number;
  errors: {
    line: number;
    column: string | null;
    value: string | null;
    code: string;
    message: string;
    severity: string;
  }[];
}

let dir: string;

beforeEach(async () => {
  dir = await makeTempDir();
  await writeTree(dir, {
    'customer-import.config.yaml': TEST_CONFIG_YAML,
    'formats/.keep': '',
  });
  for (const name of ['nav-debitors.yaml', 'nav-salespeople.yaml']) {
    await copyFile(join(REPO, 'formats', name), join(dir, 'formats', name));
  }
  await copyFile(
    join(REPO, 'examples/nav-salespeople.txt'),
    join(dir, 'verkaeufer.txt'),
  );
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const NAV_HEADER =
  'Nr.;Name;Name 2;Adresse;Adresse 2;PLZ Code;Ort;Länder-/Regionscode;Telefonnr.;E-Mail;USt-IdNr.;Kreditlimit (MW);Gesperrt;Zahlungsbedingungscode;Währungscode;Verkäufercode;Korrigiert am';

function navCustomers(
  rows: [no: string, name: string, salesperson: string][],
): Buffer {
  const lines = rows.map(
    ([no, name, code]) => `${no};${name};;;;;;DE;;;;;Nein;;;${code};`,
  );
  return iconv.encode(`${[NAV_HEADER, ...lines].join('\r\n')}\r\n`, 'win1252');
}

describe('sales agents', () => {
  it('links customers to the sales agent of their code and warns about an unknown code', async () => {
    const agents = await runCliJson<ImportJson>(['import', 'verkaeufer.txt'], {
      cwd: dir,
    });
    expect(agents.code).toBe(0);
    expect(agents.json).toMatchObject({ inserted: 3, skipped: 0 });

    await writeFile(
      join(dir, 'customers.txt'),
      navCustomers([
        ['10000', 'Müller GmbH', 'MK'],
        ['10010', 'Café Zoë', 'XY'],
        ['10020', 'Bäckerei Schulz', ''],
      ]),
    );
    const { code, json } = await runCliJson<ImportJson>(
      ['import', 'customers.txt'],
      { cwd: dir },
    );
    expect(code).toBe(0);
    // A warning, not a failure: the customer is imported without the link.
    expect(json).toMatchObject({
      outcome: 'imported',
      inserted: 3,
      skipped: 0,
      warnings: 1,
    });
    expect(json.errors).toEqual([
      {
        line: 3,
        column: 'Verkäufercode',
        value: 'XY',
        code: 'UNKNOWN_REFERENCE',
        message:
          "salesperson code 'XY' is unknown: no sales agent has it; the customer was imported without the link",
        severity: 'warning',
      },
    ]);

    const mueller = await runCliJson<{
      salesAgent: { key: string; data: Record<string, unknown> } | null;
    }>(['customers', 'show', '10000'], { cwd: dir });
    expect(mueller.json.salesAgent).toMatchObject({
      key: 'MK',
      data: { name: 'Martina Köhler', email: 'm.koehler@vertrieb.example' },
    });
    const text = await runCli(['customers', 'show', '10000'], { cwd: dir });
    expect(text.stdout).toContain(
      'Sales agent: MK · Martina Köhler · m.koehler@vertrieb.example · +49 30 5550901',
    );
    const zoe = await runCli(['customers', 'show', '10010'], { cwd: dir });
    expect(zoe.stdout).toContain('Sales agent: XY (unknown code)');
  });

  it('does not check codes while no sales agent export was ever imported', async () => {
    await writeFile(
      join(dir, 'customers.txt'),
      navCustomers([['10000', 'Müller GmbH', 'MK']]),
    );
    const { json } = await runCliJson<ImportJson>(['import', 'customers.txt'], {
      cwd: dir,
    });
    expect(json).toMatchObject({ inserted: 1, warnings: 0, errors: [] });
  });

  it('updates a sales agent by its code', async () => {
    await runCli(['import', 'verkaeufer.txt'], { cwd: dir });
    await writeFile(
      join(dir, 'verkaeufer2.txt'),
      iconv.encode(
        'Code;Name;E-Mail;Telefonnr.\r\nMK;Martina Köhler-Braun;m.koehler@vertrieb.example;+49 30 5550901\r\n',
        'win1252',
      ),
    );
    const { json } = await runCliJson<ImportJson>(
      ['import', 'verkaeufer2.txt'],
      { cwd: dir },
    );
    expect(json).toMatchObject({ inserted: 0, updated: 1 });
    await writeFile(
      join(dir, 'customers.txt'),
      navCustomers([['10000', 'Müller GmbH', 'MK']]),
    );
    await runCli(['import', 'customers.txt'], { cwd: dir });
    const text = await runCli(['customers', 'show', '10000'], { cwd: dir });
    expect(text.stdout).toContain('Sales agent: MK · Martina Köhler-Braun');
  });
});
