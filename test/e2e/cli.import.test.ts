import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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
 * The import command end to end: real files in a temp project, a real SQLite file, the CLI's
 * own `main()`. Every case checks the exit code, what was printed and what is in the store.
 */

const NAV_FORMAT = `
id: nav
type: delimited
encoding: windows-1252
delimiter: ";"
decimalSeparator: ","
thousandsSeparator: "."
dateFormat: dd.MM.yyyy
key: customerNo
onInvalidRows:
  maxSkippedRows: 2
columns:
  - { source: "Nr.", field: customerNo, required: true }
  - { source: "Name", field: name, required: true }
  - { source: "E-Mail", field: email, type: email }
  - { source: "Ort", field: city }
  - { source: "Land", field: country, type: country }
  - { source: "Kreditlimit", field: creditLimit, type: decimal }
  - { source: "Gesperrt", field: blocked, type: boolean, trueValues: [Ja], falseValues: [Nein, ""] }
  - { source: "Kunde seit", field: customerSince, type: date }
`;

const HEADER = 'Nr.;Name;E-Mail;Ort;Land;Kreditlimit;Gesperrt;Kunde seit';

function nav(lines: string[]): Buffer {
  return iconv.encode(`${[HEADER, ...lines].join('\r\n')}\r\n`, 'win1252');
}

interface ImportJson {
  runId: number | null;
  status: string;
  outcome: string;
  read: number;
  inserted: number;
  updated: number;
  unchanged: number;
  skipped: number;
  warnings: number;
  duplicateOfRunId: number | null;
  error: { code: string; message: string } | null;
  errors: {
    line: number;
    column: string | null;
    value: string | null;
    message: string;
    code: string;
    severity: string;
  }[];
  errorsOmitted: number;
  changesOmitted?: number;
  changes?: {
    key: string;
    line: number;
    operation: string;
    changes: { field: string; old: unknown; new: unknown }[];
  }[];
  reportFile: string | null;
}

let dir: string;

