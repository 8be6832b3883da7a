import { rm } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import {
  importRows,
  setUpProject,
  showCustomer,
  showRunText,
  type Row,
} from './cli.modes.fixtures.js';

/** `import --mode changed-since` end to end: the point from the last transfer, a timestamp, or anytime. */

let dir: string;

beforeEach(async () => {
  dir = await makeTempDir();
  await setUpProject(dir);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Times are Europe/Berlin wall times (the format's time zone); 10:00 CET is 09:00Z.
const FIRST: Row[] = [
  { no: 'A', name: 'Alpha', modified: '2026-11-01 10:00' },
  { no: 'B', name: 'Beta', modified: '2026-11-02 10:00' },
  { no: 'C', name: 'Gamma', modified: '2026-11-03 10:00' },
];

describe('import --mode changed-since', () => {
  it('last-transfer: writes only rows modified after the newest value of the previous run; rows without one too', async () => {
    const first = await importRows(dir, 'full.csv', FIRST);
    expect(first.json).toMatchObject({ inserted: 3 });
    const runText = await showRunText(dir, first.json.runId ?? -1);
    expect(runText, runText).toContain(
      'last modified 2026-11-03T09:00:00.000Z',
    );

    const second = await importRows(
      dir,
      'delta.csv',
      [
        {
          no: 'A',
          name: 'Alpha (old row, new name)',
          modified: '2026-11-01 10:00',
        },
        { no: 'C', name: 'Gamma', modified: '2026-11-03 10:00' },
        { no: 'B', name: 'Beta 2', modified: '2026-11-03 10:01' },
        { no: 'D', name: 'Delta without time' },
      ],
      '--mode',
      'changed-since',
    );
    expect(second.code).toBe(0);
    expect(second.json).toMatchObject({
      read: 4,
      notChanged: 2,
      inserted: 1,
      updated: 1,
    });
    expect(second.json.notices.join('\n')).toContain(
      "after 2026-11-03T09:00:00.000Z (the last transfer of source 'erp')",
    );
    expect((await showCustomer(dir, 'A')).customer.data['name']).toBe('Alpha');
    expect((await showCustomer(dir, 'B')).customer.data['name']).toBe('Beta 2');
    expect((await showCustomer(dir, 'D')).customer.data['name']).toBe(
      'Delta without time',
    );
    expect(await showRunText(dir, second.json.runId ?? -1)).toContain(
      'not changed 2',
    );

    // The next run starts after the newest value the second one saw.
    const third = await importRows(
      dir,
      'delta2.csv',
      [{ no: 'B', name: 'Beta 3', modified: '2026-11-03 10:01' }],
      '--mode',
      'changed-since',
    );
    expect(third.json).toMatchObject({ notChanged: 1, updated: 0 });
  });

  it('without an earlier transfer every row is imported', async () => {
    const result = await importRows(
      dir,
      'full.csv',
      FIRST,
      '--mode',
      'changed-since',
    );
    expect(result.json).toMatchObject({ inserted: 3, notChanged: 0 });
    expect(result.json.notices.join('\n')).toContain(
      "source 'erp' has no earlier transfer",
    );
  });

  it("--since takes a timestamp (in the format's time zone) or anytime", async () => {
    const since = await importRows(
      dir,
      'full.csv',
      FIRST,
      '--mode',
      'changed-since',
      '--since',
      '2026-11-02T10:00',
    );
    expect(since.json).toMatchObject({ inserted: 1, notChanged: 2 });
    expect(since.json.notices.join('\n')).toContain(
      'after 2026-11-02T09:00:00.000Z (2026-11-02T10:00)',
    );

    const anytime = await importRows(
      dir,
      'full2.csv',
      [...FIRST, { no: 'E', modified: '2020-01-01 00:00' }],
      '--mode',
      'changed-since',
      '--since',
      'anytime',
    );
    expect(anytime.json).toMatchObject({
      inserted: 3,
      unchanged: 1,
      notChanged: 0,
    });
  });

  it('the text summary counts the rows that did not change', async () => {
    await importRows(dir, 'full.csv', FIRST);
    await importRows(
      dir,
      'delta.csv',
      FIRST.slice(0, 2),
      '--mode',
      'changed-since',
      '--dry-run',
    );
    const text = await runCli(
      ['import', 'delta.csv', '--format', 'erp', '--mode', 'changed-since'],
      { cwd: dir },
    );
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('not changed 2');
  });

  it('rejects --since without changed-since, and a point that is no time', async () => {
    const wrongMode = await runCli(
      ['import', 'x.csv', '--format', 'erp', '--since', 'anytime'],
      { cwd: dir },
    );
    expect(wrongMode.code).toBe(2);
    expect(wrongMode.stderr).toContain('--since needs --mode changed-since');
    const bad = await runCli(
      [
        'import',
        'x.csv',
        '--format',
        'erp',
        '--mode',
        'changed-since',
        '--since',
        'yesterday',
      ],
      { cwd: dir },
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("'yesterday' is not a changed-since point");
  });
});
