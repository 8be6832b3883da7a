import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NULL_LOGGER } from '../../src/logging/logger.js';
import { createStore } from '../../src/store/create-store.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import {
  TEST_CONFIG_YAML,
  runCli,
  runCliJson,
  writeTree,
} from '../helpers/run-cli.js';

/**
 * Fallback matching through the CLI: customers a webstore created (an id, no ERP key) are
 * paired with the ERP rows whose key is new, by VAT number or e-mail; two candidates are never
 * guessed. The webstore customers are created through the store API on the same SQLite file.
 */

const FORMAT = `
id: erp
type: delimited
delimiter: ";"
matchExisting: [vatId, email]
columns:
  - { source: "No", field: customerNo, required: true }
  - { source: "Name", field: name, required: true }
  - { source: "VAT", field: vatId, transforms: [trim, upper] }
  - { source: "Mail", field: email, type: email }
  - { source: "City", field: city }
`;

const PLAIN_FORMAT = FORMAT.replace('id: erp', 'id: erp-plain').replace(
  'matchExisting: [vatId, email]\n',
  '',
);

interface ImportJson {
  runId: number;
  outcome: string;
  read: number;
  inserted: number;
  updated: number;
  skipped: number;
  notices: string[];
  errors: {
    line: number;
    column: string | null;
    value: string | null;
    code: string;
    message: string;
    severity: string;
  }[];
}

interface ShowJson {
  customer: {
    id: number;
    key: string | null;
    data: Record<string, unknown>;
    source: string;
  };
  history: {
    operation: string;
    note: string | null;
    changes: { field: string; old: unknown; new: unknown }[];
  }[];
}

let dir: string;