beforeEach(async () => {
  dir = await makeTempDir();
  await writeTree(dir, {
    'customer-import.config.yaml': TEST_CONFIG_YAML,
    'formats/nav.yaml': NAV_FORMAT,
  });
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function importJson(file: string, ...flags: string[]) {
  return runCliJson<ImportJson>(['import', file, '--format', 'nav', ...flags], {
    cwd: dir,
  });
}

async function customer(key: string) {
  const result = await runCliJson<{
    customer: { data: Record<string, unknown>; status: string };
    history: {
      operation: string;
      runId: number;
      changes: { field: string; old: unknown; new: unknown }[];
    }[];
  }>(['customers', 'show', key], { cwd: dir });
  expect(result.code).toBe(0);
  return result.json;
}

describe('import: a Dynamics NAV-style export', () => {
  it('imports windows-1252 text with decimal commas and German dates into SQLite', async () => {
    await writeFile(
      join(dir, 'customers.txt'),
      nav([
        '10000;Müller GmbH;INFO@Mueller.example;Köln;de;1.234,50;Nein;01.02.2020',
        '10001;Café Zoë „Ÿ“ €;;München;AT;0,30;Ja;29.02.2024',
      ]),
    );
    const { code, json } = await importJson('customers.txt');
    expect(code).toBe(0);
    expect(json).toMatchObject({
      status: 'succeeded',
      outcome: 'imported',
      read: 2,
      inserted: 2,
      updated: 0,
      skipped: 0,
    });
    expect(json.runId).toBeGreaterThan(0);
    expect(existsSync(join(dir, 'data/customers.db'))).toBe(true);

    const first = await customer('10000');
    expect(first.customer.data).toMatchObject({
      name: 'Müller GmbH',
      email: 'info@mueller.example',
      city: 'Köln',
      country: 'DE',
      creditLimit: 1234.5,
      blocked: false,
      customerSince: '2020-02-01',
    });
    const second = await customer('10001');
    expect(second.customer.data).toMatchObject({
      name: 'Café Zoë „Ÿ“ €',
      creditLimit: 0.3,
      blocked: true,
      customerSince: '2024-02-29',
    });
    expect(second.customer.data).not.toHaveProperty('email');
    expect(second.history[0]).toMatchObject({
      operation: 'inserted',
      runId: json.runId,
    });
  });

  it('prints a readable summary with the counts and the duration', async () => {
    await writeFile(
      join(dir, 'customers.txt'),
      nav(['10000;Müller GmbH;;Köln;DE;1,00;Nein;01.02.2020']),
    );
    const result = await runCli(
      ['import', 'customers.txt', '--format', 'nav'],
      { cwd: dir },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /Imported customers\.txt with format nav \(run \d+\) in \d+/,
    );
    expect(result.stdout).toContain(
      'read 1 · insert 1 · update 0 · unchanged 0 · skipped 0',
    );
  });

  it('counts unchanged rows without rewriting them, and records field changes as history', async () => {
    await writeFile(
      join(dir, 'a.txt'),
      nav(['1;Alpha;;Bonn;DE;10,00;Nein;', '2;Beta;;Bonn;DE;20,00;Nein;']),
    );
    expect((await importJson('a.txt')).json.inserted).toBe(2);
    await writeFile(
      join(dir, 'b.txt'),
      nav(['1;Alpha;;Bonn;DE;10,00;Nein;', '2;Beta;;Berlin;DE;25,00;Nein;']),
    );
    const { code, json } = await importJson('b.txt');
    expect(code).toBe(0);
    expect(json).toMatchObject({
      read: 2,
      inserted: 0,
      updated: 1,
      unchanged: 1,
    });
    const beta = await customer('2');
    expect(beta.history).toHaveLength(2);
    expect(beta.history[0]?.operation).toBe('updated');
    expect(beta.history[0]?.changes).toEqual(
      expect.arrayContaining([
        { field: 'city', old: 'Bonn', new: 'Berlin' },
        { field: 'creditLimit', old: 20, new: 25 },
      ]),
    );
  });

  it('keeps the stored value when a cell is empty (a blank in the export must not wipe data)', async () => {
    await writeFile(
      join(dir, 'a.txt'),
      nav(['1;Alpha;a@x.example;Bonn;DE;10,00;Nein;']),
    );
    await importJson('a.txt');
    await writeFile(join(dir, 'b.txt'), nav(['1;Alpha;;Bonn;DE;10,00;Nein;']));
    const { json } = await importJson('b.txt');
    expect(json).toMatchObject({ updated: 0, unchanged: 1 });
    expect((await customer('1')).customer.data['email']).toBe('a@x.example');
  });
});

describe('import --dry-run', () => {
  it('reports what would change, field by field, and writes nothing', async () => {
    await writeFile(join(dir, 'a.txt'), nav(['1;Alpha;;Bonn;DE;10,00;Nein;']));
    await importJson('a.txt');
    await writeFile(
      join(dir, 'b.txt'),
      nav(['1;Alpha;;Berlin;DE;10,00;Nein;', '2;Beta;;Bonn;DE;;Nein;']),
    );
    const { code, json } = await importJson('b.txt', '--dry-run');
    expect(code).toBe(0);
    expect(json).toMatchObject({
      runId: null,
      status: 'succeeded',
      inserted: 1,
      updated: 1,
    });
    expect(json.changes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          key: '1',
          operation: 'updated',
          changes: [{ field: 'city', old: 'Bonn', new: 'Berlin' }],
        }),
        expect.objectContaining({ key: '2', operation: 'inserted' }),
      ]),
    );
    const text = await runCli(
      ['import', 'b.txt', '--format', 'nav', '--dry-run'],
      { cwd: dir },
    );
    expect(text.stdout).toContain('nothing was written');
    expect(text.stdout).toContain('would insert 1 · would update 1');
    expect(text.stdout).toContain('city: "Bonn" → "Berlin"');

    // Nothing was written: Berlin is not stored, customer 2 does not exist, no run was recorded.
    expect((await customer('1')).customer.data['city']).toBe('Bonn');
    expect((await runCli(['customers', 'show', '2'], { cwd: dir })).code).toBe(
      2,
    );
    const runs = await runCliJson<unknown[]>(['runs', 'list'], { cwd: dir });
    expect(runs.json).toHaveLength(1);
    expect(json.changesOmitted).toBe(0);
  });

  it('lists the first 1000 changed records and counts the rest, however large the file', async () => {
    const rows = Array.from(
      { length: 1100 },
      (_, i) => `${i + 1};Customer ${i + 1};;Bonn;DE;;Nein;`,
    );
    await writeFile(join(dir, 'many.txt'), nav(rows));
    const { code, json } = await importJson('many.txt', '--dry-run');
    expect(code).toBe(0);
    expect(json).toMatchObject({ inserted: 1100, changesOmitted: 100 });
    const changes = json.changes ?? [];
    expect(changes).toHaveLength(1000);
    // In file order: the first 1000 rows (line 1 is the header).
    expect(changes[0]).toMatchObject({ key: '1', line: 2 });
    expect(changes[999]).toMatchObject({ key: '1000', line: 1001 });

    const text = await runCli(
      ['import', 'many.txt', '--format', 'nav', '--dry-run'],
      { cwd: dir },
    );
    expect(text.code).toBe(0);
    const printed = text.stdout.split('\n').filter((l) => /^ {4}\+ /.test(l));
    expect(printed).toHaveLength(100);
    expect(printed[99]).toContain('+ 100 (line 101, new)');
    expect(text.stdout).toContain(
      '… and 1000 more record(s) would change (--json lists the first 1000)',
    );
  });
});

