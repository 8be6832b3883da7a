import { copyFile, readFile, rm, writeFile } from 'node:fs/promises';
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
 * Contacts and addresses through the CLI: the shipped NAV contacts format and example file, an
 * address export of its own, and a contact and two addresses carried by the customer row. Real
 * files in a temp project, a real SQLite file, the CLI's own `main()`.
 */

const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

const CUSTOMERS_FORMAT = `
id: customers
type: delimited
delimiter: ";"
columns:
  - { source: "No", field: customerNo, required: true }
  - { source: "Name", field: name, required: true }
`;

const ADDRESSES_FORMAT = `
id: ship-to
type: delimited
entity: address
delimiter: ";"
columns:
  - { source: "Customer", field: customerNo, required: true }
  - { source: "Code", field: addressId, required: true }
  - { source: "Name", field: name }
  - { source: "Street", field: street }
  - { source: "Postcode", field: postalCode }
  - { source: "City", field: city }
  - { source: "Country", field: country, type: country }
`;

/** One contact and a billing and a shipping address on every customer row. */
const EMBEDDED_FORMAT = `
id: shop-customers
type: delimited
delimiter: ";"
columns:
  - { source: "No", field: customerNo, required: true }
  - { source: "Company", field: name, required: true }
  - { source: "Contact first name", field: contact.firstName }
  - { source: "Contact last name", field: contact.lastName }
  - { source: "Contact e-mail", field: contact.email, type: email }
  - { source: "Bill street", field: billingAddress.street }
  - { source: "Bill city", field: billingAddress.city }
  - { source: "Ship street", field: shippingAddress.street }
  - { source: "Ship city", field: shippingAddress.city }
`;

interface ShowJson {
  customer: { key: string; data: Record<string, unknown> };
  contacts: {
    key: string;
    customerKey: string;
    data: Record<string, unknown>;
    createdRunId: number;
  }[];
  addresses: { key: string; data: Record<string, unknown> }[];
}

interface ImportJson {
  runId: number;
  outcome: string;
  read: number;
  inserted: number;
  updated: number;
  unchanged: number;
  skipped: number;
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
    'formats/customers.yaml': CUSTOMERS_FORMAT,
    'formats/ship-to.yaml': ADDRESSES_FORMAT,
    'formats/shop-customers.yaml': EMBEDDED_FORMAT,
  });
  for (const name of ['nav-debitors.yaml', 'nav-contacts.yaml']) {
    await copyFile(join(REPO, 'formats', name), join(dir, 'formats', name));
  }
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function show(key: string): Promise<ShowJson> {
  const result = await runCliJson<ShowJson>(['customers', 'show', key], {
    cwd: dir,
  });
  expect(result.code).toBe(0);
  return result.json;
}

