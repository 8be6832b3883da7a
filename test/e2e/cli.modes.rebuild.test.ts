import { rm } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import {
  importRows,
  numbered,
  setUpProject,
  showCustomer,
  showCustomerText,
  showRunText,
} from './cli.modes.fixtures.js';

/** `import --mode rebuild` end to end: real files, a real SQLite store, the CLI's own main(). */

let dir: string;

beforeEach(async () => {
  dir = await makeTempDir();
  await setUpProject(dir);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('import --mode rebuild', () => {
  it('deactivates the customers of the source that the file no longer lists, and says so everywhere', async () => {
    const first = await importRows(
      dir,
      'full.csv',
      numbered(20),
      '--mode',
      'rebuild',
    );
    expect(first.json).toMatchObject({ inserted: 20, deactivated: 0 });

    const second = await importRows(
      dir,
      'less.csv',
      numbered(19),
      '--mode',
      'rebuild',
    );
    expect(second.code).toBe(0);
    expect(second.json).toMatchObject({
      outcome: 'imported',
      unchanged: 19,
      deactivated: 1,
    });
    const runId = second.json.runId ?? -1;

    const gone = await showCustomer(dir, 'K0020');
    expect(gone.customer).toMatchObject({
      status: 'deactivated',
      deactivatedRunId: runId,
    });
    expect(gone.history[0]).toMatchObject({
      operation: 'deactivated',
      runId,
      note: `not in file of run ${runId} (rebuild)`,
    });
    const text = await showCustomerText(dir, 'K0020');
    expect(text).toMatch(/Customer K0020 \(.*deactivated\)/);
    expect(text).toContain(`deactivated in run ${runId} (rebuild)`);
    expect(await showRunText(dir, runId)).toContain('deactivated 1');

    const summary = await runCli(
      ['import', 'less.csv', '--format', 'erp', '--mode', 'rebuild', '--force'],
      { cwd: dir },
    );
    expect(summary.stdout).toContain('deactivate 0');
  });

  it('fails and changes nothing when the file would deactivate more than the allowed share', async () => {
    await importRows(dir, 'full.csv', numbered(1000), '--mode', 'rebuild');
    // A truncated export: 588 of 1 000 customers, one of them renamed.
    const truncated = numbered(588).map((r) =>
      r.no === 'K0001' ? { ...r, name: 'Renamed' } : r,
    );
    const result = await importRows(
      dir,
      'truncated.csv',
      truncated,
      '--mode',
      'rebuild',
    );
    expect(result.code).toBe(1);
    expect(result.json.outcome).toBe('rejected');
    expect(result.json.error?.code).toBe('DEACTIVATION_LIMIT');
    expect(result.json.error?.message).toContain(
      "would deactivate 412 of 1 000 active customers of source 'erp' (41 %), more than the allowed 10 %",
    );
    expect((await showCustomer(dir, 'K1000')).customer.status).toBe('active');
    expect((await showCustomer(dir, 'K0001')).customer.data['name']).toBe(
      'Customer K0001',
    );

    // The limit is configurable (here by flag); then the same file goes through.
    const allowed = await importRows(
      dir,
      'truncated.csv',
      truncated,
      '--mode',
      'rebuild',
      '--max-deactivate',
      '50',
    );
    expect(allowed.json).toMatchObject({
      outcome: 'imported',
      deactivated: 412,
      updated: 1,
    });
  });

  it('reactivates a customer that comes back in a later file', async () => {
    await importRows(
      dir,
      'full.csv',
      numbered(10),
      '--mode',
      'rebuild',
      '--max-deactivate',
      '20',
    );
    await importRows(
      dir,
      'less.csv',
      numbered(9),
      '--mode',
      'rebuild',
      '--max-deactivate',
      '20',
    );
    expect((await showCustomer(dir, 'K0010')).customer.status).toBe(
      'deactivated',
    );

    // Not byte-identical to full.csv (that would be a duplicate run): K0003 has a new name.
    const rows = numbered(10).map((r) =>
      r.no === 'K0003' ? { ...r, name: 'New name' } : r,
    );
    const back = await importRows(
      dir,
      'back.csv',
      rows,
      '--mode',
      'rebuild',
      '--max-deactivate',
      '20',
    );
    expect(back.json).toMatchObject({
      updated: 2,
      reactivated: 1,
      deactivated: 0,
    });
    const k10 = await showCustomer(dir, 'K0010');
    expect(k10.customer.status).toBe('active');
    expect(k10.history[0]).toMatchObject({
      operation: 'reactivated',
      runId: back.json.runId,
    });
    expect(await showRunText(dir, back.json.runId ?? -1)).toContain(
      'reactivated 1',
    );
  });

  it("two ERPs feeding one store do not deactivate each other's customers", async () => {
    await importRows(
      dir,
      'a.csv',
      numbered(10, 1),
      '--mode',
      'rebuild',
      '--source',
      'erp-a',
    );
    await importRows(
      dir,
      'b.csv',
      numbered(10, 101),
      '--mode',
      'rebuild',
      '--source',
      'erp-b',
    );
    const a = await importRows(
      dir,
      'a2.csv',
      numbered(9, 1),
      '--mode',
      'rebuild',
      '--source',
      'erp-a',
      '--max-deactivate',
      '10',
    );
    expect(a.json).toMatchObject({ outcome: 'imported', deactivated: 1 });
    expect((await showCustomer(dir, 'K0010')).customer).toMatchObject({
      status: 'deactivated',
      source: 'erp-a',
    });
    for (const key of ['K0101', 'K0110']) {
      expect((await showCustomer(dir, key)).customer).toMatchObject({
        status: 'active',
        source: 'erp-b',
      });
    }
  });

  it('does not deactivate a customer whose row was skipped as invalid', async () => {
    await importRows(dir, 'full.csv', numbered(10), '--mode', 'rebuild');
    const rows = numbered(10).map((r) =>
      r.no === 'K0005' ? { ...r, email: 'not-an-email' } : r,
    );
    const result = await importRows(dir, 'bad.csv', rows, '--mode', 'rebuild');
    expect(result.json).toMatchObject({
      outcome: 'partial',
      skipped: 1,
      deactivated: 0,
    });
    expect((await showCustomer(dir, 'K0005')).customer.status).toBe('active');
  });

  it('refuses --only-key with rebuild before touching anything', async () => {
    const result = await runCli(
      [
        'import',
        'x.csv',
        '--format',
        'erp',
        '--mode',
        'rebuild',
        '--only-key',
        'K1',
      ],
      { cwd: dir },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('cannot be combined with --mode rebuild');
  });
});