describe('import: more row problems than --json lists', () => {
  it('lists the first 10 000 in --json, counts the rest, and reports and records every one', async () => {
    await writeFile(
      join(dir, 'formats', 'nav-repeats.yaml'),
      NAV_FORMAT.replace(
        'id: nav',
        'id: nav-repeats\nduplicateKeys: last-wins',
      ),
    );
    // Customers 1 … 5 100, then each again: a warning for both lines of each repeat.
    const rows = Array.from(
      { length: 10_200 },
      (_, i) => `${(i % 5100) + 1};Customer ${i};;Bonn;DE;;Nein;`,
    );
    await writeFile(join(dir, 'repeats.txt'), nav(rows));
    const { code, json } = await runCliJson<ImportJson>(
      ['import', 'repeats.txt', '--format', 'nav-repeats'],
      { cwd: dir },
    );
    expect(code).toBe(0);
    expect(json).toMatchObject({
      outcome: 'imported',
      inserted: 5100,
      warnings: 5100,
      errorsOmitted: 200,
    });
    expect(json.errors).toHaveLength(10_000);
    expect(json.errors[0]).toMatchObject({ line: 2, code: 'DUPLICATE_KEY' });
    expect(json.errors[1]).toMatchObject({ line: 5102, code: 'DUPLICATE_KEY' });
    // The report and the store have all 10 200.
    const report = await readFile(join(dir, 'repeats.txt.errors.csv'), 'utf8');
    expect(report.trimEnd().split('\r\n')).toHaveLength(10_201);
    const run = await runCliJson<{ issues: unknown[]; issueCount: number }>(
      ['runs', 'show', String(json.runId), '--issues', 'all'],
      { cwd: dir },
    );
    expect(run.json.issues).toHaveLength(10_200);
    // `runs show` lists the first ones by line unless asked for more.
    const listed = await runCliJson<{ issues: unknown[]; issueCount: number }>(
      ['runs', 'show', String(json.runId)],
      { cwd: dir },
    );
    expect(listed.json.issueCount).toBe(10_200);
    expect(listed.json.issues).toHaveLength(10_000);
    const text = await runCli(['runs', 'show', String(json.runId)], {
      cwd: dir,
    });
    expect(text.stdout).toContain('Problems (10200; the first 100 by line):');
    expect(
      text.stdout.split('\n').filter((l) => l.startsWith('  warning ')),
    ).toHaveLength(100);
    expect(text.stdout).toContain(
      `… and 10100 more: runs show ${json.runId} --issues all, or the file's .errors.csv`,
    );
    const bad = await runCli(
      ['runs', 'show', String(json.runId), '--issues', 'many'],
      {
        cwd: dir,
      },
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--issues takes a whole number');
  });
});

describe('import: the same content twice', () => {
  it('reports a duplicate naming the earlier run, and --force imports it anyway', async () => {
    await writeFile(join(dir, 'a.txt'), nav(['1;Alpha;;Bonn;DE;10,00;Nein;']));
    const first = await importJson('a.txt');
    await writeFile(join(dir, 'again.txt'), await readFile(join(dir, 'a.txt')));
    const second = await importJson('again.txt');
    expect(second.code).toBe(0);
    expect(second.json).toMatchObject({
      outcome: 'duplicate',
      duplicateOfRunId: first.json.runId,
      inserted: 0,
    });
    const text = await runCli(['import', 'again.txt', '--format', 'nav'], {
      cwd: dir,
    });
    expect(text.stdout).toContain(
      `already imported in run ${first.json.runId}`,
    );
    const forced = await importJson('again.txt', '--force');
    expect(forced.json).toMatchObject({ outcome: 'imported', unchanged: 1 });
  });
});

describe('import: bad rows', () => {
  it('skips invalid rows, reports line, column, value and reason, and imports the good ones', async () => {
    await writeFile(
      join(dir, 'c.txt'),
      nav([
        '1;Alpha;not-an-email;Bonn;DE;10,00;Nein;01.01.2020',
        '2;Beta;;Bonn;XX;10,00;Nein;31.02.2020',
        '3;Gamma;;Bonn;DE;10,00;Nein;01.01.2020',
      ]),
    );
    const { code, json } = await importJson('c.txt');
    expect(code).toBe(0);
    expect(json).toMatchObject({
      status: 'succeeded',
      outcome: 'partial',
      read: 3,
      inserted: 1,
      skipped: 2,
    });
    expect(json.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          line: 2,
          column: 'E-Mail',
          value: 'not-an-email',
          code: 'INVALID_EMAIL',
        }),
        expect.objectContaining({
          line: 3,
          column: 'Land',
          value: 'XX',
          code: 'INVALID_COUNTRY',
        }),
        expect.objectContaining({
          line: 3,
          column: 'Kunde seit',
          value: '31.02.2020',
          code: 'INVALID_DATE',
        }),
      ]),
    );
    const report = await readFile(join(dir, 'c.txt.errors.csv'), 'utf8');
    expect(report).toContain('not-an-email');
    expect(report).toContain('31.02.2020');
    const run = await runCli(['runs', 'show', String(json.runId)], {
      cwd: dir,
    });
    expect(run.stdout).toContain('line 3, column Kunde seit');
    expect(run.stdout).toContain('31.02.2020');
  });

  it('fails the whole run and writes nothing when the error budget is spent', async () => {
    await writeFile(join(dir, 'a.txt'), nav(['1;Alpha;;Bonn;DE;10,00;Nein;']));
    await importJson('a.txt');
    await writeFile(
      join(dir, 'bad.txt'),
      nav([
        '1;Alpha;;Berlin;DE;10,00;Nein;',
        '2;B;x;Bonn;DE;1;Nein;',
        '3;C;y;Bonn;DE;1;Nein;',
        '4;D;z;Bonn;DE;1;Nein;',
      ]),
    );
    const { code, json } = await importJson('bad.txt');
    expect(code).toBe(1);
    expect(json).toMatchObject({
      status: 'failed',
      outcome: 'rejected',
      skipped: 3,
    });
    expect(json.error?.code).toBe('TOO_MANY_INVALID_ROWS');
    expect((await customer('1')).customer.data['city']).toBe('Bonn');
    expect((await runCli(['customers', 'show', '2'], { cwd: dir })).code).toBe(
      2,
    );
    const runs = await runCliJson<{ status: string }[]>(['runs', 'list'], {
      cwd: dir,
    });
    expect(runs.json[0]?.status).toBe('failed');
    expect(existsSync(join(dir, 'bad.txt.errors.csv'))).toBe(true);
  });

  it('reports a key that appears twice: the last row wins, both lines are warnings', async () => {
    await writeFile(
      join(dir, 'd.txt'),
      nav([
        '7;First;;Bonn;DE;1;Nein;',
        '8;Other;;Bonn;DE;1;Nein;',
        '7;Second;;Bonn;DE;1;Nein;',
      ]),
    );
    const { code, json } = await importJson('d.txt');
    expect(code).toBe(0);
    const dup = json.errors.filter((e) => e.code === 'DUPLICATE_KEY');
    expect(dup.map((e) => e.line).sort()).toEqual([2, 4]);
    expect(dup.every((e) => e.severity === 'warning')).toBe(true);
    expect((await customer('7')).customer.data['name']).toBe('Second');
  });
});

