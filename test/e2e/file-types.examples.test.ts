import { cp, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  exampleFixedWidth,
  exampleWorkbook,
} from '../../scripts/write-examples.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { TEST_CONFIG_YAML, runCliJson, writeTree } from '../helpers/run-cli.js';
import { readFile } from 'node:fs/promises';

/**
 * The shipped sample formats for Excel and fixed-width exports import their sample files from
 * examples/ as the README promises: the format is picked by its `match` pattern, no --format.
 */

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

let dir: string;

beforeEach(async () => {
  dir = await makeTempDir('file-types-examples-');
  await writeTree(dir, { 'customer-import.config.yaml': TEST_CONFIG_YAML });
  await cp(join(REPO, 'formats'), join(dir, 'formats'), { recursive: true });
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function data(key: string): Promise<Record<string, unknown>> {
  const result = await runCliJson<{
    customer: { data: Record<string, unknown> };
  }>(['customers', 'show', key], { cwd: dir });
  expect(result.code).toBe(0);
  return result.json.customer.data;
}

describe('shipped examples', () => {
  it('examples/customers.xlsx imports with formats/customers-xlsx.yaml, matched by name', async () => {
    const { code, json } = await runCliJson(
      ['import', join(REPO, 'examples', 'customers.xlsx')],
      { cwd: dir },
    );
    expect(code).toBe(0);
    expect(json).toMatchObject({
      format: 'customers-xlsx',
      outcome: 'imported',
      read: 4,
      inserted: 4,
    });
    expect(await data('000102')).toMatchObject({
      customerNo: '000102',
      name: 'Muster & Söhne KG',
      street: 'Am Markt 5',
      postalCode: '08056',
      city: 'Zwickau',
      country: 'DE',
      email: 'kontakt@muster-soehne.example',
      creditLimit: 1500.5,
      blocked: false,
      customerSince: '2021-11-15',
    });
    expect(await data('000103')).toMatchObject({
      creditLimit: 2500,
      blocked: true,
      customerSince: '2024-02-29',
    });
    expect(await data('000104')).toMatchObject({ creditLimit: 0.3 });
  });

  it('examples/kunden-fixed.txt imports its C records with formats/as400-fixed-width.yaml, matched by name', async () => {
    const { code, json } = await runCliJson(
      ['import', join(REPO, 'examples', 'kunden-fixed.txt')],
      { cwd: dir },
    );
    expect(code).toBe(0);
    expect(json).toMatchObject({
      format: 'as400-fixed-width',
      outcome: 'imported',
      read: 4,
      inserted: 4,
    });
    expect(await data('00000202')).toMatchObject({
      customerNo: '00000202',
      name: 'Bäckerei Übermorgen',
      street: 'Königsweg 2',
      postalCode: '80331',
      city: 'München',
      country: 'DE',
      creditLimit: 1250.75,
      blocked: false,
      customerSince: '2020-01-15',
    });
    expect(await data('00000203')).toMatchObject({
      customerNo: '00000203',
      name: 'Kurz & Bündig OHG',
      street: 'Weg 1',
      postalCode: '01067',
      city: 'Dresden',
    });
    const short = await data('00000203');
    for (const field of [
      'country',
      'creditLimit',
      'customerSince',
      'blocked',
    ]) {
      expect(short).not.toHaveProperty(field);
    }
  });

  it('the committed fixed-width example is what scripts/write-examples.ts writes', async () => {
    // The workbook embeds its creation time, so only the fixed-width file is compared byte for byte.
    expect(await readFile(join(REPO, 'examples', 'kunden-fixed.txt'))).toEqual(
      exampleFixedWidth(),
    );
    expect(exampleWorkbook().subarray(0, 2).toString('latin1')).toBe('PK');
  });
});
