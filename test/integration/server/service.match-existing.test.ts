import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createServiceHarness,
  type ServiceHarness,
} from './service-harness.js';

/**
 * A watch job's `matchExisting` replaces the format's: the job, not the format, decides whether
 * an ERP row with a new key is paired with a customer the webstore created (no ERP key yet).
 */

const FORMAT_YAML = `
id: erp-test
type: delimited
encoding: utf-8
delimiter: ";"
header: false
key: customerNo
matchExisting: [email]
columns:
  - { source: 1, field: customerNo, required: true }
  - { source: 2, field: name, required: true }
  - { source: 3, field: email, type: email }
`;

let harness: ServiceHarness | null = null;

afterEach(async () => {
  await harness?.dispose();
  harness = null;
});

async function importWithJob(
  job: Record<string, unknown>,
): Promise<{ webstoreKey: string | null; customers: number }> {
  harness = await createServiceHarness({
    polling: false,
    formatYaml: FORMAT_YAML,
    job,
  });
  const webstore = await harness.store.createCustomer({
    data: { name: 'Anna Weber', email: 'anna@example.com' },
    source: 'webstore',
  });
  await harness.start();
  await writeFile(
    join(harness.exchange, 'customers.txt'),
    'K000001;Anna Weber;ANNA@example.com\nK000002;Ben Kurz;ben@example.com\n',
  );
  await harness.waitForEvent('file.archived');
  const [run] = await harness.runs();
  expect(run?.status).toBe('succeeded');
  const found = await harness.store.getCustomerById(webstore.id);
  const list = await harness.store.listCustomers({ limit: 100 });
  return { webstoreKey: found?.customer.key ?? null, customers: list.length };
}

describe('watch job matchExisting', () => {
  it('uses the format default when the job says nothing: the webstore customer gets the ERP key', async () => {
    const result = await importWithJob({});
    expect(result).toEqual({ webstoreKey: 'K000001', customers: 2 });
  });

  it('[] on the job turns the format’s fallback match off: the row becomes a new customer', async () => {
    const result = await importWithJob({ matchExisting: [] });
    expect(result).toEqual({ webstoreKey: null, customers: 3 });
  });

  it('the job’s fields replace the format’s: vatId only does not pair by e-mail', async () => {
    const result = await importWithJob({ matchExisting: ['vatId'] });
    expect(result).toEqual({ webstoreKey: null, customers: 3 });
  });
});