describe('import: bad files', () => {
  it('fails early on a missing required column, naming the missing and the found columns', async () => {
    await writeFile(
      join(dir, 'h.txt'),
      iconv.encode('Nummer;Name;Ort\r\n1;A;B\r\n', 'win1252'),
    );
    const { code, json } = await importJson('h.txt');
    expect(code).toBe(1);
    expect(json.error?.code).toBe('HEADER_MISMATCH');
    expect(json.error?.message).toContain('Nr.');
    expect(json.error?.message).toContain('Nummer');
  });

  it('says "wrong delimiter" when every row is one column', async () => {
    await writeFile(
      join(dir, 'w.txt'),
      `${HEADER.replaceAll(';', ',')}\r\n1,A,,Bonn,DE,1,Nein,\r\n`,
    );
    const { code, json } = await importJson('w.txt');
    expect(code).toBe(1);
    expect(json.error?.code).toBe('PARSE_FAILED');
    expect(json.error?.message).toMatch(/one column/);
  });

  it('rejects an empty file and a header-only file with a clear message', async () => {
    await writeFile(join(dir, 'empty.txt'), '');
    const empty = await importJson('empty.txt');
    expect(empty.code).toBe(1);
    expect(empty.json.error?.code).toBe('FILE_EMPTY');
    await writeFile(join(dir, 'header.txt'), nav([]));
    const header = await importJson('header.txt');
    expect(header.code).toBe(1);
    expect(header.json.error?.code).toBe('NO_DATA_ROWS');
  });

  it('names the line of an unterminated quote', async () => {
    await writeFile(
      join(dir, 'q.txt'),
      nav(['1;"Alpha;;Bonn;DE;1;Nein;', '2;Beta;;Bonn;DE;1;Nein;']),
    );
    const { code, json } = await importJson('q.txt');
    expect(code).toBe(1);
    expect(json.error?.message).toMatch(/line 2/);
  });

  it('reports a missing file, and exits 2 for an unknown format', async () => {
    const missing = await importJson('nope.txt');
    expect(missing.code).toBe(1);
    expect(missing.json.error?.code).toBe('FILE_UNREADABLE');
    await writeFile(join(dir, 'a.txt'), nav(['1;Alpha;;Bonn;DE;1;Nein;']));
    const unknown = await runCli(['import', 'a.txt', '--format', 'sap'], {
      cwd: dir,
    });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown format 'sap'");
    expect(unknown.stderr).toContain('nav');
  });

  it('names the line of bytes that are not valid in the declared encoding', async () => {
    await writeTree(dir, {
      'formats/utf.yaml':
        'id: utf\ntype: delimited\ndelimiter: ";"\ncolumns:\n  - { source: "Nr.", field: customerNo, required: true }\n  - { source: Name, field: name }\n',
    });
    await writeFile(
      join(dir, 'u.txt'),
      Buffer.concat([
        Buffer.from('Nr.;Name\n1;ok\n2;M'),
        Buffer.from([0xfc]),
        Buffer.from('ller\n'),
      ]),
    );
    const { code, json } = await runCliJson<ImportJson>(
      ['import', 'u.txt', '--format', 'utf'],
      { cwd: dir },
    );
    expect(code).toBe(1);
    expect(json.error?.code).toBe('ENCODING_INVALID');
    expect(json.error?.message).toMatch(/line 3/);
  });
});

