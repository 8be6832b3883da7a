import { rm } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import {
  csv,
  importRows,
  setUpProject,
  showCustomer,
  type Row,
} from './cli.modes.fixtures.js';
import { writeTree } from '../helpers/run-cli.js';

/** `import --only-email / --only-key` end to end: just those customers, and what was not found. */

let dir: string;

beforeEach(async () => {
  dir = await makeTempDir();
  await setUpProject(dir);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ROWS: Row[] = [
  { no: 'K1', email: 'anna@example.com' },
  { no: 'K2', email: 'Ben@Example.com' },
  { no: 'K3', email: 'cleo@example.com' },
  { no: 'K4' },
];

describe('import with a selection', () => {
  it('--only-email imports just those customers (e-mails compared normalised) and reports the missing ones', async () => {
    const result = await importRows(
      dir,
      'all.csv',
      ROWS,
      '--only-email',
      'ben@example.com, nobody@example.com',
    );
    expect(result.code).toBe(0);
    expect(result.json).toMatchObject({
      read: 4,
      inserted: 1,
      filtered: 3,
      notFound: ['nobody@example.com'],
    });
    expect((await showCustomer(dir, 'K2')).customer.data['email']).toBe(
      'ben@example.com',
    );
    const missing = await runCli(['customers', 'show', 'K1'], { cwd: dir });
    expect(missing.code).toBe(2);
  });

  it('--only-key imports the given keys; the text summary names what was not found', async () => {
    await writeTree(dir, { 'all.csv': csv(ROWS) });
    const result = await runCli(
      ['import', 'all.csv', '--format', 'erp', '--only-key', 'K3,K4,K9'],
      { cwd: dir },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('filtered 2');
    expect(result.stdout).toContain('not found in the file: K9');
    expect((await showCustomer(dir, 'K3')).customer.status).toBe('active');
    expect((await showCustomer(dir, 'K4')).customer.status).toBe('active');
  });
});