beforeEach(async () => {
  dir = await makeTempDir();
  await writeTree(dir, {
    'customer-import.config.yaml': TEST_CONFIG_YAML,
    'formats/erp.yaml': FORMAT,
    'formats/erp-plain.yaml': PLAIN_FORMAT,
  });
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Customers as a webstore creates them: in the same store, with no ERP key. */
async function webstore(
  ...customers: Record<string, string>[]
): Promise<number[]> {
  const store = await createStore(
    {
      type: 'sqlite',
      path: join(dir, 'data/customers.db'),
      busyTimeoutMs: 2000,
    },
    { logger: NULL_LOGGER },
  );
  try {
    const ids: number[] = [];
    for (const data of customers) {
      ids.push((await store.createCustomer({ data, source: 'webstore' })).id);
    }
    return ids;
  } finally {
    await store.close();
  }
}

async function show(key: string): Promise<ShowJson> {
  const result = await runCliJson<ShowJson>(['customers', 'show', key], {
    cwd: dir,
  });
  expect(result.code).toBe(0);
  return result.json;
}

async function importFile(lines: string[], ...flags: string[]) {
  await writeFile(
    join(dir, 'customers.csv'),
    `${['No;Name;VAT;Mail;City', ...lines].join('\n')}\n`,
  );
  const format = flags.includes('--format') ? [] : ['--format', 'erp'];
  return runCliJson<ImportJson>(
    ['import', 'customers.csv', '--force', ...format, ...flags],
    { cwd: dir },
  );
}

describe('matchExisting', () => {
  it('gives a new ERP key to the webstore customer with the same VAT number instead of creating another', async () => {
    const [shopId] = await webstore({
      name: 'Alpha (Webshop)',
      vatId: 'DE 100 000 001',
      phone: '+49 30 1',
    });
    const { code, json } = await importFile([
      '10000;Alpha GmbH;DE100000001;;Berlin',
      '10010;Beta AG;;beta@x.example;Bonn',
    ]);
    expect(code).toBe(0);
    expect(json).toMatchObject({
      outcome: 'imported',
      read: 2,
      inserted: 1,
      updated: 1,
      skipped: 0,
    });
    expect(json.notices).toContain(
      '1 new key(s) were paired with existing customers that had no ERP key (matchExisting: vatId, email).',
    );

    const alpha = await show('10000');
    expect(alpha.customer).toMatchObject({
      id: shopId,
      key: '10000',
      data: { name: 'Alpha GmbH', phone: '+49 30 1', city: 'Berlin' },
    });
    expect(alpha.history.map((h) => h.note)).toContain(
      `matched by vatId to customer #${shopId}, which had no ERP key; it now has key '10000'`,
    );
    const text = await runCli(['customers', 'show', '10000'], { cwd: dir });
    expect(text.stdout).toContain('matched by vatId');

    const list = await runCliJson<{ key: string | null }[]>(
      ['customers', 'list'],
      { cwd: dir },
    );
    expect(list.json.map((c) => c.key)).toEqual(['10000', '10010']);
  });

  it('pairs by normalised e-mail when there is no VAT number', async () => {
    const [shopId] = await webstore({
      name: 'Gamma',
      email: 'Info@Gamma.example',
    });
    const { json } = await importFile([
      '10020;Gamma KG;;info@gamma.example;Köln',
    ]);
    expect(json).toMatchObject({ inserted: 0, updated: 1 });
    expect((await show('10020')).customer.id).toBe(shopId);
  });

  it('reports a row with two candidates as ambiguous, naming them, and imports the rest', async () => {
    const [a, b] = await webstore(
      { name: 'Shop A', email: 'same@shop.example' },
      { name: 'Shop B', email: 'same@shop.example' },
    );
    const { code, json } = await importFile([
      '10000;Alpha;;same@shop.example;Berlin',
      '10010;Beta;;beta@x.example;Bonn',
    ]);
    expect(code).toBe(0);
    expect(json).toMatchObject({
      outcome: 'partial',
      inserted: 1,
      updated: 0,
      skipped: 1,
    });
    expect(json.errors).toEqual([
      {
        line: 2,
        column: 'Mail',
        value: 'same@shop.example',
        code: 'AMBIGUOUS_MATCH',
        message:
          `customerNo '10000' is new and its email matches 2 customers without ERP key (#${a}, #${b}); none was chosen ` +
          'and the row was not imported. Give the right customer the ERP key by hand, or correct the duplicates.',
        severity: 'error',
      },
    ]);
    expect(
      (await runCli(['customers', 'show', '10000'], { cwd: dir })).code,
    ).toBe(2);
    const shopA = await runCli(['customers', 'show', `#${a}`], { cwd: dir });
    expect(shopA.stdout).toContain(`Customer #${a}, no ERP key yet (active)`);
  });

  it('leaves customers without ERP key alone when the format does not ask, or --match-existing none', async () => {
    const [shopId] = await webstore({
      name: 'Alpha (Webshop)',
      vatId: 'DE100000001',
    });
    const off = await importFile(
      ['10000;Alpha GmbH;DE100000001;;Berlin'],
      '--match-existing',
      'none',
    );
    expect(off.json).toMatchObject({ inserted: 1, updated: 0 });
    expect((await show(`#${shopId}`)).customer.key).toBeNull();

    const plain = await importFile(
      ['10010;Alpha GmbH 2;DE100000001;;Berlin'],
      '--format',
      'erp-plain',
    );
    expect(plain.json).toMatchObject({ inserted: 1 });
    // The flag turns matching on for a format without it.
    const flagged = await importFile(
      ['10020;Alpha GmbH 3;DE100000001;;Berlin'],
      '--format',
      'erp-plain',
      '--match-existing',
      'vatId',
    );
    expect(flagged.json).toMatchObject({ inserted: 0, updated: 1 });
    expect((await show('10020')).customer.id).toBe(shopId);
  });

  it('refuses an unknown match field before reading anything', async () => {
    await writeFile(
      join(dir, 'customers.csv'),
      'No;Name;VAT;Mail;City\n1;A;;;\n',
    );
    const result = await runCli(
      [
        'import',
        'customers.csv',
        '--format',
        'erp',
        '--match-existing',
        'phone',
      ],
      { cwd: dir },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "--match-existing: unknown field 'phone'. Use vatId, email or none.",
    );
  });
});