describe('import: the errors report', () => {
  it('warns but still reports the run when the report cannot be written', async () => {
    await writeFile(
      join(dir, 'r.txt'),
      nav(['1;Alpha;not-an-email;Bonn;DE;1;Nein;', '2;Beta;;Bonn;DE;1;Nein;']),
    );
    const result = await runCli(
      [
        'import',
        'r.txt',
        '--format',
        'nav',
        '--report',
        join(dir, 'no-such-folder', 'r.errors.csv'),
      ],
      { cwd: dir },
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      'warning: could not write the errors report',
    );
    expect(result.stdout).toContain('read 2 · insert 1');
    expect(result.stdout).not.toContain('Error report:');
  });
});

describe('import: header differences that do not stop the run', () => {
  it('notes an optional column missing from the file, and imports the rest', async () => {
    await writeFile(
      join(dir, 'n.txt'),
      iconv.encode('Nr.;Name;Ort\r\n1;Alpha;Bonn\r\n', 'win1252'),
    );
    const { code, json } = await runCliJson<ImportJson & { notices: string[] }>(
      ['import', 'n.txt', '--format', 'nav'],
      { cwd: dir },
    );
    expect(code).toBe(0);
    expect(json).toMatchObject({ outcome: 'imported', inserted: 1 });
    expect(json.notices).toEqual(
      expect.arrayContaining([
        expect.stringContaining("Optional column 'E-Mail' is not in 'n.txt'"),
      ]),
    );
    await writeFile(
      join(dir, 'n2.txt'),
      iconv.encode('Nr.;Name;Ort\r\n2;Beta;Bonn\r\n', 'win1252'),
    );
    const text = await runCli(['import', 'n2.txt', '--format', 'nav'], {
      cwd: dir,
    });
    expect(text.stdout).toContain(
      "note: Optional column 'Kreditlimit' is not in 'n2.txt'",
    );
  });
});

describe('usage errors', () => {
  it('exits 2 for an unknown mode and for an invalid config', async () => {
    await writeFile(join(dir, 'a.txt'), nav(['1;Alpha;;Bonn;DE;1;Nein;']));
    expect(
      (await runCli(['import', 'a.txt', '--mode', 'sometimes'], { cwd: dir }))
        .code,
    ).toBe(2);
    await writeFile(
      join(dir, 'customer-import.config.yaml'),
      'batchSize: many\n',
    );
    const bad = await runCli(['import', 'a.txt', '--format', 'nav'], {
      cwd: dir,
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('customer-import.config.yaml');
    expect(bad.stderr).toContain('batchSize');
  });
});