describe('contacts from their own export', () => {
  it('imports the shipped NAV contacts after the customers and lists them with the customer', async () => {
    await copyFile(
      join(REPO, 'examples/nav-customers.txt'),
      join(dir, 'customers.txt'),
    );
    await copyFile(
      join(REPO, 'examples/nav-contacts.txt'),
      join(dir, 'contacts.txt'),
    );
    expect((await runCli(['import', 'customers.txt'], { cwd: dir })).code).toBe(
      0,
    );

    const { code, json } = await runCliJson<ImportJson>(
      ['import', 'contacts.txt'],
      { cwd: dir },
    );
    expect(code).toBe(0);
    expect(json).toMatchObject({
      outcome: 'imported',
      read: 4,
      inserted: 4,
      skipped: 0,
    });

    const mueller = await show('10000');
    expect(
      mueller.contacts.map((c) => [
        c.key,
        c.data['firstName'],
        c.data['lastName'],
        c.data['role'],
      ]),
    ).toEqual([
      ['KT000101', 'Jürgen', 'Müller', 'Geschäftsführer'],
      ['KT000102', 'Sabine', 'Weiß', 'Einkauf'],
    ]);
    expect(mueller.contacts[0]).toMatchObject({
      customerKey: '10000',
      createdRunId: json.runId,
    });

    const text = await runCli(['customers', 'show', '10000'], { cwd: dir });
    expect(text.stdout).toContain('Contacts (2):');
    expect(text.stdout).toMatch(
      /KT000102\s+Sabine Weiß · Einkauf · einkauf@mueller-gmbh\.example/,
    );

    // The same file again changes nothing; a changed role is an update.
    const again = await runCliJson<ImportJson>(
      ['import', 'contacts.txt', '--force'],
      { cwd: dir },
    );
    expect(again.json).toMatchObject({ inserted: 0, updated: 0, unchanged: 4 });
  });

  it('reports a contact of a customer that does not exist as a row error naming the customer number', async () => {
    await writeFile(join(dir, 'customers.txt'), 'No;Name\n10000;Alpha GmbH\n');
    expect(
      (
        await runCli(['import', 'customers.txt', '--format', 'customers'], {
          cwd: dir,
        })
      ).code,
    ).toBe(0);
    const header =
      'Nr.;Debitorennr.;Vorname;Nachname;Funktion;E-Mail;Telefonnr.;Mobiltelefonnr.;Korrigiert am';
    const rows = ['KT1;10000;Anna;Alt;;;;;', 'KT2;99999;Bernd;Bauer;;;;;'];
    await writeFile(
      join(dir, 'contacts.txt'),
      iconv.encode(`${[header, ...rows].join('\r\n')}\r\n`, 'win1252'),
    );

    const { code, json } = await runCliJson<ImportJson>(
      ['import', 'contacts.txt', '--format', 'nav-contacts'],
      { cwd: dir },
    );
    expect(code).toBe(0);
    expect(json).toMatchObject({
      outcome: 'partial',
      read: 2,
      inserted: 1,
      skipped: 1,
    });
    expect(json.errors).toEqual([
      {
        line: 3,
        column: 'Debitorennr.',
        value: '99999',
        code: 'CUSTOMER_NOT_FOUND',
        message:
          "customer '99999' does not exist, so contact 'KT2' cannot be linked to it; import the customer first",
        severity: 'error',
      },
    ]);
    const report = await readFile(join(dir, 'contacts.txt.errors.csv'), 'utf8');
    expect(report).toContain("customer '99999' does not exist");
    expect((await show('10000')).contacts.map((c) => c.key)).toEqual(['KT1']);

    const run = await runCli(['runs', 'show', String(json.runId)], {
      cwd: dir,
    });
    expect(run.stdout).toContain("customer '99999' does not exist");
  });

  it('rejects a contacts file in rebuild mode: it is not the customer list', async () => {
    await writeFile(join(dir, 'customers.txt'), 'No;Name\n10000;Alpha GmbH\n');
    await runCli(['import', 'customers.txt', '--format', 'customers'], {
      cwd: dir,
    });
    await writeFile(
      join(dir, 'contacts.txt'),
      iconv.encode(
        'Nr.;Debitorennr.;Vorname;Nachname;Funktion;E-Mail;Telefonnr.;Mobiltelefonnr.;Korrigiert am\r\nKT1;10000;A;B;;;;;\r\n',
        'win1252',
      ),
    );
    const result = await runCli(
      [
        'import',
        'contacts.txt',
        '--format',
        'nav-contacts',
        '--mode',
        'rebuild',
      ],
      { cwd: dir },
    );
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toContain(
      "Mode 'rebuild' is for customer files; format 'nav-contacts' imports contact records",
    );
    expect((await show('10000')).customer.data['name']).toBe('Alpha GmbH');
  });
});

