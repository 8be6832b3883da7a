import { rm } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import {
  importRows,
  setUpProject,
  showCustomer,
  showCustomerText,
  showRunText,
} from './cli.modes.fixtures.js';

/**
 * The customer rules end to end: type B2B/B2C kept from the first import, the status of new and
 * blocked customers, customer class defaults and the name fallback.
 */

let dir: string;

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('customer type', () => {
  beforeEach(async () => {
    dir = await makeTempDir();
    await setUpProject(dir);
  });

  it('is B2B with a company or VAT number, else B2C, and a later change is a warning and a history note', async () => {
    await importRows(dir, 'first.csv', [
      { no: 'P1', name: 'Anna Schulz' },
      { no: 'C1', name: 'Acme', company: 'Acme GmbH' },
      { no: 'V1', name: 'Vat only', vat: 'DE123456789' },
    ]);
    expect((await showCustomer(dir, 'P1')).customer.type).toBe('B2C');
    expect((await showCustomer(dir, 'C1')).customer.type).toBe('B2B');
    expect((await showCustomer(dir, 'V1')).customer.type).toBe('B2B');

    const second = await importRows(dir, 'second.csv', [
      { no: 'P1', name: 'Anna Schulz', company: 'Schulz Consulting' },
    ]);
    expect(second.code).toBe(0);
    expect(second.json).toMatchObject({ updated: 1, warnings: 1 });
    expect(second.json.errors).toEqual([
      expect.objectContaining({
        line: 2,
        code: 'TYPE_CHANGE_IGNORED',
        severity: 'warning',
        message: expect.stringContaining('type change B2C→B2B ignored'),
      }),
    ]);
    const p1 = await showCustomer(dir, 'P1');
    expect(p1.customer).toMatchObject({
      type: 'B2C',
      data: { company: 'Schulz Consulting' },
    });
    expect(p1.history[0]).toMatchObject({
      operation: 'updated',
      note: 'type change B2C→B2B ignored',
    });
    expect(await showCustomerText(dir, 'P1')).toContain(
      '— type change B2C→B2B ignored',
    );
    expect(await showRunText(dir, second.json.runId ?? -1)).toContain(
      'type change B2C→B2B ignored',
    );
  });

  it('is not derived when the format turns the rule off', async () => {
    await rm(dir, { recursive: true, force: true });
    dir = await makeTempDir();
    await setUpProject(dir, '', 'customerType: false\n');
    await importRows(dir, 'first.csv', [{ no: 'C1', company: 'Acme GmbH' }]);
    expect((await showCustomer(dir, 'C1')).customer.type).toBeNull();
  });
});

describe('status', () => {
  beforeEach(async () => {
    dir = await makeTempDir();
    await setUpProject(dir);
  });

  it('new customers are active by default, blocked with --new-status blocked; the ERP flag sets it on every import', async () => {
    await importRows(dir, 'a.csv', [
      { no: 'N1' },
      { no: 'N2', blocked: 'yes' },
    ]);
    expect((await showCustomer(dir, 'N1')).customer.status).toBe('active');
    expect((await showCustomer(dir, 'N2')).customer.status).toBe('blocked');

    await importRows(dir, 'b.csv', [{ no: 'W1' }], '--new-status', 'blocked');
    expect((await showCustomer(dir, 'W1')).customer.status).toBe('blocked');

    // The ERP releases N2 and blocks N1.
    const later = await importRows(dir, 'c.csv', [
      { no: 'N1', blocked: '1' },
      { no: 'N2', blocked: '0' },
    ]);
    expect(later.json).toMatchObject({ updated: 2 });
    expect((await showCustomer(dir, 'N1')).customer.status).toBe('blocked');
    const n2 = await showCustomer(dir, 'N2');
    expect(n2.customer.status).toBe('active');
    expect(n2.history[0]?.changes).toContainEqual({
      field: 'status',
      old: 'blocked',
      new: 'active',
    });
  });

  it("takes the config's newStatus, and rejects an unknown --new-status", async () => {
    await rm(dir, { recursive: true, force: true });
    dir = await makeTempDir();
    await setUpProject(dir, 'newStatus: blocked\n');
    await importRows(dir, 'a.csv', [{ no: 'N1' }]);
    expect((await showCustomer(dir, 'N1')).customer.status).toBe('blocked');
    const bad = await runCli(
      ['import', 'a.csv', '--format', 'erp', '--new-status', 'pending'],
      { cwd: dir },
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      '--new-status must be one of: active, blocked',
    );
  });
});

