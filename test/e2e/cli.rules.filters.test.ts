import { rm } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import {
  importRows,
  setUpProject,
  showRunText,
  type Row,
} from './cli.modes.fixtures.js';

/** Format filters end to end: conditions with all/any decide which rows are imported. */

let dir: string;

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const FILTER = `
filter:
  all:
    - { field: country, in: [DE, AT] }
    - { field: email, notEmpty: true }
    - { field: customerClass, notEquals: INTERNAL }
    - any:
        - { field: name, matches: "^(Alpha|Beta)" }
        - { field: company, notEmpty: true }
`;

const ROWS: Row[] = [
  { no: '1', name: 'Alpha', country: 'DE', email: 'a@example.com' },
  { no: '2', name: 'Beta', country: 'CH', email: 'b@example.com' },
  { no: '3', name: 'Beta', country: 'AT' },
  {
    no: '4',
    name: 'Zeta',
    country: 'AT',
    email: 'z@example.com',
    company: 'Zeta AG',
  },
  {
    no: '5',
    name: 'Alpha',
    country: 'DE',
    email: 'i@example.com',
    class: 'INTERNAL',
  },
  { no: '6', name: 'Omega', country: 'DE', email: 'o@example.com' },
];

describe('format filters', () => {
  beforeEach(async () => {
    dir = await makeTempDir();
  });

  it('import only the rows that pass; the others are counted filtered, not as errors', async () => {
    await setUpProject(dir, '', FILTER);
    const result = await importRows(dir, 'a.csv', ROWS);
    expect(result.code).toBe(0);
    expect(result.json).toMatchObject({
      outcome: 'imported',
      read: 6,
      inserted: 2,
      filtered: 4,
      skipped: 0,
    });
    expect(result.json.errors).toEqual([]);
    const list = await runCli(['customers', 'list', '--json'], { cwd: dir });
    expect(
      (JSON.parse(list.stdout) as { key: string }[]).map((c) => c.key),
    ).toEqual(['1', '4']);
    expect(await showRunText(dir, result.json.runId ?? -1)).toContain(
      'filtered 4',
    );
  });

  it('equals, notIn and empty work on their own too', async () => {
    await setUpProject(
      dir,
      '',
      `filter:\n  any:\n    - { field: country, equals: CH }\n    - all: [{ field: email, empty: true }, { field: country, notIn: [DE] }]\n`,
    );
    const result = await importRows(dir, 'a.csv', ROWS);
    expect(result.json).toMatchObject({ inserted: 2, filtered: 4 });
  });

  it('a broken regular expression is a format error when the formats are loaded', async () => {
    await setUpProject(
      dir,
      '',
      'filter: { field: name, matches: "(unclosed" }\n',
    );
    const result = await runCli(['formats', 'validate'], { cwd: dir });
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain(
      'must be a valid JavaScript regular expression',
    );
  });
});