describe('addresses', () => {
  it('imports ship-to addresses keyed by customer and address id', async () => {
    await writeFile(
      join(dir, 'customers.txt'),
      'No;Name\n10000;Alpha GmbH\n10010;Beta AG\n',
    );
    await runCli(['import', 'customers.txt', '--format', 'customers'], {
      cwd: dir,
    });
    await writeFile(
      join(dir, 'ship-to.txt'),
      [
        'Customer;Code;Name;Street;Postcode;City;Country',
        '10000;LAGER;Alpha Lager;Industriestr. 1;14467;Potsdam;de',
        '10000;BUERO;Alpha Büro;Hauptstr. 2;10115;Berlin;DE',
        '10010;LAGER;Beta Lager;Hafen 3;20457;Hamburg;DE',
        '10020;LAGER;Gamma;Weg 4;50667;Köln;DE',
        '',
      ].join('\n'),
    );
    const { json } = await runCliJson<ImportJson>(
      ['import', 'ship-to.txt', '--format', 'ship-to'],
      { cwd: dir },
    );
    expect(json).toMatchObject({ inserted: 3, skipped: 1 });
    expect(json.errors[0]).toMatchObject({
      line: 5,
      code: 'CUSTOMER_NOT_FOUND',
      value: '10020',
    });

    const alpha = await show('10000');
    expect(
      alpha.addresses.map((a) => [a.key, a.data['city'], a.data['country']]),
    ).toEqual([
      ['BUERO', 'Berlin', 'DE'],
      ['LAGER', 'Potsdam', 'DE'],
    ]);
    expect((await show('10010')).addresses.map((a) => a.data['city'])).toEqual([
      'Hamburg',
    ]);
    const text = await runCli(['customers', 'show', '10000'], { cwd: dir });
    expect(text.stdout).toContain('Addresses (2):');
    expect(text.stdout).toMatch(
      /LAGER\s+Alpha Lager · Industriestr\. 1 · 14467 Potsdam · DE/,
    );
  });
});

describe('a contact and addresses on the customer row', () => {
  it('creates the customer, its contact and its billing and shipping addresses from one row', async () => {
    await writeFile(
      join(dir, 'shop.csv'),
      [
        'No;Company;Contact first name;Contact last name;Contact e-mail;Bill street;Bill city;Ship street;Ship city',
        '20000;Delta GmbH;Dora;Dietz;Dora@Delta.example;Rechnungsweg 1;Bonn;Lieferweg 2;Köln',
        '20010;Epsilon AG;;;;Allee 5;Trier;;',
        '',
      ].join('\n'),
    );
    const { code, json } = await runCliJson<ImportJson>(
      ['import', 'shop.csv', '--format', 'shop-customers'],
      { cwd: dir },
    );
    expect(code).toBe(0);
    expect(json).toMatchObject({ read: 2, inserted: 2, skipped: 0 });

    const delta = await show('20000');
    // The customer keeps only its own fields (firstName/lastName come from the name fallback rule).
    expect(
      Object.keys(delta.customer.data).filter((f) => f.includes('.')),
    ).toEqual([]);
    expect(delta.customer.data).toMatchObject({
      customerNo: '20000',
      name: 'Delta GmbH',
    });
    expect(delta.contacts).toEqual([
      expect.objectContaining({
        key: 'primary',
        customerKey: '20000',
        data: {
          firstName: 'Dora',
          lastName: 'Dietz',
          email: 'dora@delta.example',
        },
      }),
    ]);
    expect(delta.addresses.map((a) => [a.key, a.data])).toEqual([
      ['billing', { street: 'Rechnungsweg 1', city: 'Bonn', type: 'billing' }],
      ['shipping', { street: 'Lieferweg 2', city: 'Köln', type: 'shipping' }],
    ]);
    // No contact cells, no contact; only the billing address is in the row.
    const epsilon = await show('20010');
    expect(epsilon.contacts).toEqual([]);
    expect(epsilon.addresses.map((a) => a.key)).toEqual(['billing']);

    // A later export with a new billing street updates that address, nothing else.
    await writeFile(
      join(dir, 'shop2.csv'),
      [
        'No;Company;Contact first name;Contact last name;Contact e-mail;Bill street;Bill city;Ship street;Ship city',
        '20000;Delta GmbH;Dora;Dietz;dora@delta.example;Neuer Weg 9;Bonn;Lieferweg 2;Köln',
        '',
      ].join('\n'),
    );
    const second = await runCliJson<ImportJson>(
      ['import', 'shop2.csv', '--format', 'shop-customers'],
      { cwd: dir },
    );
    expect(second.json).toMatchObject({ unchanged: 1, updated: 0 });
    expect(
      (await show('20000')).addresses.find((a) => a.key === 'billing')?.data[
        'street'
      ],
    ).toBe('Neuer Weg 9');
  });
});