describe('customer class defaults', () => {
  const CLASSES = `
customerClasses:
  ECCUSTOMER: { currency: EUR, paymentTerms: 14D, language: de, priceGroup: RETAIL }
  WHOLESALE: { currency: CHF, priceGroup: TRADE }
`;

  beforeEach(async () => {
    dir = await makeTempDir();
    await setUpProject(dir, CLASSES, 'customerClass: ECCUSTOMER\n');
  });

  it('fill the fields the file leaves empty, never a value the file gives', async () => {
    const result = await importRows(dir, 'a.csv', [
      { no: 'D1' },
      { no: 'D2', currency: 'USD' },
      { no: 'W1', class: 'WHOLESALE' },
      { no: 'X1', class: 'UNKNOWN' },
    ]);
    expect(result.json.notices.join('\n')).toContain(
      "Customer class 'UNKNOWN' is not defined in customerClasses",
    );
    expect((await showCustomer(dir, 'D1')).customer.data).toMatchObject({
      customerClass: 'ECCUSTOMER',
      currency: 'EUR',
      paymentTerms: '14D',
      language: 'de',
      priceGroup: 'RETAIL',
    });
    expect((await showCustomer(dir, 'D2')).customer.data).toMatchObject({
      currency: 'USD',
      paymentTerms: '14D',
    });
    const w1 = (await showCustomer(dir, 'W1')).customer.data;
    expect(w1).toMatchObject({ currency: 'CHF', priceGroup: 'TRADE' });
    expect(w1['paymentTerms']).toBeUndefined();
    expect(
      (await showCustomer(dir, 'X1')).customer.data['currency'],
    ).toBeUndefined();
  });

  it('--customer-class picks the default class for rows without one', async () => {
    await importRows(
      dir,
      'a.csv',
      [{ no: 'D1' }],
      '--customer-class',
      'WHOLESALE',
    );
    expect((await showCustomer(dir, 'D1')).customer.data).toMatchObject({
      customerClass: 'WHOLESALE',
      currency: 'CHF',
    });
  });
});

describe('name fallback', () => {
  it('takes first and last name from the account name when both are empty (default on)', async () => {
    dir = await makeTempDir();
    await setUpProject(dir);
    await importRows(dir, 'a.csv', [
      { no: 'F1', name: 'Anna Maria Schulz' },
      { no: 'F2', name: 'Ben Kraus', firstName: 'Benjamin' },
      { no: 'F3', name: 'Solo' },
    ]);
    expect((await showCustomer(dir, 'F1')).customer.data).toMatchObject({
      firstName: 'Anna',
      lastName: 'Maria Schulz',
    });
    const f2 = (await showCustomer(dir, 'F2')).customer.data;
    expect(f2['firstName']).toBe('Benjamin');
    expect(f2['lastName']).toBeUndefined();
    expect((await showCustomer(dir, 'F3')).customer.data).toMatchObject({
      firstName: 'Solo',
    });
  });

  it('is off with nameFallback: false', async () => {
    dir = await makeTempDir();
    await setUpProject(dir, '', 'nameFallback: false\n');
    await importRows(dir, 'a.csv', [{ no: 'F1', name: 'Anna Schulz' }]);
    expect(
      (await showCustomer(dir, 'F1')).customer.data['firstName'],
    ).toBeUndefined();
  });
});
